"""Every node of the edge list gets a global int64 rank in keep order, as Ray work.

Why ranks: the component rounds then move and sort plain int64 pairs (16
bytes per directed edge, numpy sorts) instead of ``order_keys`` byte strings
that each partition had to rank again with an Arrow sort every round; and
since the rank order is the keep order (priority, then lowest id), the
minimum rank of a component is the document it keeps.

How (a sample sort over range partitions; the driver holds refs and reads
one count per range):

1. ``prepare`` (a task per edge block): order keys of both ends, the block's
   distinct keys sorted, each endpoint's position among them, and an evenly
   spaced sample of them.
2. ``choose_splitters`` (one task): range boundaries from the samples, so
   ranges hold about as many distinct keys each.
3. ``request`` (a task per block): the block's distinct keys cut at the
   splitters, a slice per range.
4. ``rank_range`` (a task per range): the range's keys from every block,
   merged and deduplicated; its count (the one number the driver reads), its
   ids in rank order, and a reply per block with the local rank of each key
   it sent.
5. ``ranked_pairs`` (a task per block): global rank = the range's offset
   (a prefix sum of the counts) + local rank, put back on each endpoint.

Ranks map back to ids by the same route: a rank's range is found from the
offsets, and the range's ids (kept as one object per range) name it.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.stages.components import LEFT, LEFT_PRIO, RIGHT, RIGHT_PRIO, key_ids, order_keys

# Samples per range the splitters are chosen from: ranges within a few
# percent of each other's size, and the sample stays a few thousand keys.
SAMPLES_PER_RANGE = 64
# Share of the per-task budget one range's keys may take: a range task holds
# the pieces it receives, their concatenation, its dictionary encoding and
# sort, and a reply per block.  At 1/16 the 40M-edge star's largest worker
# (a range task) peaked at 2,240 MB of the 2 GiB budget; at 1/32, 1,802 MB
# (benchmarks/dedup_components.py).
RANGE_SHARE = 1 / 32


def ranges_for(key_bytes: int, budget_bytes: int) -> int:
    """Range partitions for ``key_bytes`` of node keys under a task's memory budget."""
    return max(1, math.ceil(key_bytes / (budget_bytes * RANGE_SHARE)))


def sample_step(endpoints: int, ranges: int) -> int:
    """Every how many distinct keys a block samples, for ~``SAMPLES_PER_RANGE`` per range overall."""
    return max(1, endpoints // (SAMPLES_PER_RANGE * ranges))


def _sorted_distinct(keys: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Distinct ``keys`` in order, and each key's position among them."""
    encoded = pc.dictionary_encode(keys)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    return encoded.dictionary.take(pa.array(order)), position[encoded.indices.to_numpy()]


def prepare(edges: pa.Table, step: int) -> list:
    """[distinct keys sorted, position of each endpoint (left ends, then right), sample]."""
    if edges.num_rows == 0:
        return [pa.array([], pa.binary()), np.zeros(0, np.int64), pa.array([], pa.binary())]
    left = order_keys(edges[LEFT].combine_chunks(), edges[LEFT_PRIO].combine_chunks())
    right = order_keys(edges[RIGHT].combine_chunks(), edges[RIGHT_PRIO].combine_chunks())
    distinct, positions = _sorted_distinct(pa.concat_arrays([left, right]))
    return [distinct, positions, distinct.take(pa.array(np.arange(step // 2, len(distinct), step)))]


def choose_splitters(ranges: int, *samples: pa.Array) -> list:
    """[at most ``ranges - 1`` distinct keys cutting the samples into equal parts]."""
    distinct, _ = _sorted_distinct(pa.concat_arrays([pa.array([], pa.binary()), *samples]))
    at = np.unique(np.arange(1, ranges) * len(distinct) // ranges)
    return [distinct.take(pa.array(at[at < len(distinct)], pa.int64()))]


def range_bounds(distinct: pa.Array, splitters: pa.Array) -> list[int]:
    """Where each range starts and ends in ``distinct`` (sorted): range r holds
    the keys at or past splitter r-1 and before splitter r."""
    as_bytes = lambda scalar: scalar.as_py()
    cuts = [bisect.bisect_left(distinct, s, key=as_bytes) for s in splitters.to_pylist()]
    return [0, *cuts, len(distinct)]


def request(distinct: pa.Array, splitters: pa.Array, ranges: int) -> list:
    """A block's distinct keys, one piece per range (empty past the last splitter).

    Each piece is copied out of ``distinct``: a pickled Arrow array slice
    carries its parent's whole buffers, so slices as task outputs stored the
    block's keys once per range (at 160M edges, 56 ranges x 160 blocks of
    ~40 MB filled the disk)."""
    bounds = range_bounds(distinct, splitters)
    pieces = [pa.concat_arrays([distinct.slice(bounds[r], bounds[r + 1] - bounds[r])]) for r in range(len(bounds) - 1)]
    return pieces + [pa.array([], pa.binary())] * (ranges - len(pieces))


def rank_range(*pieces: pa.Array) -> list:
    """[distinct keys in this range, their ids in rank order, a reply per piece:
    the local rank of each key it sent]."""
    keys = pa.concat_arrays([pa.array([], pa.binary()), *pieces])
    distinct, local = _sorted_distinct(keys)
    bounds = np.cumsum([len(p) for p in pieces])[:-1]
    return [len(distinct), key_ids(distinct), *np.split(local, bounds)]


def ranked_pairs(positions: np.ndarray, offsets: np.ndarray, *replies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Global (left, right) ranks of a block's edges from its ranges' replies."""
    ranks = np.concatenate([np.zeros(0, np.int64), *(reply + offsets[r] for r, reply in enumerate(replies))])
    endpoint = ranks[positions]
    half = len(endpoint) // 2
    return endpoint[:half], endpoint[half:]


def range_of(ranks: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """The range each rank falls in (``offsets``: the first rank of each range, then the total)."""
    return np.searchsorted(offsets, ranks, side="right") - 1


@dataclass
class Ranking:
    """Refs to a finished ranking: ``ids[r]`` names ranks ``offsets[r]`` to
    ``offsets[r + 1] - 1``; ``replies[r][b]`` answers block ``b`` from range ``r``;
    ``positions[b]`` is block ``b``'s endpoint positions."""

    offsets: np.ndarray
    ids: list
    replies: list
    positions: list

    @property
    def nodes(self) -> int:
        return int(self.offsets[-1])


def rank_nodes(tasks, blocks: list, endpoints: int, ranges: int) -> Ranking:
    """Rank the nodes of the edge ``blocks`` (refs or tables) over ``ranges`` range partitions."""
    step = sample_step(endpoints, ranges)
    prepared = [tasks.call(prepare, 3, block, step) for block in blocks]
    (splitters,) = tasks.call(choose_splitters, 1, ranges, *[p[2] for p in prepared])
    requests = [tasks.call(request, ranges, p[0], splitters, ranges) for p in prepared]
    ranked = [tasks.call(rank_range, len(blocks) + 2, *[req[r] for req in requests]) for r in range(ranges)]
    counts = tasks.get([out[0] for out in ranked])
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Ranking(offsets, [out[1] for out in ranked], [out[2:] for out in ranked], [p[1] for p in prepared])
