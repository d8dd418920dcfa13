"""Apply the near-dup clusters to the documents: a hash-partitioned join on id.

The ``id -> cluster`` rows (only documents that are not their cluster's kept
one) and the documents meet in one hash shuffle: a document travels to the
partition of its ``dup_cluster`` (its own id when live, its exact-dup
representative's otherwise, so exact copies follow their representative into
the near cluster), a mapping row to the partition of its id.  Each partition
then looks up only its own share of the mapping, so the apply costs one
shuffle of the corpus instead of (mapped ids x batches) for a broadcast table.
Ray Data's own ``Dataset.join`` needs the hash shuffle's aggregator actors
(seconds of start-up per shuffle on a small cluster) and one schema per side;
documents carry whatever fields their input had, so the join is the stage's
usual ``shuffle_partitions`` over the union of both, each side ``conform``-ed
to one schema (the documents' fields and the mapping's).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.dedup_config import DedupConfig
from pipeline.documents import ID, ensure_base_columns, live_mask, reject
from pipeline.resources import StageResources, task_options
from pipeline.stages.dedup_exact import (
    DUP_CLUSTER, DUP_OF, NEAR_DUP, PART, arrow_schema, conform, map_tables, num_partitions, partition_keys, shuffle_partitions,
    string_partition,
)

_MAP_ID, _MAP_CLUSTER = "_dedup_map_id", "_dedup_map_cluster"


def _document_rows(table: pa.Table, keys: int, schema: pa.Schema) -> pa.Table:
    key = pc.coalesce(table[DUP_CLUSTER], pc.cast(table[ID], pa.string()))  # rows exact dedup passed by: own id
    return conform(table.append_column(PART, string_partition(key.combine_chunks(), keys)), schema)


def _mapping_rows(table: pa.Table, keys: int, schema: pa.Schema) -> pa.Table:
    ids = table["id"].combine_chunks()
    return conform(pa.table({_MAP_ID: ids, _MAP_CLUSTER: table["cluster"], PART: string_partition(ids, keys)}), schema)


def join_schema(documents: pa.Schema) -> pa.Schema:
    """Rows of the apply join: the documents' fields, then the partition key and the mapping's two columns."""
    extra = [pa.field(PART, pa.int64()), pa.field(_MAP_ID, pa.string()), pa.field(_MAP_CLUSTER, pa.string())]
    return pa.schema([f for f in documents if f.name != PART] + extra)


def _apply(table: pa.Table) -> pa.Table:
    """One partition (``join_schema`` rows): point every document at its cluster's kept one; reject the moved live ones."""
    is_map = pc.is_valid(table[_MAP_ID])
    mapping = table.filter(is_map)
    map_ids, map_clusters = mapping[_MAP_ID].combine_chunks(), mapping[_MAP_CLUSTER].combine_chunks()
    table = ensure_base_columns(table.filter(pc.invert(is_map)).drop_columns([_MAP_ID, _MAP_CLUSTER, PART]))
    current = table[DUP_CLUSTER].combine_chunks()
    at = pc.index_in(current, value_set=map_ids)
    cluster = pc.coalesce(map_clusters.take(at), current)
    table = table.set_column(table.column_names.index(DUP_CLUSTER), DUP_CLUSTER, cluster)
    ids = pc.cast(table[ID], pa.string())
    moved = pc.fill_null(pc.not_equal(cluster, ids), False)
    table = reject(table, pc.and_(live_mask(table), moved), NEAR_DUP)
    return table.set_column(table.column_names.index(DUP_OF), DUP_OF, pc.if_else(moved, cluster, pa.scalar(None, pa.string())))


def apply_clusters(ds: ray.data.Dataset, mapping: ray.data.Dataset, cfg: DedupConfig, res: StageResources) -> ray.data.Dataset:
    """``ds`` (materialized exact-dedup output) with ``mapping`` joined on ``dup_cluster``."""
    if mapping.count() == 0:
        return ds
    opts = task_options(res)
    parts = num_partitions(cfg, ds.size_bytes() + mapping.size_bytes(), res)
    schema = join_schema(arrow_schema(ds))
    keys = partition_keys(cfg, parts)
    docs = map_tables(ds, _document_rows, (keys, schema), opts, zero_copy_batch=True)
    rows = map_tables(mapping, _mapping_rows, (keys, schema), opts)
    return shuffle_partitions(docs.union(rows), cfg, res, parts, _apply)
