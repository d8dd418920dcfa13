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

Fetch = Callable[[np.ndarray, np.ndarray, np.ndarray], list]


def concat_tokens(pieces: list[np.ndarray], dtype) -> np.ndarray:
    """One ``dtype`` array of the pieces (1-D views of one token dtype), in order.

    ``bytes.join`` over the pieces' buffers, then one cast: a mixed epoch's
    rows hold tens of thousands of short documents, and ``np.concatenate``
    spends ~0.6 us per piece setting up its cast, ``join`` a fifth of that
    (benchmarks/reader_speed.py, mixed set: 1.5x faster reads).
    """
    if not pieces:
        return np.zeros(0, dtype)
    return np.frombuffer(b"".join(pieces), dtype=pieces[0].dtype).astype(dtype)


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
        """Documents, token ranges, and (row number in ``rows``, column) of each piece, in row order."""
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
        return self.doc_order[j], lo - doc_start, hi - doc_start, owner, lo - row_start[owner]

    def rows(self, rows: np.ndarray, fetch: Fetch, dtype=np.int32) -> tuple[np.ndarray, np.ndarray]:
        """``tokens`` ``[len(rows), seq_len + 1]`` and the segment starts over the flattened inputs."""
        docs, starts, stops, owner, col = self.pieces(rows)
        tokens = concat_tokens(fetch(docs, starts, stops), dtype)
        begins = (col < self.seq_len) & (stops > starts)
        return tokens.reshape(-1, self.seq_len + 1), owner[begins] * self.seq_len + col[begins]


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
