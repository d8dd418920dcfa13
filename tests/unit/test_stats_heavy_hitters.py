"""Misra-Gries repeated lines: exact when everything fits, bounded error when not."""

import collections

import numpy as np
import pyarrow as pa

from pipeline.stats.heavy_hitters import LineCounter


def _texts(lines, per_doc=10):
    return pa.array(["\n".join(lines[i : i + per_doc]) for i in range(0, len(lines), per_doc)], pa.large_string())


def test_exact_when_the_distinct_lines_fit():
    counter = LineCounter(capacity=10, min_chars=3)
    counter.add_texts(pa.array(["  cookie banner  \nabc\nx", "abc\ncookie banner", None]))
    assert counter.seen == 4  # "x" is shorter than min_chars; lines are stripped
    assert counter.error_bound == 0
    assert counter.top(5) == [("abc", 2), ("cookie banner", 2)]


def _skewed_lines(n, seed):
    rng = np.random.default_rng(seed)
    ranks = rng.zipf(1.3, n)
    return [f"line number {r}" for r in ranks]


def test_bounded_error_across_batches_and_merges():
    lines = _skewed_lines(30000, 0)
    truth = collections.Counter(lines)
    parts = []
    for chunk in range(3):
        part = LineCounter(capacity=50, min_chars=1)
        for start in range(chunk * 10000, (chunk + 1) * 10000, 2500):
            part.add_texts(_texts(lines[start : start + 2500]))
        parts.append(part)
    merged = parts[0]
    for part in parts[1:]:
        merged.merge(part)
    assert merged.seen == len(lines)
    assert len(merged.counts) <= 50
    bound = merged.error_bound
    assert 0 < bound <= len(lines) // 51
    for text, estimate in merged.top(50):
        assert truth[text] - bound <= estimate <= truth[text]
    # Every line more frequent than n / (k + 1) is guaranteed to be reported.
    reported = {text for text, _ in merged.top(50)}
    assert {t for t, c in truth.items() if c > len(lines) / 51} <= reported


def test_lines_seen_once_are_not_listed():
    counter = LineCounter(capacity=10, min_chars=1)
    counter.add_texts(pa.array(["only once\ntwice", "twice"]))
    assert counter.top(10) == [("twice", 2)]
