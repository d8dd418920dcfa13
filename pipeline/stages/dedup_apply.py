"""Apply the dedup decisions to the documents, which stay in their blocks.

Exact dedup decides ``document -> representative`` and near dedup
``representative -> the document its cluster keeps``; both are small rows.
``composed`` joins them on the representative in one hash shuffle of those
small rows (with each representative's block tag, from the signature rows),
so an exact copy follows its representative into the near cluster.  Then
``apply_clusters`` maps over the tagged documents, each block fetching only
its own tag's decisions (``dedup_lookup.py``): the apply moves decisions,
not documents, so it costs one read of the corpus and no shuffle of it.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.dedup_config import DedupConfig
from pipeline.checkpoints import IN_STORE, Kept
from pipeline.documents import ID, ensure_base_columns, live_mask, reject
from pipeline.resources import StageResources, task_options
from pipeline.stages.dedup_exact import (
    DUP_CLUSTER, DUP_OF, EXACT_DUP, NEAR_DUP, PART, keyed_rows, map_tables, num_partitions, partition_keys, shuffle_partitions,
)
from pipeline.stages.dedup_lookup import CLUSTER, DECISION_SCHEMA, REASON, TAG, TagLookup, tag_lookup

COMPOSE_SCHEMA = pa.schema(list(DECISION_SCHEMA) + [pa.field(PART, pa.int64())])


def _near_rows(table: pa.Table, keys: int) -> pa.Table:
    """Near mapping (id, cluster) rows as decisions without a tag yet."""
    rows = pa.table({ID: table["id"], CLUSTER: table["cluster"], REASON: pa.repeat(pa.scalar(NEAR_DUP), table.num_rows)})
    return keyed_rows(rows, COMPOSE_SCHEMA, ID, keys)


def _compose(table: pa.Table) -> pa.Table:
    """One partition: tag each near decision; point each exact one at its representative's cluster.

    Rows are near decisions (``REASON`` near_dup), tag rows (no ``REASON``)
    and exact decisions keyed by their representative (``CLUSTER``).
    """
    reason = table[REASON]
    near = table.filter(pc.equal(reason, NEAR_DUP))
    tags = table.filter(pc.is_null(reason))
    exact = table.filter(pc.equal(reason, EXACT_DUP))
    near_ids = near[ID].combine_chunks()
    tag = tags[TAG].combine_chunks().take(pc.index_in(near_ids, value_set=tags[ID].combine_chunks()))
    near = near.set_column(near.column_names.index(TAG), TAG, tag)
    moved = near[CLUSTER].combine_chunks().take(pc.index_in(exact[CLUSTER], value_set=near_ids))
    exact = exact.set_column(exact.column_names.index(CLUSTER), CLUSTER, pc.coalesce(moved, exact[CLUSTER]))
    return pa.concat_tables([near, exact]).drop_columns([PART])


def composed(
    exact: ray.data.Dataset, near: ray.data.Dataset, tags: ray.data.Dataset, cfg: DedupConfig, res: StageResources, kept: Kept = IN_STORE
) -> ray.data.Dataset:
    """Every document's decision: exact ones (``exact``, id -> representative)
    carried into the near clusters (``near``, id -> cluster), near ones tagged
    from ``tags`` (id, tag of every live representative); ``kept``."""
    if near.count() == 0:
        return exact
    opts = task_options(res)
    parts = num_partitions(cfg, exact.size_bytes() + near.size_bytes() + tags.size_bytes(), res)
    keys = partition_keys(cfg, parts)
    # An empty side is left out: Ray's exchange gives its empty blocks no schema.
    sides = [(near, _near_rows, ()), (tags, keyed_rows, (COMPOSE_SCHEMA, ID)), (exact, keyed_rows, (COMPOSE_SCHEMA, CLUSTER))]
    rows = [map_tables(ds, fn, (*args, keys), opts) for ds, fn, args in sides if ds.count()]
    return kept.keep(shuffle_partitions(rows[0].union(*rows[1:]), cfg, res, parts, _compose), "decisions")


def _apply(table: pa.Table, lookup: TagLookup) -> pa.Table:
    """One block: set ``dup_cluster`` on live rows (the kept document's id,
    their own when unique) and ``dup_of`` and the reason on the decided ones."""
    table = ensure_base_columns(table)
    rows, at = lookup.match(table)
    cluster = rows[CLUSTER].combine_chunks().take(at)
    reason = rows[REASON].combine_chunks().take(at)
    ids = pc.cast(table[ID], pa.string())
    own = pc.if_else(live_mask(table), ids, pa.scalar(None, pa.string()))
    table = reject(table, pc.is_valid(cluster), reason).drop_columns([TAG])
    return table.append_column(DUP_CLUSTER, pc.coalesce(cluster, own)).append_column(DUP_OF, cluster)


def apply_clusters(tagged: ray.data.Dataset, decisions: ray.data.Dataset, cfg: DedupConfig, res: StageResources) -> ray.data.Dataset:
    """``tagged`` (materialized ``with_tag`` documents) with ``decisions`` applied, block by block."""
    lookup = tag_lookup(decisions, cfg, res)
    return map_tables(tagged, _apply, (lookup,), task_options(res), batch_size=None)
