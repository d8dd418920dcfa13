"""Shingle hashes for a whole batch of texts at once, language-aware.

Word n-grams find almost nothing in Chinese and Japanese (no spaces), so the
unit comes from the language table: "char" n-grams (whitespace removed, so a
re-wrapped line changes nothing) or "word" n-grams.  Both are substrings of the
matching text, so one rolling hash serves both: the batch becomes one array of
code points, a prefix sum of ``c[i] * P**i`` (mod 2**64) gives any substring's
polynomial hash in O(1) vectorized numpy, and a finalizer spreads it to 32 bits
(the width datasketch's default MinHash scheme takes).  No per-shingle Python.

A text with fewer units than the shingle size gets one shingle, its whole
matching text, so short documents are still compared (exactly) instead of
being dropped.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Unit = Literal["char", "word"]

# Odd, so invertible mod 2**64: a substring hash is shifted back to position 0
# by multiplying with P**-start.
P = np.uint64(0x9E3779B97F4A7C15)
P_INV = np.uint64(pow(int(P), -1, 1 << 64))
# Mixes the length in, so strings that differ only by trailing NUL-like
# coefficients still differ.
LENGTH_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
_SPACE = 32


def fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer: a bijection that avalanches every bit."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def codepoints(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """All texts as one uint32 code point array, plus per-text offsets into it.

    The batch's UTF-8 buffer is decoded and re-encoded as UTF-32 in two C
    calls, never one Python string per row.
    """
    texts = pc.cast(texts, pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = pc.fill_null(texts, "")
    n = len(texts)
    byte_offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset : texts.offset + n + 1]
    data = texts.buffers()[2]
    # Only this slice's bytes: a batch sliced from a big block shares the block's
    # buffer, and copying all of it per batch made a pass quadratic in block size.
    raw = b"" if data is None else memoryview(data)[byte_offsets[0] : byte_offsets[-1]]
    cps = np.frombuffer(str(raw, "utf-8").encode("utf-32-le"), dtype=np.uint32)
    lengths = pc.utf8_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return cps, offsets


# Power tables up to this length are kept per process (8 bytes a power); every
# batch used to rebuild its own, a tenth of decontamination's time.
_CACHED_POWERS = 1 << 22
_power_tables: dict[int, np.ndarray] = {}
_NO_POWERS = np.zeros(0, dtype=np.uint64)


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """``base**i`` mod 2**64 for i in [0, n), read-only (a shared table's prefix)."""
    table = _power_tables.get(int(base), _NO_POWERS)
    if len(table) < n:
        size = min(max(n, 2 * len(table), 1 << 16), max(n, _CACHED_POWERS))
        table = _power_table(base, size)
        table.setflags(write=False)
        if size <= _CACHED_POWERS:
            _power_tables[int(base)] = table
    return table[:n]


def _power_table(base: np.uint64, n: int) -> np.ndarray:
    """``base**i`` for i in [0, n) as an outer product of two short cumulative
    products (a plain cumprod is one serial multiply chain)."""
    step = 1024
    low = np.full(step, base, dtype=np.uint64)
    low[0] = 1
    np.cumprod(low, out=low)
    high = np.full(n // step + 1, low[-1:] * base, dtype=np.uint64)
    high[0] = 1
    np.cumprod(high, out=high)
    return np.multiply.outer(high, low).ravel()[:n]


def _finish(raw: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Mix the length in and avalanche; the top 32 bits are the shingle hash."""
    return (fmix64(raw ^ (lengths.astype(np.uint64) * LENGTH_MIX)) >> np.uint64(32)).astype(np.uint32)


def _substring_hashes(cps: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """32-bit hash of each substring ``cps[starts[k]:ends[k]]``, any length."""
    n = len(cps)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum((cps.astype(np.uint64) + np.uint64(1)) * _powers(P, n), out=prefix[1:])
    raw = (prefix[ends] - prefix[starts]) * _powers(P_INV, n + 1)[starts]
    return _finish(raw, ends - starts)


def _bounded_hashes(cps: np.ndarray, starts: np.ndarray, lengths: np.ndarray, max_len: int) -> np.ndarray:
    """The same hash for substrings of at most ``max_len`` code points.

    Every full-length window's polynomial is ``max_len`` multiply-adds over
    shifted contiguous slices (no prefix sums or power tables over the batch,
    3-5x faster for character n-grams); the few shorter ones (whole short
    texts) are summed term by term with a length mask.
    """
    n = len(cps)
    padded = np.zeros(n + max_len, dtype=np.uint64)
    padded[:n] = cps
    padded[:n] += np.uint64(1)
    window = np.zeros(n + 1, dtype=np.uint64)
    powers = _powers(P, max_len)
    for k in range(max_len):
        window[:n] += padded[k : k + n] * powers[k]
    raw = window[starts]
    short = np.flatnonzero(lengths < max_len)
    if len(short):
        acc = np.zeros(len(short), dtype=np.uint64)
        for k in range(max_len):
            term = padded[np.minimum(starts[short] + k, len(padded) - 1)] * powers[k]
            acc += np.where(lengths[short] > k, term, np.uint64(0))
        raw[short] = acc
    return _finish(raw, lengths)


def _windows(unit_starts, unit_ends, unit_offsets, doc_starts, doc_ends, size):
    """(start, end) of every run of ``size`` consecutive units inside one text,
    or the whole text when it has fewer units; plus per-text shingle offsets."""
    n_units = np.diff(unit_offsets)
    short = n_units < size
    per_doc = np.where(short, 1, n_units - size + 1)
    offsets = np.zeros(len(per_doc) + 1, dtype=np.int64)
    np.cumsum(per_doc, out=offsets[1:])
    # Shingle k of a text starts at unit (k - its first shingle + its first unit).
    first = np.arange(offsets[-1], dtype=np.int64) + np.repeat(unit_offsets[:-1] - offsets[:-1], per_doc)
    last_unit = max(len(unit_starts) - 1, 0)
    padded_starts = unit_starts if len(unit_starts) else np.zeros(1, dtype=np.int64)
    padded_ends = unit_ends if len(unit_ends) else np.zeros(1, dtype=np.int64)
    starts = padded_starts[np.minimum(first, last_unit)]
    ends = padded_ends[np.minimum(first + (size - 1), last_unit)]
    short_docs = np.flatnonzero(short)
    starts[offsets[short_docs]] = doc_starts[short_docs]
    ends[offsets[short_docs]] = doc_ends[short_docs]
    return starts, ends, offsets


def shingle_hashes(matching: pa.Array, unit: Unit, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every shingle of every text, and per-text offsets into them.

    ``matching`` is the output of ``dedup_normalize.normalize_for_matching``.
    Every text gets at least one shingle.
    """
    if size < 1:
        raise ValueError(f"shingle size must be >= 1, got {size}")
    if unit == "char":
        matching = pc.replace_substring(matching, " ", "")
    cps, doc_offsets = codepoints(matching)
    doc_starts, doc_ends = doc_offsets[:-1], doc_offsets[1:]
    if unit == "char":
        unit_starts = np.arange(len(cps), dtype=np.int64)
        unit_ends = unit_starts + 1
        unit_offsets = doc_offsets
    elif unit == "word":
        is_word = cps > _SPACE
        before = np.zeros(len(cps), dtype=bool)
        before[1:] = is_word[:-1]
        before[doc_starts[doc_starts < len(cps)]] = False
        after = np.zeros(len(cps), dtype=bool)
        after[:-1] = is_word[1:]
        after[doc_ends[doc_ends > 0] - 1] = False
        unit_starts = np.flatnonzero(is_word & ~before)
        unit_ends = np.flatnonzero(is_word & ~after) + 1
        unit_offsets = np.searchsorted(unit_starts, doc_offsets)
    else:
        raise ValueError(f"shingle unit must be 'char' or 'word', got {unit!r}")
    starts, ends, offsets = _windows(unit_starts, unit_ends, unit_offsets, doc_starts, doc_ends, size)
    if unit == "char":
        return _bounded_hashes(cps, starts, ends - starts, size), offsets
    return _substring_hashes(cps, starts, ends), offsets
