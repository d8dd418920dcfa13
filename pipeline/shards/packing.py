"""Fixed ``seq_len + 1`` training rows cut from a stream of documents, boundaries kept.

Packing happens in the reader, not on disk: the shards stay one row per
document, so one tokenization serves any sequence length, the epoch's shuffle
decides which documents share a row, and no second copy of the data is
written.  Rows overlap by one token (row ``k`` is stream tokens
``[k*L, k*L + L + 1)``), so inputs ``row[:-1]`` and targets ``row[1:]`` make
every token of the stream a target exactly once.

``positions`` restart at 0 where a document starts and at the start of each
row; that is what position resets need, and ``positions == 0`` marks the
segment starts that variable-length attention (``cu_seqlens``) needs.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Fetch = Callable[[np.ndarray, np.ndarray, np.ndarray], list]


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

    def pieces(self, rows: np.ndarray):
        """Documents and token ranges that make up ``rows``, in row order."""
        L = self.seq_len
        row_start = rows.astype(np.int64) * L
        first = np.searchsorted(self.doc_end, row_start, side="right")
        last = np.searchsorted(self.doc_end, row_start + L, side="right")
        count = last - first + 1
        owner = np.repeat(np.arange(len(rows)), count)
        j = np.repeat(first - np.cumsum(count) + count, count) + np.arange(count.sum())
        doc_start = self.doc_end[j] - self.doc_lengths[j]
        lo = np.maximum(row_start[owner], doc_start)
        hi = np.minimum(row_start[owner] + L + 1, self.doc_end[j])
        return self.doc_order[j], lo - doc_start, hi - doc_start

    def rows(self, rows: np.ndarray, fetch: Fetch, dtype=np.int32) -> tuple[np.ndarray, np.ndarray]:
        """``tokens`` and ``positions``, both ``[len(rows), seq_len + 1]``."""
        docs, starts, stops = self.pieces(rows)
        width = self.seq_len + 1
        tokens = np.concatenate(fetch(docs, starts, stops), dtype=dtype) if len(docs) else np.zeros(0, dtype)
        sizes = stops - starts
        piece_first = np.repeat(np.cumsum(sizes) - sizes, sizes)
        positions = (np.arange(sizes.sum(), dtype=np.int64) - piece_first).astype(np.int32)
        return tokens.reshape(-1, width), positions.reshape(-1, width)
