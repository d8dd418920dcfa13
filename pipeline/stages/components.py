"""Connected components of an edge list in one process, and who a cluster keeps.

Hook-and-compress label propagation in numpy (each round hooks every edge's two
roots to the smaller, then pointer-jumps to full compression) converges in
O(log n) rounds in practice; no per-edge Python.  It runs inside one Ray task
when the verified edges fit one task's memory budget, and it is the oracle the
distributed rounds (``dedup_components.py``) are tested against.  About 100
bytes per edge endpoint (the Arrow id strings plus int64 labels and indices).

Which document a cluster keeps is fixed by a total order: higher priority
first (length or a quality column; constant for ``lowest_id``), then the lowest
id, so every run keeps the same document.  ``keep_order`` sorts by it;
``order_keys`` writes it into one binary string per node, so that the
distributed ranking (``dedup_ranks.py``) sorts nodes bytewise.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

LEFT, RIGHT, LEFT_PRIO, RIGHT_PRIO = "left", "right", "left_prio", "right_prio"


def keep_order(ids: pa.Array, prio: pa.Array) -> np.ndarray:
    """Indices of ``ids`` best-first: priority descending (nulls last), then id."""
    table = pa.table({"prio": pc.cast(prio, pa.float64()), "id": pc.cast(ids, pa.string())})
    return pc.sort_indices(table, sort_keys=[("prio", "descending", "at_end"), ("id", "ascending", "at_end")]).to_numpy()


# Order-key prefixes past every finite priority: NaN sorts after the numbers, null last.
_NAN_KEY = np.uint64(0xFFFFFFFFFFFFFFFE)
_NULL_KEY = np.uint64(0xFFFFFFFFFFFFFFFF)
KEY_PREFIX = 8


def order_keys(ids: pa.Array, prio: pa.Array) -> pa.Array:
    """One binary key per node whose bytewise order is ``keep_order``'s.

    8 big-endian bytes that sort by priority descending (-0.0 equal to 0.0,
    NaN after every number, null last, as Arrow's sort puts them), then the id's
    UTF-8 bytes, which Arrow's string sort also compares bytewise.
    """
    values = pc.cast(prio, pa.float64())
    floats = pc.fill_null(values, 0.0).to_numpy(zero_copy_only=False) + 0.0  # -0.0 -> 0.0
    bits = floats.view(np.uint64)
    ascending = np.where(bits >> np.uint64(63), ~bits, bits | np.uint64(1 << 63))
    prefix = ~ascending
    prefix[np.isnan(floats)] = _NAN_KEY
    prefix[pc.is_null(values).to_numpy(zero_copy_only=False)] = _NULL_KEY
    head = pa.FixedSizeBinaryArray.from_buffers(pa.binary(KEY_PREFIX), len(prefix), [None, pa.py_buffer(prefix.astype(">u8").tobytes())])
    return pc.binary_join_element_wise(head.cast(pa.binary()), pc.cast(ids, pa.binary()), pa.scalar(b"", pa.binary()))


def key_ids(keys: pa.Array) -> pa.Array:
    """The id inside each ``order_keys`` key."""
    return pc.cast(pc.binary_slice(keys, KEY_PREFIX, (1 << 31) - 1), pa.string())


def min_labels(left: np.ndarray, right: np.ndarray, n_nodes: int) -> np.ndarray:
    """For every node, the smallest node index in its connected component."""
    label = np.arange(n_nodes, dtype=np.int64)
    while True:
        lo = np.minimum(label[left], label[right])
        hooked = label.copy()
        np.minimum.at(hooked, label[left], lo)
        np.minimum.at(hooked, label[right], lo)
        while True:
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, label):
            return label
        label = hooked


def clusters(edges: pa.Table) -> pa.Table:
    """``id -> cluster`` (the kept document's id) for every node of the edge list."""
    if edges.num_rows == 0:
        return pa.table({"id": pa.array([], pa.string()), "cluster": pa.array([], pa.string())})
    ids = pa.concat_arrays([edges[LEFT].combine_chunks(), edges[RIGHT].combine_chunks()])
    prio = pa.concat_arrays([edges[LEFT_PRIO].combine_chunks(), edges[RIGHT_PRIO].combine_chunks()])
    encoded = pc.dictionary_encode(ids)
    nodes = encoded.dictionary
    first = pc.index_in(nodes, value_set=ids)  # one priority per node
    order = keep_order(nodes, prio.take(first))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    endpoints = rank[encoded.indices.to_numpy()]
    n_edges = edges.num_rows
    labels = min_labels(endpoints[:n_edges], endpoints[n_edges:], len(nodes))
    by_rank = nodes.take(pa.array(order))
    return pa.table({"id": by_rank, "cluster": by_rank.take(pa.array(labels))})
