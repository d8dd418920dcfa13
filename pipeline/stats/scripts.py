"""Script mix by character, read straight from the UTF-8 bytes.

The categories are those of ``filters.script`` (the script profile language ID
uses), so the stats' mix and the stages' ``script`` column agree.  That module
decodes every document to UTF-32 to get per-document counts; an aggregate only
needs totals, which come faster from the bytes of a string array's data buffer:
ASCII characters from a 256-bin byte histogram, and the rarer multi-byte
characters decoded to their code point from their lead byte's position.  No
per-character Python and no copy of the text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from filters.script import CATEGORY_NAMES, categories

SCRIPTS = CATEGORY_NAMES
# filters.script's category of every code point: one definition of which code
# point belongs to which category.
_TABLE = categories(np.arange(0x110000, dtype=np.uint32)).astype(np.uint8)
_N = len(SCRIPTS)
CHUNK_BYTES = 1 << 18


def _utf8_data(arr: pa.Array) -> np.ndarray:
    """The bytes of a (large_)string array's values, zero-copy."""
    bufs = arr.buffers()
    if len(arr) == 0 or bufs[2] is None:
        return np.zeros(0, np.uint8)
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], offset_type)[arr.offset : arr.offset + len(arr) + 1]
    return np.frombuffer(bufs[2], np.uint8)[offsets[0] : offsets[-1]]


def script_counts(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Characters per category in ``SCRIPTS`` order (nulls count nothing)."""
    counts = np.zeros(_N, dtype=np.int64)
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        counts += _bytes_counts(_utf8_data(chunk))
    return counts


def _bytes_counts(data: np.ndarray) -> np.ndarray:
    """Category counts of valid UTF-8 bytes, a cache-sized chunk at a time.

    ``np.bincount`` widens its input to int64; on 256 KiB chunks that copy stays
    in cache, which makes the pass about twice as fast as over a whole batch.
    """
    by_byte = np.zeros(256, np.int64)
    counts = np.zeros(_N, np.int64)
    for start in range(0, len(data), CHUNK_BYTES):
        chunk = data[start : start + CHUNK_BYTES]
        hist = np.bincount(chunk, minlength=256)
        by_byte += hist
        if hist[0xC0:].any():
            counts += _multibyte_counts(data, np.flatnonzero(chunk >= 0xC0) + start)
    counts += np.bincount(_TABLE[:0x80], weights=by_byte[:0x80], minlength=_N).astype(np.int64)
    return counts


def _multibyte_counts(data: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """Decode the characters starting at ``leads`` (lead bytes) and count their categories."""
    counts = np.zeros(_N, np.int64)
    first = data[leads]
    last = len(data) - 1
    for lo, hi, width in ((0xC0, 0xE0, 2), (0xE0, 0xF0, 3), (0xF0, 0x100, 4)):
        pos = leads[(first >= lo) & (first < hi)]
        if not pos.size:
            continue
        cp = data[pos].astype(np.uint32) & (0x7F >> width)
        for k in range(1, width):
            # Valid UTF-8 always has the continuation bytes; the clip only guards bad input.
            cp = (cp << 6) | (data[np.minimum(pos + k, last)].astype(np.uint32) & 0x3F)
        counts += np.bincount(_TABLE[cp], minlength=_N)
    return counts
