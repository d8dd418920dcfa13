"""Connected components of the verified edges as Ray work: large-star / small-star.

Why this algorithm (Kiveris et al., "Connected Components in MapReduce and
Beyond", 2014; its rounds and time are measured in
benchmarks/dedup_components.py):

* every round is one hash shuffle of the edge list grouped on one endpoint,
  and no round emits more edges than it reads, so a round's partitions are
  sized from the edge volume alone.  A round is one Ray task per partition
  that splits its own output for the next round (``converge``), not a Ray
  Data groupby (seconds of fixed cost per round).  Hash-to-min instead sends
  each node its whole current cluster, so one giant cluster (a boilerplate
  page copied a million times) lands on one task whole, every round;
* rounds are few: one or two on a star, log2(n) + 2 on a chain whatever the
  order of its ids (large-star halves a path each time);
* the reduce is a sort plus numpy on each partition, nothing per edge in
  Python; a balanced union-find (Data-Juicer's BTS) needs actors that hold
  their share of the parent table and talk to each other, which is a scheduler
  of our own beside Ray's.

Nodes are global int64 ranks in keep order (``dedup_ranks.py``), so a round
moves 16 bytes per directed edge and sorts packed int64 codes, and the
minimum of a component is the document it keeps.  At the end each leaf's
rank and its centre's are named by the range partitions that hold their ids.

A giant cluster (one page near-copied millions of times) puts one node's
whole neighbourhood in one partition, past any budget.  So every task
reports its output's rows per partition, and a partition past
``partition_rows`` is reduced in row chunks instead: each chunk's least
neighbour per node, their minimum per node in one task (one row per
distinct node of the partition), then each chunk's links from those
minimums.  The links are the same ones one task would make (the least is
global), so the rounds and their stop test are unchanged.  Naming leaves
likewise asks each centre's range for the centre's id once per leaf range,
never gathering a cluster's leaves in one task.

The driver reads only counts: one per range, each task's rows per partition,
and how many edges each round changed (zero after a large-star and a
small-star round means every component is a star around its minimum).  When the edges fit one task's
memory budget, ``components.clusters`` runs on them in one Ray task instead:
same answer, no shuffles (measured faster at every size where it fits).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.dedup_config import DedupConfig
from pipeline.resources import StageResources, partitions_for, task_options
from pipeline.stages import components
from pipeline.stages.dedup_ranks import Ranking, rank_nodes, range_of, ranges_for, ranked_pairs
from pipeline.stages.dedup_tasks import RayTasks

MAPPING_SCHEMA = pa.schema([("id", pa.string()), ("cluster", pa.string())])
# Peak bytes of ``components.clusters`` in one task per edge (the edge table,
# its dictionary encoding and int64 labels), measured: benchmarks/dedup_components.py.
ONE_TASK_BYTES_PER_EDGE = 400
# Bytes of one (node, neighbour) row.
ROW_BYTES = 16
# Bytes of an edge in the rounds: a row each way.
PAIR_BYTES = 2 * ROW_BYTES
# Share of the per-task budget one reduce's rows may take: it holds its
# pieces, their concatenation, the packed codes and their sort, and its split
# output (~100 B per row at the peak, measured on the 40M-edge star's centre
# partition: 4.4 GB for 44M rows).  At 10M edges (3 partitions of ~110 MB) the
# largest worker, whatever step it ran, peaked at 1.36-1.57 GB of 2 GiB.
ROUND_PARTITION_SHARE = 1 / 16
# Largest node count whose (node, neighbour) pairs pack into one int64 code.
PACK_LIMIT = 3_037_000_499
# Rounds past which the rounds are a bug, not a slow graph (log2 of 2**40 nodes, twice).
MAX_ROUNDS = 80
_NO_PAIRS = np.zeros((0, 2), np.int64)


def _cut(key: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Order that groups rows by ``key`` (0 .. count-1; a radix sort below 2**16)
    and where each group starts and ends in it."""
    small = key.astype(np.uint16) if count < 1 << 16 else key
    order = np.argsort(small, kind="stable")
    return order, np.concatenate([[0], np.cumsum(np.bincount(key, minlength=count))])


def split(node: np.ndarray, neighbour: np.ndarray, parts: int) -> list[np.ndarray]:
    """(node, neighbour) rows as one (k, 2) array per hash partition of ``node``."""
    order, bounds = _cut(node % parts, parts)
    pairs = np.stack([node, neighbour], axis=1)[order]
    return [pairs[bounds[p] : bounds[p + 1]] for p in range(parts)]


