"""Fixed-bin histograms: the mergeable, bounded-memory form of a distribution.

Storing every document length does not scale to terabytes, so lengths go into
fixed bins shared by every partial aggregate (merging is adding count arrays) and
percentiles are read from the bins.

Length bins are exact below ``EXACT_BELOW`` (one bin per integer) and
log-spaced above it, ``BINS_PER_DECADE`` per decade.  A percentile read from a
log bin is reported as the bin's geometric midpoint (clipped to the observed
min/max), so its relative error is at most ``LOG_RELATIVE_ERROR`` (computed from
the integer edges: 2.3 % just above ``EXACT_BELOW``, where rounding edges
up to integers widens bins, falling to 10**(1/128) - 1 = 1.8 % for long
lengths); below ``EXACT_BELOW`` percentiles are exact.

Score bins are linear over [0, 1], width ``1/SCORE_BINS``; a percentile is the
bin midpoint, so its absolute error is at most ``SCORE_ABSOLUTE_ERROR``.
"""

from __future__ import annotations

import math

import numpy as np

EXACT_BELOW = 64
BINS_PER_DECADE = 64
MAX_VALUE = 10**13
SCORE_BINS = 100
SCORE_ABSOLUTE_ERROR = 0.5 / SCORE_BINS


def _length_edges() -> np.ndarray:
    """Integer lower edges of every length bin (exact integers, then log-spaced)."""
    n_log = math.ceil(BINS_PER_DECADE * math.log10(MAX_VALUE / EXACT_BELOW)) + 1
    log_edges = np.ceil(EXACT_BELOW * 10 ** (np.arange(n_log) / BINS_PER_DECADE)).astype(np.int64)
    return np.concatenate([np.arange(EXACT_BELOW, dtype=np.int64), np.unique(log_edges)])


LENGTH_EDGES = _length_edges()
LENGTH_BINS = len(LENGTH_EDGES)
# Worst case over the log bins of |geometric midpoint / value - 1|.
LOG_RELATIVE_ERROR = float(
    np.max(np.sqrt(LENGTH_EDGES[EXACT_BELOW + 1 :] / LENGTH_EDGES[EXACT_BELOW:-1])) - 1
)


def length_bins(values: np.ndarray) -> np.ndarray:
    """Bin index of each non-negative integer value; integer edges keep it exact."""
    return np.searchsorted(LENGTH_EDGES, values, side="right") - 1


def score_bins(scores: np.ndarray) -> np.ndarray:
    """Bin index of each score in [0, 1]; 1.0 falls in the last bin."""
    # The epsilon (1e-6 in score units) keeps float32 scores on an edge (0.9f = 0.89999998) in its bin.
    return np.clip(np.floor(scores * SCORE_BINS + 1e-4).astype(np.int64), 0, SCORE_BINS - 1)


def length_bin_bounds() -> tuple[np.ndarray, np.ndarray]:
    """Inclusive [low, high] integer range of every length bin."""
    upper = np.append(LENGTH_EDGES[1:] - 1, MAX_VALUE)
    return LENGTH_EDGES, upper


def score_bin_bounds() -> tuple[np.ndarray, np.ndarray]:
    edges = np.arange(SCORE_BINS + 1) / SCORE_BINS
    return edges[:-1], edges[1:]


def _rank_bins(counts: np.ndarray, qs: list[float]) -> np.ndarray:
    """Bin holding the nearest-rank q-quantile: first bin with cumulative count >= ceil(q*n)."""
    cum = np.cumsum(counts)
    ranks = np.maximum(1, np.ceil(np.asarray(qs) * cum[-1] - 1e-9))
    return np.searchsorted(cum, ranks, side="left")


def length_percentiles(counts: np.ndarray, qs: list[float], lo: int, hi: int) -> list[float]:
    """Nearest-rank percentiles of a non-empty length histogram (error: module docstring)."""
    bins = _rank_bins(counts, qs)
    low, high = length_bin_bounds()
    mids = np.where(
        low[bins] < EXACT_BELOW,
        low[bins].astype(np.float64),
        np.sqrt(low[bins].astype(np.float64) * (high[bins] + 1)),
    )
    return [float(v) for v in np.clip(mids, lo, hi)]


def score_percentiles(counts: np.ndarray, qs: list[float], lo: float, hi: float) -> list[float]:
    """Nearest-rank percentiles of a score histogram, as bin midpoints clipped to [lo, hi]."""
    mids = (_rank_bins(counts, qs) + 0.5) / SCORE_BINS
    return [round(float(v), 6) for v in np.clip(mids, lo, hi)]
