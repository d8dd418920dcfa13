"""Megatron's indexed dataset format: a ``.bin`` of raw token ids and its ``.idx``.

Written byte for byte the way megatron-core's ``IndexedDatasetBuilder`` writes
it and its ``IndexedDataset`` reads it (megatron/core/datasets/indexed_dataset.py):
the 9-byte ``MMIDIDX`` magic, version 1 (u64), the dtype code (u8), the
sequence count and the document-index count (u64 each), then the int32
sequence lengths, the int64 byte pointers into the ``.bin`` and the int64
document indices (``[0, 1, ..., n]``: every document is one sequence, as
``preprocess_data.py`` writes them without sentence splitting).

The index is written as a stream over chunks of lengths, so a dataset of
billions of sequences needs one chunk in memory, not all of them.
"""

from __future__ import annotations

import struct
from typing import Callable, Iterable

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
# megatron.core.datasets.indexed_dataset.DType
DTYPE_CODES = {
    np.dtype(np.uint8): 1,
    np.dtype(np.int8): 2,
    np.dtype(np.int16): 3,
    np.dtype(np.int32): 4,
    np.dtype(np.int64): 5,
    np.dtype(np.float64): 6,
    np.dtype(np.float32): 7,
    np.dtype(np.uint16): 8,
}
# DType.optimal_dtype: uint16 below this many ids, else int32
UINT16_BELOW = 65500
HEADER_BYTES = len(MAGIC) + 8 + 1 + 8 + 8


def megatron_dtype(vocab_size: int) -> np.dtype:
    """The token dtype Megatron's own preprocessing picks for this vocab size."""
    if vocab_size < UINT16_BELOW:
        return np.dtype(np.uint16)
    if vocab_size <= np.iinfo(np.int32).max + 1:
        return np.dtype(np.int32)
    raise ValueError(f"vocab size {vocab_size:,} does not fit Megatron's int32 token ids")


def header(dtype: np.dtype, sequences: int) -> bytes:
    return MAGIC + struct.pack("<Q", VERSION) + struct.pack("<B", DTYPE_CODES[np.dtype(dtype)]) + struct.pack(
        "<Q", sequences
    ) + struct.pack("<Q", sequences + 1)


def write_index(write: Callable[[bytes], object], dtype: np.dtype, sequences: int,
                length_chunks: Callable[[], Iterable[np.ndarray]]) -> None:
    """Stream an ``.idx`` through ``write``; ``length_chunks()`` yields the sequence lengths in order
    (called twice: once for the lengths, once for the pointers)."""
    write(header(dtype, sequences))
    written = 0
    for chunk in length_chunks():
        write(np.ascontiguousarray(chunk, dtype=np.int32).tobytes())
        written += len(chunk)
    if written != sequences:
        raise ValueError(f"index: {written} sequence lengths, expected {sequences}")
    itemsize = np.dtype(dtype).itemsize
    offset = 0
    for chunk in length_chunks():
        ends = np.cumsum(np.asarray(chunk, dtype=np.int64) * itemsize) + offset
        write((ends - np.asarray(chunk, dtype=np.int64) * itemsize).tobytes())
        offset = int(ends[-1]) if len(ends) else offset
    step = 1 << 20
    for start in range(0, sequences + 1, step):
        write(np.arange(start, min(start + step, sequences + 1), dtype=np.int64).tobytes())
