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

The driver reads only counts: one per range, and how many edges each round
changed (zero after a large-star and a small-star round means every
component is a star around its minimum).  When the edges fit one task's
memory budget, ``components.clusters`` runs on them in one Ray task instead:
same answer, no shuffles (measured faster at every size where it fits).
"""

from __future__ import annotations

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
_NAMED_SCHEMA = pa.schema([("id", pa.string()), ("centre", pa.int64())])
# Peak bytes of ``components.clusters`` in one task per edge (the edge table,
# its dictionary encoding and int64 labels), measured: benchmarks/dedup_components.py.
ONE_TASK_BYTES_PER_EDGE = 400
# Bytes of an edge in the rounds: an int64 pair each way.
PAIR_BYTES = 32
# Share of the per-task budget one round's partition may take: a reduce holds
# its pieces, their concatenation, the packed codes and their sort, and its
# split output.  Measured (benchmarks/dedup_components.py, 10M edges, 3
# partitions of ~110 MB; a star's centre partition ~210 MB): the largest
# worker, whatever step it ran, peaked at 1.36-1.57 GB of the 2 GiB budget.
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


def large_star(node: np.ndarray, neighbour: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Per node u (rows hold every neighbour): link each larger neighbour to
    m = min(u, neighbours).  Out: (larger end, smaller end), and how many links moved."""
    node, neighbour, start = distinct_pairs(node, neighbour, n_nodes)
    least = np.minimum(node, neighbour[start])  # sorted by neighbour: a group's first is its least
    out = neighbour > node
    return neighbour[out], least[out], int(np.count_nonzero(least[out] != node[out]))


def small_star(node: np.ndarray, neighbour: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Per node u (rows hold its smaller neighbours): link u and each of them to
    the least of them.  Out: every edge both ways, for the next large-star."""
    node, neighbour, start = distinct_pairs(node, neighbour, n_nodes)
    least = neighbour[start]
    moved = neighbour != least
    return (*both_ways(np.where(moved, neighbour, node), least), int(np.count_nonzero(moved)))


def initial_pieces(positions: np.ndarray, offsets: np.ndarray, parts: int, *replies: np.ndarray) -> list[np.ndarray]:
    """A block's edges as rank pairs both ways, one piece per partition."""
    return split(*both_ways(*ranked_pairs(positions, offsets, *replies)), parts)


def reduce_partition(step: Callable, parts: int, n_nodes: int, *pieces: np.ndarray) -> list:
    """One partition through ``step``: its output split for the next round, and its changed count."""
    pairs = np.concatenate([_NO_PAIRS, *pieces])
    node, neighbour, changed = step(pairs[:, 0], pairs[:, 1], n_nodes)
    return [*split(node, neighbour, parts), changed]


def _round(tasks, step: Callable, pieces: list, parts: int, n_nodes: int) -> tuple[list, list]:
    """``pieces[t][p]`` (from task t to partition p) through ``step``: the next pieces and changed counts."""
    outs = [tasks.call(reduce_partition, parts + 1, step, parts, n_nodes, *[piece[p] for piece in pieces]) for p in range(parts)]
    return [out[:parts] for out in outs], [out[parts] for out in outs]


def converge(tasks, pieces: list, parts: int, n_nodes: int, log=None) -> list:
    """Alternate large-star and small-star rounds until neither changes an edge;
    the driver reads one changed count per task and round."""
    for round_no in range(1, MAX_ROUNDS + 1):
        stars, changed_large = _round(tasks, large_star, pieces, parts, n_nodes)
        pieces, changed_small = _round(tasks, small_star, stars, parts, n_nodes)
        counts = tasks.get(changed_large + changed_small)
        large, small = sum(counts[:parts]), sum(counts[parts:])
        if log is not None:
            log({"round": round_no, "changed_large": large, "changed_small": small})
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


def name_leaves(ids: pa.Array, offsets: np.ndarray, r: int, *pieces: np.ndarray) -> list[pa.Table]:
    """Range ``r`` names its leaves: (leaf id, centre rank), one table per range of the centre."""
    pairs = np.concatenate([_NO_PAIRS, *pieces])
    named = pa.table([ids.take(pa.array(pairs[:, 0] - offsets[r])), pa.array(pairs[:, 1])], schema=_NAMED_SCHEMA)
    ranges = len(offsets) - 1
    order, bounds = _cut(range_of(pairs[:, 1], offsets), ranges)
    named = named.take(pa.array(order))
    return [named.slice(bounds[s], bounds[s + 1] - bounds[s]) for s in range(ranges)]


def name_centres(ids: pa.Array, offset: int, *tables: pa.Table) -> list[pa.Table]:
    """Range ``r`` names the centres: [id -> cluster (the kept id) of the leaves it got]."""
    named = pa.concat_tables([_NAMED_SCHEMA.empty_table(), *tables])
    cluster = ids.take(pc.subtract(named["centre"], pa.scalar(offset, pa.int64())))
    return [pa.table([named["id"], cluster], schema=MAPPING_SCHEMA)]


def _names(tasks, stars: list, ranking: Ranking) -> list:
    """``id -> cluster`` rows of every leaf, one table (ref) per range."""
    ranges = len(ranking.ids)
    leaves = [tasks.call(leaf_pieces, ranges, ranking.offsets, *pieces) for pieces in stars]
    named = [tasks.call(name_leaves, ranges, ranking.ids[r], ranking.offsets, r, *[out[r] for out in leaves]) for r in range(ranges)]
    return [tasks.call(name_centres, 1, ranking.ids[r], int(ranking.offsets[r]), *[out[r] for out in named])[0] for r in range(ranges)]


def component_rounds(tasks, blocks: list, n_edges: int, parts: int, ranges: int, log=None) -> list:
    """Rank the nodes, run the rounds, name the leaves: ``id -> cluster`` tables (refs), one per range."""
    ranking = rank_nodes(tasks, blocks, 2 * n_edges, ranges)
    pieces = [
        tasks.call(initial_pieces, parts, ranking.positions[b], ranking.offsets, parts, *[reply[b] for reply in ranking.replies])
        for b in range(len(blocks))
    ]
    ranking.positions = ranking.replies = []  # the rounds don't read them: freed now (lineage rebuilds them if needed)
    return _names(tasks, converge(tasks, pieces, parts, ranking.nodes, log), ranking)


def star_rounds(edges: ray.data.Dataset, res: StageResources, parts: int, log=None, ranges: int | None = None) -> ray.data.Dataset:
    """The rounds as plain Ray tasks over ``parts`` hash partitions (ranks over
    ``ranges`` range partitions, default sized from the edges' bytes); returns
    id -> cluster of every non-kept node.  Lost objects are rebuilt from the
    tasks' lineage."""
    ranges = ranges or ranges_for(edges.size_bytes(), res.memory_bytes)
    refs = component_rounds(RayTasks(res), edges.to_arrow_refs(), edges.count(), parts, ranges, log)
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
