"""The one way pentaglot hashes a string: xxh3 of its UTF-8 bytes.

Exact dedup, id partitions and buckets, and seeded sampling all need a hash
that is the same on every machine and Python process (Python's ``hash`` is
salted per process) and cheap per value.  Arrow has no stable string hash
kernel, so each value is one C call to xxhash, mapped without a Python-level
loop body.  64 bits place and sample; exact dedup compares 128-bit digests,
since 64 bits would collide about once in a few billion documents and
silently drop one.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import xxhash


def _utf8(values: pa.Array | pa.ChunkedArray) -> list[bytes]:
    """The values as UTF-8 bytes; a null hashes like the empty string."""
    return pc.fill_null(pc.cast(values, pa.string()), "").cast(pa.binary()).to_pylist()


def string_hashes(values: pa.Array | pa.ChunkedArray, seed: int = 0) -> np.ndarray:
    """64-bit xxh3 of each value with ``seed``, as uint64."""
    data = _utf8(values)
    return np.fromiter(map(xxhash.xxh3_64_intdigest, data, repeat(seed)), dtype=np.uint64, count=len(data))


def hash_partition(hashes: np.ndarray, parts: int) -> np.ndarray:
    """Partition (0 .. parts-1) of each 64-bit hash: the same in every task, so rows meet by key."""
    return (hashes.astype(np.uint64, copy=False) % np.uint64(parts)).astype(np.int64)


def string_partition(values: pa.Array | pa.ChunkedArray, parts: int) -> np.ndarray:
    """Partition of each string (ids) by its :func:`string_hashes`."""
    return hash_partition(string_hashes(values), parts)


def string_digests(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """128-bit xxh3 digest of each value, and the low 64 bits of each as uint64."""
    digests = list(map(xxhash.xxh3_128_digest, _utf8(values)))
    low = np.frombuffer(b"".join(digests), dtype=np.uint64)[::2].copy() if digests else np.zeros(0, np.uint64)
    return pa.array(digests, pa.binary(16)), low


def unit_interval(hashes: np.ndarray) -> np.ndarray:
    """Hashes mapped to floats in [0, 1), exactly (the top 53 bits)."""
    return (hashes >> np.uint64(11)).astype(np.float64) / 2.0**53
