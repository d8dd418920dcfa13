"""Per-block lookup tables: small rows sent to the documents, never documents to them.

Dedup decides about ids far from the documents (in shuffles keyed by text
hash or by cluster), then has to bring each decision back to its document.
A join that shuffles the corpus moves every document's bytes through the
object store again (at 16M documents that spill filled this machine's disk).
Instead, every document carries the ``TAG`` of the block it was read in
(one value per block, a hash of the block's first and last id and its row
count, so a block rebuilt from lineage gets the same tag), and every decision
row carries its document's tag.  ``tag_lookup`` hash-partitions the decision
rows by tag with Ray tasks; a task over a block of documents then fetches
only the partition(s) of its own tag(s) and matches its rows by id.  Two
blocks that share a tag (or a partition) only fetch each other's rows too:
the match is on id, so that costs reading, never a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.dedup_config import DedupConfig
from filters.hashing import hash_partition, string_hashes
from pipeline.documents import ID, ensure_base_columns
from pipeline.resources import StageResources, partitions_for
from pipeline.stages.dedup_tasks import RayTasks

TAG = "_dedup_tag"
CLUSTER, REASON = "_dedup_cluster", "_dedup_reason"
# A decision: document ``ID`` (of the block tagged ``TAG``) is a duplicate
# (``REASON``) in the cluster that keeps document ``CLUSTER``.
DECISION_SCHEMA = pa.schema([(ID, pa.string()), (TAG, pa.uint64()), (CLUSTER, pa.string()), (REASON, pa.string())])
# Share of the per-task budget one lookup partition may take: the task over
# a block holds its documents, the partition and the matched columns.
LOOKUP_SHARE = 1 / 32


def with_tag(table: pa.Table) -> pa.Table:
    """``table`` with one ``TAG`` value on every row, derived from the block itself."""
    table = ensure_base_columns(table)
    n = table.num_rows
    ids = pc.fill_null(pc.cast(table[ID], pa.string()), "")
    key = f"{ids[0].as_py()}\0{ids[n - 1].as_py()}\0{n}" if n else ""
    return table.append_column(TAG, pa.array(np.full(n, string_hashes(pa.array([key]))[0], np.uint64)))


def decision_rows(ids, tags, clusters, reason: str) -> pa.Table:
    """``DECISION_SCHEMA`` rows, all with one reason."""
    reasons = pa.repeat(pa.scalar(reason, pa.string()), len(ids))
    return pa.table([pc.cast(ids, pa.string()), pc.cast(tags, pa.uint64()), pc.cast(clusters, pa.string()), reasons], schema=DECISION_SCHEMA)


def _split(table: pa.Table, parts: int) -> list[pa.Table]:
    """One table per lookup partition, by tag."""
    part = hash_partition(table[TAG].to_numpy(), parts)
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(parts + 1))
    table = table.take(pa.array(order))
    return [table.slice(a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]


def _concat(*tables: pa.Table) -> list[pa.Table]:
    return [pa.concat_tables(tables).combine_chunks()]


@dataclass(frozen=True)
class TagLookup:
    """Decisions hash-partitioned by ``TAG``: an object ref per partition (a table, in process)."""

    parts: list

    def rows_for(self, tags: pa.ChunkedArray | pa.Array) -> pa.Table:
        """The rows whose tag is one of ``tags`` (a block's): only their partitions are fetched."""
        wanted = np.unique(pc.cast(tags, pa.uint64()).to_numpy())
        if not self.parts or not len(wanted):
            return DECISION_SCHEMA.empty_table()
        needed = [self.parts[p] for p in np.unique(hash_partition(wanted, len(self.parts)))]
        tables = ray.get(needed) if isinstance(needed[0], ray.ObjectRef) else needed
        rows = pa.concat_tables(tables)
        return rows.filter(pc.is_in(rows[TAG], value_set=pa.array(wanted, pa.uint64())))

    def match(self, table: pa.Table) -> tuple[pa.Table, pa.Array]:
        """The lookup rows of ``table``'s block, and each document's row among them (null: none)."""
        rows = self.rows_for(table[TAG])
        return rows, pc.index_in(pc.cast(table[ID], pa.string()), value_set=rows[ID].combine_chunks())


def tag_lookup(decisions: ray.data.Dataset, cfg: DedupConfig, res: StageResources) -> TagLookup:
    """``decisions`` (materialized ``DECISION_SCHEMA`` rows) partitioned by tag with Ray tasks.

    Partitions are sized from the rows' bytes and the per-task budget; the
    driver holds one ref per (input block, partition) until the partitions are
    built, then one per partition.
    """
    if decisions.count() == 0:
        return TagLookup([])
    tasks = RayTasks(res)
    parts = cfg.num_partitions or partitions_for(decisions.size_bytes(), res.memory_bytes, LOOKUP_SHARE)
    pieces = [tasks.call(_split, parts, block, parts) for block in decisions.to_arrow_refs()]
    return TagLookup([tasks.call(_concat, 1, *(p[i] for p in pieces))[0] for i in range(parts)])
