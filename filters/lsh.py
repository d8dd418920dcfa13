"""LSH banding: which documents become candidate pairs, and which pairs are real.

Bands and rows come from the target Jaccard threshold the way datasketch's
``MinHashLSH`` picks them (minimize the weighted area of false positives below
the threshold plus false negatives above it), computed for all (b, r) at once
on a fixed grid instead of one ``scipy.integrate.quad`` call per pair; tests
check it picks the same (b, r) as datasketch.

Band keys mix in a per-document salt (the language), so two languages never
share a bucket.  Candidates from a bucket are verified with the full-signature
Jaccard estimate, so a banding false positive never joins two clusters.
"""

from __future__ import annotations


import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters.hashing import string_hashes
from filters.minhash import jaccard_estimate
from filters.shingles import fmix64

_GRID = 4001
_BAND_MIX = np.uint64(0x9FB21C651E98DF25)
_ROW_MIX = np.uint64(0x100000001B3)
# Buckets up to this size pair every member with every other; bigger ones (in
# practice near-identical clusters) pair each member with the first only.
ALL_PAIRS_MAX_BUCKET = 16


def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) minimizing weighted false-positive + false-negative area."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)], dtype=np.float64)
    b, r = pairs[:, :1], pairs[:, 1:]
    below = np.linspace(0.0, threshold, _GRID)[None, :]
    above = np.linspace(threshold, 1.0, _GRID)[None, :]
    fp = np.trapezoid(1.0 - (1.0 - below**r) ** b, below, axis=1)
    fn = np.trapezoid((1.0 - above**r) ** b, above, axis=1)
    best = int(np.argmin(fp * fp_weight + fn * fn_weight))
    return int(pairs[best, 0]), int(pairs[best, 1])


def label_salts(labels: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A stable 64-bit salt per row from a string label (e.g. ``lang``); null -> 0."""
    encoded = pc.dictionary_encode(pc.cast(labels, pa.string()))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    table = np.append(string_hashes(encoded.dictionary), np.uint64(0))
    idx = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return table[idx]


def band_keys(sigs: np.ndarray, bands: int, rows: int, salts: np.ndarray) -> np.ndarray:
    """(documents x bands) uint64 bucket keys; band index and salt are mixed in."""
    if bands * rows > sigs.shape[1]:
        raise ValueError(f"bands*rows = {bands * rows} exceeds num_perm = {sigs.shape[1]}")
    keys = np.empty((sigs.shape[0], bands), dtype=np.uint64)
    band_salts = np.arange(1, bands + 1, dtype=np.uint64) * _BAND_MIX
    for band in range(bands):
        h = salts ^ band_salts[band]
        for col in range(band * rows, (band + 1) * rows):
            h = (h * _ROW_MIX) ^ sigs[:, col].astype(np.uint64)
        keys[:, band] = fmix64(h)
    return keys


def bucket_pairs(keys: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs (left, right) of ``members`` that share a key, left < right.

    Within a bucket members are sorted, so pairs come out the same on every run.
    """
    order = np.lexsort((members, keys))
    keys, members = keys[order], members[order]
    n = len(keys)
    new = np.ones(n, dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    bucket = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    size = np.diff(np.append(starts, n))[bucket]
    small = size <= ALL_PAIRS_MAX_BUCKET
    left, right = [], []
    for d in range(1, min(ALL_PAIRS_MAX_BUCKET, n)):
        i = np.flatnonzero(small[: n - d] & (bucket[: n - d] == bucket[d:]))
        left.append(members[i])
        right.append(members[i + d])
    big = np.flatnonzero(~small & ~new)
    left.append(members[starts[bucket[big]]])
    right.append(members[big])
    left, right = np.concatenate(left), np.concatenate(right)
    keep = left != right
    return left[keep], right[keep]


def verified(sig_left: np.ndarray, sig_right: np.ndarray, threshold: float) -> np.ndarray:
    """Mask of pairs whose full-signature Jaccard estimate reaches ``threshold``."""
    return jaccard_estimate(sig_left, sig_right) >= threshold
