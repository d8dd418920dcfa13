"""Packing rows from a document stream, and the pointwise permutation under the epoch order."""

import numpy as np
import pytest

from pentaglot_reader.packing import PackedStream, positions_from_cu_seqlens, split_rows
from pentaglot_reader.permutation import Permutation


@pytest.mark.parametrize("n", [0, 1, 2, 3, 7, 64, 1000, 4097])
def test_permutation_is_a_bijection(n):
    out = Permutation(n, (3, 1))(np.arange(n))
    assert np.array_equal(np.sort(out), np.arange(n))


def test_permutation_depends_on_the_key_only():
    a = Permutation(1000, (1, 0))(np.arange(1000))
    assert np.array_equal(a, Permutation(1000, (1, 0))(np.arange(1000)))
    assert not np.array_equal(a, Permutation(1000, (1, 1))(np.arange(1000)))
    assert np.array_equal(Permutation(1000, (1, 0))(np.array([5, 17])), a[[5, 17]])


def _docs(lengths):
    """Documents whose tokens encode (doc, offset) so the packed rows can be checked exactly."""
    return [np.array([d * 1000 + i for i in range(n)], dtype=np.int64) for d, n in enumerate(lengths)]


def _fetch(docs):
    return lambda ds, a, b: np.concatenate([docs[d][s:e] for d, s, e in zip(ds.tolist(), a.tolist(), b.tolist())])


def test_rows_are_consecutive_overlapping_windows_of_the_stream():
    lengths = np.array([5, 0, 3, 9, 1, 4])
    docs = _docs(lengths)
    order = np.array([3, 0, 1, 5, 2, 4])
    stream = np.concatenate([docs[d] for d in order])
    packed = PackedStream(order, lengths, seq_len=4)
    assert packed.num_rows == (len(stream) - 1) // 4
    tokens, _ = packed.rows(np.arange(packed.num_rows), _fetch(docs), dtype=np.int64)
    for k in range(packed.num_rows):
        assert tokens[k].tolist() == stream[k * 4 : k * 4 + 5].tolist()


@pytest.mark.parametrize("counts", [[5], [2, 3], [1, 1, 3]])
def test_segments_start_at_every_row_and_document_start_of_the_inputs(counts):
    lengths = np.array([5, 0, 3, 9, 1, 4, 2])
    docs = _docs(lengths)
    packed = PackedStream(np.array([3, 0, 1, 5, 2, 6, 4]), lengths, seq_len=4)
    rows = np.array([4, 0, 2, 1, 3])[: sum(counts)]
    tokens, seg_starts = packed.rows(rows, _fetch(docs), dtype=np.int64)
    first = 0
    for (batch, cu), n in zip(split_rows(tokens, seg_starts, counts, 4), counts):
        assert np.array_equal(batch, tokens[first : first + n])
        inputs = batch[:, :-1]
        doc_of = inputs // 1000
        starts = np.ones_like(doc_of, dtype=bool)
        starts[:, 1:] = doc_of[:, 1:] != doc_of[:, :-1]
        assert cu.tolist() == np.flatnonzero(starts.ravel()).tolist() + [n * 4]
        positions = positions_from_cu_seqlens(cu, n, 4)
        assert np.array_equal(positions == 0, starts)
        assert positions.max() < 4
        first += n


def test_rows_can_be_fetched_in_any_order():
    lengths = np.array([7, 2, 11, 3])
    docs = _docs(lengths)
    packed = PackedStream(np.arange(4), lengths, seq_len=3)
    all_rows, _ = packed.rows(np.arange(packed.num_rows), _fetch(docs))
    some, _ = packed.rows(np.array([4, 0, 2]), _fetch(docs))
    assert np.array_equal(some, all_rows[[4, 0, 2]])
