"""Exact dedup on Ray: a 128-bit hash of each text, grouped by a hash shuffle.

The documents themselves go through the shuffle (a groupby on a partition
number derived from the hash), so every group of equal texts lands in one
partition whole and is resolved there without any join; one shuffle of the
corpus is the price, the same as any groupby.  Each partition must fit one
worker's memory: corpus size / ``num_partitions``.

Also home of what both dedup stages share: the keep priority, the partition
count, and ``shuffle_partitions`` (groupby on a coarse partition column, so
``map_groups`` runs once per partition with vectorized code, not once per key).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
import xxhash
from ray.data.context import ShuffleStrategy

from filters.dedup_config import DedupConfig
from filters.dedup_normalize import normalize_for_matching
from pipeline.documents import ID, TEXT, ensure_base_columns, live_mask, reject
from pipeline.errors import UserError

EXACT_DUP = "exact_dup"
NEAR_DUP = "near_dup"
DUP_CLUSTER = "dup_cluster"
DUP_OF = "dup_of"
PART = "_dedup_part"
PRIO = "_dedup_prio"
_HASH = "_dedup_hash"
_SHUFFLES = {"sort": ShuffleStrategy.SORT_SHUFFLE_PULL_BASED, "hash": ShuffleStrategy.HASH_SHUFFLE}


def keep_priority(table: pa.Table, keep: str) -> pa.Array:
    """Per-row priority for the keep policy (higher wins; ties go to the lowest id)."""
    if keep == "lowest_id":
        return pa.nulls(table.num_rows, pa.float64())
    if keep == "longest":
        return pc.cast(pc.utf8_length(pc.fill_null(table[TEXT], "")), pa.float64())
    return pc.cast(table[keep], pa.float64())


def check_keep_column(ds: ray.data.Dataset, keep: str) -> None:
    """Fail on the driver, before any shuffle, when ``keep`` names no numeric column.

    Reads the schema of the first block only.
    """
    if keep in ("lowest_id", "longest"):
        return
    schema = ds.schema()
    names = list(schema.names) if schema is not None else []
    if keep not in names:
        raise UserError(f"dedup.keep: column '{keep}' is not in the input; use lowest_id, longest or an existing numeric column")
    kind = schema.types[names.index(keep)]
    if not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind)):
        raise UserError(f"dedup.keep: column '{keep}' is {kind}, not numeric; name a numeric quality column")


# Rows per shuffle partition when the partition count follows the data: a
# partition is sorted and grouped by one task, so this bounds a task's memory
# (~40 bytes per band row: ~80 MB) however big the corpus.
ROWS_PER_PARTITION = 2_000_000


def num_partitions(cfg: DedupConfig, rows: int = 0) -> int:
    """Shuffle partitions: the setting, else four per CPU of the cluster, or more
    when ``rows`` (if known) would make partitions bigger than ``ROWS_PER_PARTITION``."""
    if cfg.num_partitions:
        return cfg.num_partitions
    return max(4, 4 * int(ray.cluster_resources().get("CPU", 1)), -(-rows // ROWS_PER_PARTITION))


def partition_of(hashes: np.ndarray, parts: int) -> pa.Array:
    return pa.array((hashes % np.uint64(parts)).astype(np.int64))


def shuffle_partitions(
    ds: ray.data.Dataset, cfg: DedupConfig, parts: int, fn: Callable[[pa.Table], pa.Table]
) -> ray.data.Dataset:
    """Apply ``fn`` to each whole hash partition (rows sharing ``PART``)."""
    ds.context.shuffle_strategy = _SHUFFLES[cfg.shuffle]
    return ds.groupby(PART, num_partitions=parts).map_groups(fn, batch_format="pyarrow")


def _text_hashes(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """128-bit xxh3 digest per text and its low 64 bits.

    One C call per document: Arrow has no 128-bit hash kernel, and 64 bits
    would collide once in a few billion documents, silently dropping one.
    """
    digests = [xxhash.xxh3_128_digest(t.encode("utf-8")) for t in texts.to_pylist()]
    low = np.frombuffer(b"".join(digests), dtype=np.uint64)[::2].copy() if digests else np.zeros(0, np.uint64)
    return pa.array(digests, pa.binary(16)), low


def _keyed(table: pa.Table, cfg: DedupConfig, parts: int) -> pa.Table:
    """Add hash, partition and priority; non-live rows are spread by id."""
    table = ensure_base_columns(table)
    live = live_mask(table).to_numpy(zero_copy_only=False) if table.num_rows else np.zeros(0, bool)
    texts = pc.fill_null(table[TEXT], "").combine_chunks()
    if cfg.exact_match == "matching":
        texts = normalize_for_matching(texts, cfg.normalize)
    ids = pc.fill_null(pc.cast(table[ID], pa.string()), "").combine_chunks()
    keyed_text = pc.if_else(pa.array(live, pa.bool_()), texts, pc.cast(ids, texts.type))
    digests, low = _text_hashes(keyed_text)
    table = table.append_column(_HASH, digests)
    table = table.append_column(PART, partition_of(low, parts))
    return table.append_column(PRIO, keep_priority(table, cfg.keep))


def _resolve(table: pa.Table) -> pa.Table:
    """In one partition: first of each equal-hash group (best priority, then
    lowest id) is kept, the others are ``exact_dup`` of it."""
    mask = live_mask(table)
    rest = table.filter(pc.invert(mask))
    live = table.filter(mask).sort_by([(_HASH, "ascending"), (PRIO, "descending"), (ID, "ascending")])
    hashes = live[_HASH].combine_chunks()
    n = live.num_rows
    first = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = pc.not_equal(hashes.slice(1), hashes.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rep = live[ID].combine_chunks().take(pa.array(group_start, pa.int64()))
    live = live.append_column(DUP_CLUSTER, pc.cast(rep, pa.string()))
    live = live.append_column(DUP_OF, pc.if_else(pa.array(first), pa.nulls(n, pa.string()), live[DUP_CLUSTER]))
    live = reject(live, pa.array(~first), EXACT_DUP)
    for name in (DUP_CLUSTER, DUP_OF):
        rest = rest.append_column(name, pa.nulls(rest.num_rows, pa.string()))
    return pa.concat_tables([live, rest], promote_options="permissive").drop_columns([_HASH, PART, PRIO])


def exact_dedup(ds: ray.data.Dataset, cfg: DedupConfig) -> ray.data.Dataset:
    """Mark every exact duplicate ``exact_dup`` with ``dup_of``; set ``dup_cluster`` on all live rows."""
    check_keep_column(ds, cfg.keep)
    parts = num_partitions(cfg)
    keyed = ds.map_batches(_keyed, fn_args=(cfg, parts), batch_format="pyarrow", zero_copy_batch=True)
    return shuffle_partitions(keyed, cfg, parts, _resolve)
