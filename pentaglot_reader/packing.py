"""Fixed ``seq_len + 1`` training rows cut from a stream of documents, boundaries kept.

Packing happens in the reader, not on disk: the shards stay one row per
document, so one tokenization serves any sequence length, the epoch's shuffle
decides which documents share a row, and no second copy of the data is
written.  Rows overlap by one token (row ``k`` is stream tokens
``[k*L, k*L + L + 1)``), so inputs ``row[:-1]`` and targets ``row[1:]`` make
every token of the stream a target exactly once.

Boundaries come as ``cu_seqlens`` over the flattened inputs ``tokens[:, :-1]``
(``b * L`` tokens): the offsets where a segment starts -- every row start and
every document start inside a row -- plus the end, which is the layout
variable-length attention kernels take.  It costs O(segments), not
O(tokens); ``positions_from_cu_seqlens`` expands it to position ids (restarting
at 0 in every segment) when a model wants those instead.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.lib.stride_tricks import as_strided

# (documents, starts, stops) -> their token ranges concatenated (``TokenShards.gather``)
Fetch = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


class PackedStream:
    """The rows of one epoch's document order, addressable by row index."""

    def __init__(self, doc_order: np.ndarray, lengths: np.ndarray, seq_len: int):
        if seq_len < 1:
            raise ValueError(f"seq_len must be >= 1, got {seq_len}")
        self.seq_len = seq_len
        self.doc_order = doc_order
        self.doc_lengths = lengths[doc_order].astype(np.int64)
        self.doc_end = np.cumsum(self.doc_lengths)
        total = int(self.doc_end[-1]) if len(self.doc_end) else 0
        self.num_rows = max(total - 1, 0) // seq_len

    def pieces(self, lo: np.ndarray, hi: np.ndarray):
        """The documents covering stream spans ``[lo, hi)``, span by span, in stream order.

        Returns each piece's document, token range within it, span number and
        start relative to its span.
        """
        first = np.searchsorted(self.doc_end, lo, side="right")
        last = np.searchsorted(self.doc_end, hi - 1, side="right")
        count = last - first + 1
        owner = np.repeat(np.arange(len(lo)), count)
        j = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        doc_start = self.doc_end[j] - self.doc_lengths[j]
        a = np.maximum(lo[owner], doc_start)
        b = np.minimum(hi[owner], self.doc_end[j])
        return self.doc_order[j], a - doc_start, b - doc_start, owner, a - lo[owner]

    def rows(self, rows: np.ndarray, fetch: Fetch, dtype=np.int32) -> tuple[np.ndarray, np.ndarray]:
        """``tokens`` ``[len(rows), seq_len + 1]`` and the segment starts over the flattened inputs.

        A run of consecutive rows (a batch; a rank's whole group when it reads
        alone) is one span of the stream, fetched once: a document that
        crosses a row boundary is one piece rather than two, and the rows are
        overlapping windows of the span, laid out and cast in one pass.  On a
        language mixture's short documents this is ~1 piece in 9 fewer.
        """
        L = self.seq_len
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return np.zeros((0, L + 1), dtype), np.zeros(0, np.int64)
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(rows) != 1) + 1, [len(rows)]])
        run_rows = np.diff(bounds)
        lo = rows[bounds[:-1]] * L
        docs, starts, stops, owner, at = self.pieces(lo, lo + run_rows * L + 1)
        flat = fetch(docs, starts, stops)
        step = flat.itemsize
        tokens = np.empty((len(rows), L + 1), dtype)
        span_at = 0
        for first, n in zip(bounds[:-1].tolist(), run_rows.tolist()):
            # Overlapping windows of the span, cast as they are copied (faster than astype).
            tokens[first : first + n] = as_strided(flat[span_at:], shape=(n, L + 1), strides=(L * step, step), writeable=False)
            span_at += n * L + 1
        inputs_at = bounds[:-1] * L  # where each run's inputs start in the flattened inputs
        doc_begins = (at < run_rows[owner] * L) & (stops > starts)
        # Every row start and every document start inside a row, once each: both
        # lists are sorted, so a stable sort merges them (np.union1d hashes: 15x slower).
        seg_starts = np.concatenate([np.arange(len(rows)) * L, inputs_at[owner[doc_begins]] + at[doc_begins]])
        seg_starts.sort(kind="stable")
        return tokens, seg_starts[np.concatenate([[True], seg_starts[1:] != seg_starts[:-1]])]


def split_rows(tokens: np.ndarray, seg_starts: np.ndarray, counts: list[int], seq_len: int) -> list[tuple]:
    """Cut a group of rows into batches of ``counts`` rows: (tokens, cu_seqlens) each."""
    row_cuts = np.concatenate([[0], np.cumsum(counts)])
    seg_cuts = np.searchsorted(seg_starts, row_cuts * seq_len).tolist()
    batch_of_seg = np.searchsorted(row_cuts, seg_starts // seq_len, side="right") - 1
    relative = (seg_starts - row_cuts[batch_of_seg] * seq_len).astype(np.int32)
    ends = (np.asarray(counts, dtype=np.int32) * seq_len)[:, None]
    rows = row_cuts.tolist()
    return [
        (tokens[rows[i] : rows[i + 1]], np.concatenate((relative[seg_cuts[i] : seg_cuts[i + 1]], ends[i])))
        for i in range(len(counts))
    ]


def positions_from_cu_seqlens(cu_seqlens: np.ndarray, rows: int, seq_len: int) -> np.ndarray:
    """Position ids ``[rows, seq_len]`` for the inputs, 0 at every segment start."""
    sizes = np.diff(cu_seqlens)
    flat = np.arange(rows * seq_len, dtype=np.int32) - np.repeat(cu_seqlens[:-1].astype(np.int32), sizes)
    return flat.reshape(rows, seq_len)