def distinct_pairs(node: np.ndarray, neighbour: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct non-loop pairs sorted by node then neighbour, and each pair's node-group start."""
    if n_nodes <= PACK_LIMIT:
        codes = np.sort(node * np.int64(n_nodes) + neighbour)  # np.sort + diff: np.unique hashes, slower
        node, neighbour = codes // n_nodes, codes % n_nodes
    else:
        order = np.lexsort((neighbour, node))
        node, neighbour = node[order], neighbour[order]
    keep = node != neighbour
    keep[1:] &= (node[1:] != node[:-1]) | (neighbour[1:] != neighbour[:-1])
    node, neighbour = node[keep], neighbour[keep]
    first = np.ones(len(node), bool)
    first[1:] = node[1:] != node[:-1]
    return node, neighbour, np.maximum.accumulate(np.where(first, np.arange(len(node)), 0))


def both_ways(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each edge once from each end (what large-star groups on)."""
    return np.concatenate([a, b]), np.concatenate([b, a])


def large_star(node: np.ndarray, neighbour: np.ndarray, least: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per node u (rows hold every neighbour; ``least``: the least of u's
    neighbours on each row): link each larger neighbour to m = min(u, least).
    Out: (larger end, smaller end), and how many links moved."""
    least = np.minimum(node, least)
    out = neighbour > node
    return neighbour[out], least[out], int(np.count_nonzero(least[out] != node[out]))


def small_star(node: np.ndarray, neighbour: np.ndarray, least: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per node u (rows hold its smaller neighbours; ``least``: the least of them):
    link u and each of them to the least.  Out: every edge both ways, for the next large-star."""
    moved = neighbour != least
    return (*both_ways(np.where(moved, neighbour, node), least), int(np.count_nonzero(moved)))


def with_rows(pieces: list[np.ndarray], changed: int = 0) -> list:
    """``pieces`` and one stats array: [changed, rows of each piece] (what the driver reads)."""
    return [*pieces, np.array([changed, *(len(piece) for piece in pieces)], np.int64)]


def initial_pieces(positions: np.ndarray, offsets: np.ndarray, parts: int, *replies: np.ndarray) -> list:
    """A block's edges as rank pairs both ways, one piece per partition, and their rows."""
    return with_rows(split(*both_ways(*ranked_pairs(positions, offsets, *replies)), parts))


def _rows(bounds: np.ndarray, pieces: tuple) -> np.ndarray:
    """Rows ``bounds[i]`` (start, stop) of each piece, concatenated."""
    return np.concatenate([_NO_PAIRS, *(piece[a:b] for piece, (a, b) in zip(pieces, bounds))])


def reduce_rows(links: Callable, parts: int, n_nodes: int, least: np.ndarray | None, bounds: np.ndarray, *pieces: np.ndarray) -> list:
    """Rows through one star step, split for the next; ``least`` is None when the
    rows hold whole node groups (a partition), else each node's least neighbour
    over its whole partition (sorted (node, least) rows, ``combine_least``)."""
    pairs = _rows(bounds, pieces)
    node, neighbour, start = distinct_pairs(pairs[:, 0], pairs[:, 1], n_nodes)
    group_least = neighbour[start] if least is None else least[np.searchsorted(least[:, 0], node), 1]
    a, b, changed = links(node, neighbour, group_least)
    return with_rows(split(a, b, parts), changed)


def partial_least(n_nodes: int, bounds: np.ndarray, *pieces: np.ndarray) -> list[np.ndarray]:
    """[(node, least neighbour) of each distinct node of one chunk of a partition]."""
    pairs = _rows(bounds, pieces)
    node, neighbour, start = distinct_pairs(pairs[:, 0], pairs[:, 1], n_nodes)
    head = start == np.arange(len(start))
    return [np.stack([node[head], neighbour[head]], axis=1)]


def combine_least(*partials: np.ndarray) -> list[np.ndarray]:
    """[(node, least neighbour) over the chunks: one row per node, sorted by node]."""
    pairs = np.concatenate([_NO_PAIRS, *partials])
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    first = np.ones(len(pairs), bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    return [pairs[first]]


def chunks(sizes: list[int], limit: float) -> list[list[tuple[int, int, int]]]:
    """Cut pieces of ``sizes`` rows, in order, into chunks of at most ``limit`` rows:
    each chunk a list of (piece, start, stop); one chunk when they fit together."""
    out, current, room = [], [], limit
    for piece, size in enumerate(sizes):
        start = 0
        while start < size:
            take = int(min(size - start, room))
            current.append((piece, start, start + take))
            start, room = start + take, room - take
            if room == 0:
                out, current, room = out + [current], [], limit
    return out + [current] if current or not out else out


def _reduce(tasks, links: Callable, column: list, sizes: list[int], parts: int, n_nodes: int, limit: float) -> list:
    """One partition (``column[t]``: producer t's piece of it) through ``links``:
    one task when it fits ``limit`` rows, else chunks sharing one least per node."""
    cut = [(np.array([(a, b) for _, a, b in chunk], np.int64).reshape(-1, 2), [column[t] for t, _, _ in chunk]) for chunk in chunks(sizes, limit)]
    if len(cut) == 1:
        return [tasks.call(reduce_rows, parts + 1, links, parts, n_nodes, None, cut[0][0], *cut[0][1])]
    partials = [tasks.call(partial_least, 1, n_nodes, bounds, *refs)[0] for bounds, refs in cut]
    (least,) = tasks.call(combine_least, 1, *partials)
    return [tasks.call(reduce_rows, parts + 1, links, parts, n_nodes, least, bounds, *refs) for bounds, refs in cut]


def _round(tasks, links: Callable, pieces: list, stats: list, parts: int, n_nodes: int, limit: float) -> tuple[list, list]:
    """``pieces[t][p]`` (from task t to partition p, ``stats[t][1 + p]`` rows)
    through ``links``: the next pieces and their tasks' stats."""
    outs = [
        out
        for p in range(parts)
        for out in _reduce(tasks, links, [piece[p] for piece in pieces], [int(row[1 + p]) for row in stats], parts, n_nodes, limit)
    ]
    return [out[:parts] for out in outs], tasks.get([out[parts] for out in outs])


def converge(tasks, pieces: list, stats: list, parts: int, n_nodes: int, limit: float, log=None) -> list:
    """Alternate large-star and small-star rounds until neither changes an edge;
    the driver reads each task's stats (changed links, rows per partition)."""
    for round_no in range(1, MAX_ROUNDS + 1):
        pieces, stats = _round(tasks, large_star, pieces, stats, parts, n_nodes, limit)
        large = sum(int(row[0]) for row in stats)
        pieces, stats = _round(tasks, small_star, pieces, stats, parts, n_nodes, limit)
        small = sum(int(row[0]) for row in stats)
        if log is not None:
            log({"round": round_no, "changed_large": large, "changed_small": small, "reduce_tasks": len(stats)})
        if large == 0 and small == 0:
            return pieces
    raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")


def leaf_pieces(offsets: np.ndarray, *pieces: np.ndarray) -> list[np.ndarray]:
    """From converged stars (each edge both ways): (leaf, centre) rows, one piece per range of the leaf."""
    pairs = np.concatenate([_NO_PAIRS, *pieces])
    pairs = pairs[pairs[:, 0] > pairs[:, 1]]
    ranges = len(offsets) - 1
    order, bounds = _cut(range_of(pairs[:, 0], offsets), ranges)
    pairs = pairs[order]
    return [pairs[bounds[r] : bounds[r + 1]] for r in range(ranges)]


def name_leaves(offsets: np.ndarray, *pieces: np.ndarray) -> list:
    """One leaf range's (leaf, centre) rows, once per leaf, sorted; its distinct
    centres; and those centres cut by range (a request to each centre's range)."""
    pairs = np.concatenate([_NO_PAIRS, *pieces])
    leaves, first = np.unique(pairs[:, 0], return_index=True)
    centres = np.unique(pairs[:, 1])  # sorted, so each centre range is one run of them
    return [np.stack([leaves, pairs[first, 1]], axis=1), centres, *np.split(centres, np.searchsorted(centres, offsets[1:-1]))]


def centre_ids(ids: pa.Array, offset: int, *requests: np.ndarray) -> list[pa.Array]:
    """A centre range's reply to each leaf range: the ids of the centres it asked for."""
    return [ids.take(pa.array(request - offset)) for request in requests]


def name_mapping(ids: pa.Array, offset: int, leaf_centre: np.ndarray, centres: np.ndarray, *replies: pa.Array) -> list[pa.Table]:
    """[id -> cluster (the kept id) of one leaf range's leaves]."""
    names = pa.concat_arrays([pa.array([], pa.string()), *replies])
    cluster = names.take(pa.array(np.searchsorted(centres, leaf_centre[:, 1])))
    return [pa.table([ids.take(pa.array(leaf_centre[:, 0] - offset)), cluster], schema=MAPPING_SCHEMA)]


def _names(tasks, stars: list, ranking: Ranking) -> list:
    """``id -> cluster`` rows of every leaf, one table (ref) per range."""
    ranges = len(ranking.ids)
    leaves = [tasks.call(leaf_pieces, ranges, ranking.offsets, *pieces) for pieces in stars]
    named = [tasks.call(name_leaves, ranges + 2, ranking.offsets, *[out[r] for out in leaves]) for r in range(ranges)]
    replies = [tasks.call(centre_ids, ranges, ranking.ids[s], int(ranking.offsets[s]), *[out[2 + s] for out in named]) for s in range(ranges)]
    return [
        tasks.call(name_mapping, 1, ranking.ids[r], int(ranking.offsets[r]), named[r][0], named[r][1], *[reply[r] for reply in replies])[0]
        for r in range(ranges)
    ]


def partition_rows(budget_bytes: int) -> int:
    """Rows one reduce task may take within ``budget_bytes``."""
    return max(1, int(budget_bytes * ROUND_PARTITION_SHARE) // ROW_BYTES)


def component_rounds(tasks, blocks: list, n_edges: int, parts: int, ranges: int, log=None, limit: float = math.inf) -> list:
    """Rank the nodes, run the rounds (a reduce takes at most ``limit`` rows),
    name the leaves: ``id -> cluster`` tables (refs), one per range."""
    ranking = rank_nodes(tasks, blocks, 2 * n_edges, ranges)
    outs = [
        tasks.call(initial_pieces, parts + 1, ranking.positions[b], ranking.offsets, parts, *[reply[b] for reply in ranking.replies])
        for b in range(len(blocks))
    ]
    ranking.positions = ranking.replies = []  # the rounds don't read them: freed now (lineage rebuilds them if needed)
    stats = tasks.get([out[parts] for out in outs])
    return _names(tasks, converge(tasks, [out[:parts] for out in outs], stats, parts, ranking.nodes, limit, log), ranking)


def star_rounds(edges: ray.data.Dataset, res: StageResources, parts: int, log=None, ranges: int | None = None) -> ray.data.Dataset:
    """The rounds as plain Ray tasks over ``parts`` hash partitions (ranks over
    ``ranges`` range partitions, default sized from the edges' bytes); returns
    id -> cluster of every non-kept node.  Lost objects are rebuilt from the
    tasks' lineage."""
    ranges = ranges or ranges_for(edges.size_bytes(), res.memory_bytes)
    tasks = RayTasks(res)
    refs = component_rounds(tasks, edges.to_arrow_refs(), edges.count(), parts, ranges, log, partition_rows(res.memory_bytes))
    return ray.data.from_arrow_refs(refs)


@ray.remote
def _one_task(*tables: pa.Table) -> pa.Table:
    mapping = components.clusters(pa.concat_tables(tables))
    return mapping.filter(pc.not_equal(mapping["id"], mapping["cluster"])).cast(MAPPING_SCHEMA)


def cluster_mapping(edges: ray.data.Dataset, cfg: DedupConfig, res: StageResources, log=None) -> ray.data.Dataset:
    """``id -> cluster`` (the kept id) for every document that is not its cluster's kept one.

    ``edges`` is materialized (LEFT, RIGHT, LEFT_PRIO, RIGHT_PRIO).  One task
    when the edges fit its budget (or ``num_partitions`` is 1), else the rounds
    over partitions sized from the rank pairs' bytes (``num_partitions``, when
    set, fixes both the hash partitions and the rank ranges).
    """
    n_edges = edges.count()
    if n_edges == 0:
        return ray.data.from_arrow(MAPPING_SCHEMA.empty_table())
    if cfg.num_partitions:
        parts = cfg.num_partitions
    elif n_edges * ONE_TASK_BYTES_PER_EDGE <= res.memory_bytes:
        parts = 1
    else:
        parts = max(2, partitions_for(n_edges * PAIR_BYTES, res.memory_bytes, ROUND_PARTITION_SHARE))
    if parts == 1:
        return ray.data.from_arrow_refs([_one_task.options(**task_options(res)).remote(*edges.to_arrow_refs())])
    return star_rounds(edges, res, parts, log, ranges=cfg.num_partitions)
