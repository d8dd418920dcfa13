"""Connected components of the verified edges as Ray work: large-star / small-star.

Why this algorithm (Kiveris et al., "Connected Components in MapReduce and
Beyond", 2014; its rounds and time are measured in
benchmarks/dedup_components.py):

* every round is one hash shuffle of the edge list grouped on one endpoint,
  and no round emits more edges than it reads, so a round's partitions are
  sized from the edge volume alone.  A round is one Ray task per partition
  that splits its own output for the next round (``star_rounds``), not a Ray
  Data groupby (100k-edge chain, 14 rounds: 127 s before, 22 s after,
  under different loads of this shared machine).  Hash-to-min instead sends
  each node its whole current cluster, so one giant cluster (a boilerplate page copied a
  million times) lands on one task whole, every round;
* rounds are few: one or two on a star, log2(n) + 2 on a chain whatever the
  order of its ids (18 for 100k nodes; large-star halves a path each time);
* the reduce is a sort plus numpy on each partition, nothing per edge in
  Python; a balanced union-find (Data-Juicer's BTS) needs actors that hold
  their share of the parent table and talk to each other, which is a scheduler
  of our own beside Ray's.

Nodes are ``components.order_keys`` byte strings, so the minimum of a
component is the document it keeps and the final star maps each document to
its kept id with no lookup.  Each partition ranks the keys it sees (one Arrow
sort) and works on int64 ranks.

The driver reads only counts: edges per round, and how many edges each round
changed (zero after a large-star and a small-star round means every component
is a star around its minimum).  When the edges fit one task's memory budget,
``components.clusters`` runs on them in one Ray task instead: same answer, no
shuffles (measured faster at every size where it fits).
"""

from __future__ import annotations

import functools
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.dedup_config import DedupConfig
from filters.hashing import string_hashes
from pipeline.resources import StageResources, partitions_for, task_options
from pipeline.stages import components
from pipeline.stages.components import LEFT, LEFT_PRIO, RIGHT, RIGHT_PRIO, key_ids, order_keys
from pipeline.stages.dedup_exact import PART, partition_of

NODE, NEIGHBOUR, CHANGED = "_node", "_neighbour", "_changed"
MAPPING_SCHEMA = pa.schema([("id", pa.string()), ("cluster", pa.string())])
# Peak bytes of ``components.clusters`` in one task per edge (the edge table,
# its dictionary encoding and int64 labels), measured: benchmarks/dedup_components.py.
ONE_TASK_BYTES_PER_EDGE = 400
# Share of the per-task budget one round's partition may take.  Measured
# (a 100 MB partition of 1M chain or random edges, in one process): a
# large-star or small-star reduce plus the split of its output peaks at ~2x
# its partition's bytes above the partition itself; a task also holds its
# inputs and its serialized outputs, so 4x, with room to spare.
ROUND_PARTITION_SHARE = 1 / 8
# Rounds past which the rounds are a bug, not a slow graph (log2 of 2**40 nodes, twice).
MAX_ROUNDS = 80


def _partition(keys: pa.Array, parts: int) -> pa.Array:
    return partition_of(string_hashes(key_ids(keys)), parts)


def _rows(node: pa.Array, neighbour: pa.Array, changed: np.ndarray, parts: int) -> pa.Table:
    return pa.table({NODE: node, NEIGHBOUR: neighbour, CHANGED: pa.array(changed, pa.int64()), PART: _partition(node, parts)})


def _both_ways(a: pa.Array, b: pa.Array, changed: np.ndarray, parts: int) -> pa.Table:
    """Each edge once from each end (what large-star groups on); a change counts once."""
    twice = np.concatenate([changed, np.zeros(len(changed), np.int64)])
    return _rows(pa.concat_arrays([a, b]), pa.concat_arrays([b, a]), twice, parts)


def _ranked_pairs(table: pa.Table) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray]:
    """Keys of this partition in order, and its distinct (node, neighbour) rank
    pairs sorted by node then neighbour, with each pair's node-group start."""
    if table.num_rows == 0:
        empty = np.zeros(0, np.int64)
        return pa.array([], pa.binary()), empty, empty, empty
    n = table.num_rows
    both = pa.concat_arrays([table[NODE].combine_chunks(), table[NEIGHBOUR].combine_chunks()])
    encoded = pc.dictionary_encode(both)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    ranks = rank[encoded.indices.to_numpy()]
    size = np.int64(len(order))
    codes = np.sort(ranks[:n] * size + ranks[n:])  # np.sort + diff: np.unique hashes, 10x slower here
    node, neighbour = codes // size, codes % size
    keep = node != neighbour
    keep[1:] &= codes[1:] != codes[:-1]
    node, neighbour = node[keep], neighbour[keep]
    first = np.ones(len(node), bool)
    first[1:] = node[1:] != node[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(len(node)), 0))
    return encoded.dictionary.take(pa.array(order)), node, neighbour, start


def large_star(table: pa.Table, parts: int) -> pa.Table:
    """Per node u (rows hold every neighbour): link each larger neighbour to
    m = min(u, neighbours).  Out: (larger end, smaller end), keyed by the larger."""
    keys, node, neighbour, start = _ranked_pairs(table)
    least = np.minimum(node, neighbour[start])  # sorted by neighbour: a group's first is its least
    out = neighbour > node
    return _rows(keys.take(pa.array(neighbour[out])), keys.take(pa.array(least[out])), (least[out] != node[out]).astype(np.int64), parts)


def small_star(table: pa.Table, parts: int) -> pa.Table:
    """Per node u (rows hold its smaller neighbours): link u and each of them to
    the least of them.  Out: every edge both ways, for the next large-star."""
    keys, node, neighbour, start = _ranked_pairs(table)
    least = neighbour[start]
    moved = neighbour != least
    end = np.where(moved, neighbour, node)
    return _both_ways(keys.take(pa.array(end)), keys.take(pa.array(least)), moved.astype(np.int64), parts)


