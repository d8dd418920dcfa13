"""Fixed-bin histograms: exact small values, bounded error for large ones."""

import numpy as np

from pipeline.stats import histograms as H


def _nearest_rank(values, q):
    ordered = np.sort(values)
    return ordered[max(1, int(np.ceil(q * len(values) - 1e-9))) - 1]


def test_small_values_have_their_own_bin_and_exact_percentiles():
    values = np.array([0, 1, 5, 5, 7, 63])
    assert list(H.length_bins(values)) == [0, 1, 5, 5, 7, 63]
    counts = np.bincount(H.length_bins(values), minlength=H.LENGTH_BINS)
    qs = [0.01, 0.5, 0.75, 1.0]
    assert H.length_percentiles(counts, qs, 0, 63) == [_nearest_rank(values, q) for q in qs]


def test_large_percentiles_are_within_the_stated_relative_error():
    rng = np.random.default_rng(1)
    values = np.concatenate([rng.lognormal(7, 2, 20000).astype(np.int64), [10**12]])
    counts = np.bincount(H.length_bins(values), minlength=H.LENGTH_BINS)
    qs = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]
    got = H.length_percentiles(counts, qs, values.min(), values.max())
    for q, g in zip(qs, got):
        true = _nearest_rank(values, q)
        if true >= H.EXACT_BELOW:
            assert abs(g / true - 1) <= H.LOG_RELATIVE_ERROR + 1e-12
        else:
            assert g == true
    assert 0.018 < H.LOG_RELATIVE_ERROR < 0.024


def test_every_value_falls_in_the_bin_whose_bounds_contain_it():
    values = np.unique(np.concatenate([np.arange(2000), np.logspace(3, 12.9, 500).astype(np.int64)]))
    bins = H.length_bins(values)
    low, high = H.length_bin_bounds()
    assert np.all(low[bins] <= values) and np.all(values <= high[bins])


def test_score_bins_keep_float32_edges_in_their_bin():
    scores = np.array([0.0, 0.29, 0.9, 1.0], dtype=np.float32).astype(np.float64)
    assert list(H.score_bins(scores)) == [0, 29, 90, 99]
    counts = np.bincount(H.score_bins(scores), minlength=H.SCORE_BINS)
    p50, p100 = H.score_percentiles(counts, [0.5, 1.0], scores.min(), scores.max())
    for got, true in ((p50, 0.29), (p100, 1.0)):
        assert abs(got - true) <= H.SCORE_ABSOLUTE_ERROR + 1e-12
