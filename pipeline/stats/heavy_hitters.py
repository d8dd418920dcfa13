"""Most repeated lines (boilerplate candidates) with a bounded Misra-Gries summary.

Exact line counts over terabytes need memory proportional to the distinct lines.
A Misra-Gries summary with ``k`` counters needs O(k) and is mergeable (Agarwal et
al., "Mergeable summaries", 2012): add the counters, then subtract the
(k+1)-th largest count from all and drop those that reach zero.  Every estimate
is a lower bound and undercounts by at most ``error_bound = (n - sum of
counters) / (k + 1)``, where ``n`` is the number of lines seen; any line seen
more than ``n / (k + 1)`` times is guaranteed to be in the summary.

Within one Arrow batch lines are counted exactly with ``value_counts`` (C++
hashing), and only the top ``k`` leave the batch, so the Python-level work per
batch is O(k), not O(lines).  Counters are keyed by the 64-bit string hash of the full
line; only a prefix of the line is kept as its sample text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters.hashing import string_hashes

SAMPLE_CHARS = 200


@dataclass
class LineCounter:
    capacity: int
    min_chars: int
    seen: int = 0
    counts: dict[int, int] = field(default_factory=dict)
    samples: dict[int, str] = field(default_factory=dict)

    def add_texts(self, texts: pa.ChunkedArray | pa.Array) -> None:
        """Count the stripped lines of ``texts`` that have at least ``min_chars`` characters."""
        lines = pc.utf8_trim_whitespace(pc.list_flatten(pc.split_pattern(texts, "\n")))
        lines = lines.filter(pc.greater_equal(pc.utf8_length(lines), self.min_chars))
        if len(lines) == 0:
            return
        self.seen += len(lines)
        freq = pc.value_counts(lines)
        values, counts = freq.field("values"), freq.field("counts").to_numpy()
        # Exact batch counts reduced to a k-counter summary: lines above the
        # (k+1)-th largest count keep the excess; the rest are dropped.
        floor = _floor(counts, self.capacity)
        top = np.flatnonzero(counts > floor)
        lines = values.take(pa.array(top))
        batch = {}
        for key, line, count in zip(string_hashes(lines).tolist(), lines.to_pylist(), counts[top].tolist()):
            batch[key] = count - floor
            self.samples.setdefault(key, line[:SAMPLE_CHARS])
        self._absorb(batch)

    def merge(self, other: "LineCounter") -> None:
        self.seen += other.seen
        for key, sample in other.samples.items():
            self.samples.setdefault(key, sample)
        self._absorb(other.counts)

    def _absorb(self, counts: dict[int, int]) -> None:
        merged = dict(self.counts)
        for key, c in counts.items():
            merged[key] = merged.get(key, 0) + c
        if len(merged) > self.capacity:
            floor = _floor(np.fromiter(merged.values(), np.int64, len(merged)), self.capacity)
            merged = {k: c - floor for k, c in merged.items() if c > floor}
        else:
            merged = {k: c for k, c in merged.items() if c > 0}
        self.counts = merged
        self.samples = {k: self.samples[k] for k in merged}

    @property
    def error_bound(self) -> int:
        """Maximum amount by which any reported count undercounts the true count."""
        return (self.seen - sum(self.counts.values())) // (self.capacity + 1)

    def top(self, n: int) -> list[tuple[str, int]]:
        """The ``n`` most repeated lines (estimate >= 2), most frequent first, ties by text."""
        repeated = [kv for kv in self.counts.items() if kv[1] >= 2]
        items = sorted(repeated, key=lambda kv: (-kv[1], self.samples[kv[0]]))
        return [(self.samples[k], c) for k, c in items[:n]]


def _floor(counts: np.ndarray, k: int) -> int:
    """The (k+1)-th largest count (0 when there are at most k): what Misra-Gries subtracts."""
    if len(counts) <= k:
        return 0
    return int(np.partition(counts, len(counts) - k - 1)[len(counts) - k - 1])