def initial_rows(edges: pa.Table, parts: int) -> pa.Table:
    left = order_keys(edges[LEFT].combine_chunks(), edges[LEFT_PRIO].combine_chunks())
    right = order_keys(edges[RIGHT].combine_chunks(), edges[RIGHT_PRIO].combine_chunks())
    return _both_ways(left, right, np.zeros(edges.num_rows, np.int64), parts)


def leaves(table: pa.Table) -> pa.Table:
    """From converged stars (each edge both ways): every leaf and its centre's id."""
    leaf = pc.greater(table[NODE], table[NEIGHBOUR])
    return pa.table([key_ids(table[NODE].filter(leaf).combine_chunks()), key_ids(table[NEIGHBOUR].filter(leaf).combine_chunks())], schema=MAPPING_SCHEMA)


def _leaves_of(*pieces: pa.Table) -> pa.Table:
    return leaves(pa.concat_tables(pieces))


def converge(rows, shuffle: Callable, changed: Callable[[object], int], parts: int, log=None):
    """Alternate large-star and small-star rounds until neither changes an edge.

    ``shuffle(rows, fn)`` applies ``fn`` to every partition of ``rows`` (Ray
    tasks here; an in-process split in tests), ``changed`` sums ``CHANGED``.
    """
    for round_no in range(1, MAX_ROUNDS + 1):
        stars = shuffle(rows, functools.partial(large_star, parts=parts))
        rows = shuffle(stars, functools.partial(small_star, parts=parts))
        changed_large, changed_small = changed(stars), changed(rows)
        if log is not None:
            log({"round": round_no, "changed_large": changed_large, "changed_small": changed_small})
        if changed_large == 0 and changed_small == 0:
            return rows
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")


def split(table: pa.Table, parts: int) -> list[pa.Table]:
    """``table``'s rows by ``PART``, one table per partition (empty ones too)."""
    part = table[PART].to_numpy()
    order = np.argsort(part, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(part, minlength=parts))])
    return [table.take(order[bounds[p] : bounds[p + 1]]) for p in range(parts)]


def _reduce(fn: Callable[[pa.Table], pa.Table], parts: int, *pieces: pa.Table) -> tuple:
    """One partition through ``fn``: its output split for the next round, and its changed count."""
    out = fn(pa.concat_tables(pieces))
    return (*split(out, parts), int(pc.sum(out[CHANGED]).as_py() or 0))


class Partitioned:
    """A round's output as object refs: ``pieces[t][p]`` is what task ``t`` sends
    to partition ``p``; ``changed[t]`` is task ``t``'s changed count.  The driver
    holds refs only (parts x tasks of them), never rows."""

    def __init__(self, outputs: list, parts: int):
        self.pieces = [out[:parts] for out in outputs]
        self.changed = [out[parts] for out in outputs]

    def partition(self, p: int) -> list:
        return [pieces[p] for pieces in self.pieces]


def star_rounds(edges: ray.data.Dataset, res: StageResources, parts: int, log=None) -> ray.data.Dataset:
    """The rounds as plain Ray tasks, one per hash partition and round, each
    splitting its output for the next; returns id -> cluster of every non-kept node.

    Ray Data's groupby costs a sort shuffle per round (seconds of fixed cost
    each, 14-18 rounds on a long chain); tasks that pass refs cost one task
    per partition.  Lost objects are rebuilt from the tasks' lineage.
    """
    task = ray.remote(_reduce).options(num_returns=parts + 1, **task_options(res))

    def shuffle(rows: Partitioned, fn) -> Partitioned:
        return Partitioned([task.remote(fn, parts, *rows.partition(p)) for p in range(parts)], parts)

    def changed(rows: Partitioned) -> int:
        return sum(ray.get(rows.changed))

    first = functools.partial(initial_rows, parts=parts)
    rows = Partitioned([task.remote(first, parts, block) for block in edges.to_arrow_refs()], parts)
    stars = converge(rows, shuffle, changed, parts, log)
    to_leaves = ray.remote(_leaves_of).options(**task_options(res))
    return ray.data.from_arrow_refs([to_leaves.remote(*stars.partition(p)) for p in range(parts)])


@ray.remote
def _one_task(*tables: pa.Table) -> pa.Table:
    mapping = components.clusters(pa.concat_tables(tables))
    return mapping.filter(pc.not_equal(mapping["id"], mapping["cluster"])).cast(MAPPING_SCHEMA)


def cluster_mapping(edges: ray.data.Dataset, cfg: DedupConfig, res: StageResources, log=None) -> ray.data.Dataset:
    """``id -> cluster`` (the kept id) for every document that is not its cluster's kept one.

    ``edges`` is materialized (LEFT, RIGHT, LEFT_PRIO, RIGHT_PRIO).  One task
    when the edges fit its budget (or ``num_partitions`` is 1), else the rounds
    over partitions sized from the edges' bytes (both directions travel).
    """
    n_edges = edges.count()
    if n_edges == 0:
        return ray.data.from_arrow(MAPPING_SCHEMA.empty_table())
    if cfg.num_partitions:
        parts = cfg.num_partitions
    elif partitions_for(n_edges * ONE_TASK_BYTES_PER_EDGE, res.memory_bytes, share=1.0) == 1:
        parts = 1
    else:
        parts = max(2, partitions_for(2 * edges.size_bytes(), res.memory_bytes, ROUND_PARTITION_SHARE))
    if parts == 1:
        return ray.data.from_arrow_refs([_one_task.options(**task_options(res)).remote(*edges.to_arrow_refs())])
    return star_rounds(edges, res, parts, log)
