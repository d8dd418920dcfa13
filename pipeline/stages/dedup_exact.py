"""Exact dedup on Ray: a 128-bit hash of each text, grouped by a hash shuffle of small rows.

Only a key row per document travels (digest, priority, id, block tag: about
60 bytes plus the id), grouped on a partition number derived from the
digest, so every group of equal texts lands in one partition whole and is
decided there: the first in keep order stays, every other becomes an
``exact_dup`` decision row (id, tag, representative).  The documents never
move: the decisions reach them through their block's tag
(``dedup_lookup.py``).  The key rows are materialized first, so the
partition count comes from their size in bytes and the stage's per-task
memory budget (``num_partitions``).

The same shuffle checks that ids are unique: every row also sends a small
probe (its id and source) to the partition of its id's hash, and a partition
that receives one id twice fails the stage with a ``UserError`` naming the id
and both sources, before near dedup starts and before anything is written.
Two documents with one id would otherwise share one decision silently.

Also home of what both dedup stages share: the keep priority, the partition
keys, ``shuffle_partitions`` (rows with one partition key meet in one block,
and the step's vectorized code runs once per block, not once per key),
``map_tables`` (the steps' Arrow maps) and ``conform`` (one schema for rows
of several kinds in one shuffle).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
from ray.data.context import ShuffleStrategy

from filters import hashing
from filters.dedup_config import DedupConfig
from filters.dedup_normalize import normalize_for_matching
from filters.hashing import string_digests
from pipeline.checkpoints import IN_STORE, Kept
from pipeline.documents import ID, SOURCE, TEXT, ensure_base_columns, live_mask
from pipeline.errors import UserError
from pipeline.resources import StageResources, blocks_for, released, task_options
from pipeline.stages.dedup_lookup import TAG, decision_rows

EXACT_DUP = "exact_dup"
NEAR_DUP = "near_dup"
DUP_CLUSTER = "dup_cluster"
DUP_OF = "dup_of"
PART = "_dedup_part"
PRIO = "_dedup_prio"
_HASH = "_dedup_hash"
_HASH_LOW = "_dedup_hash_low"
_PROBE_ID, _PROBE_SOURCE = "_dedup_probe_id", "_dedup_probe_source"
# Partition keys per shuffle partition in the hash exchanges.  Ray hashes
# the key again into ``parts`` partitions, and ``parts`` distinct keys hashed
# into ``parts`` bins leave some bins empty and others with three or four
# keys (and three or four times the rows and memory); 64 keys per bin even
# that out.  The sort exchange range-partitions the keys it samples and gets
# one key per partition: with 64 its driver peaked at 924 MB against 358 MB
# (max RSS, 250k documents).
KEYS_PER_PARTITION = 64


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


# Share of the per-task budget one shuffle partition may take.  Measured
# (benchmarks/dedup_scale.py, 250k documents): a sort-shuffle reduce task plus
# ``map_groups`` peaked at ~15x its partition's bytes (3.8 GB of worker memory
# for one 250 MB partition: the map outputs it receives, their concatenation,
# the sort, and the UDF's filtered and sorted copies).
PARTITION_SHARE = 1 / 32


def num_partitions(cfg: DedupConfig, nbytes: int, res: StageResources) -> int:
    """Shuffle partitions for ``nbytes`` of shuffled rows: the setting if given,
    else as many as keep each task within the per-task memory budget, and a
    small input still cut like a read (``blocks_for``), so the step after the
    shuffle isn't one task."""
    return cfg.num_partitions or blocks_for(nbytes, res.memory_bytes, share=PARTITION_SHARE)


def partition_keys(cfg: DedupConfig, parts: int) -> int:
    """Distinct ``PART`` keys a shuffle into ``parts`` partitions spreads its rows over."""
    return parts if cfg.shuffle == "sort" else parts * KEYS_PER_PARTITION


def partition_of(hashes: np.ndarray, keys: int) -> pa.Array:
    """Partition key (``PART``) of each 64-bit hash, one of ``keys``."""
    return pa.array(hashing.hash_partition(hashes, keys))


def string_partition(values: pa.Array, keys: int) -> pa.Array:
    """Partition key of each string (ids), the same in every task."""
    return pa.array(hashing.string_partition(values, keys))


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns (missing ones null).

    Ray's hash exchange concatenates a partition's pieces without merging
    schemas, so rows of several kinds that meet in one shuffle must arrive
    with one schema.
    """
    n = table.num_rows
    names = set(table.column_names)
    return pa.table([pc.cast(table[f.name], f.type) if f.name in names else pa.nulls(n, f.type) for f in schema], schema=schema)


def keyed_rows(table: pa.Table, schema: pa.Schema, key: str, keys: int) -> pa.Table:
    """``table`` as ``schema``'s rows (``conform``), sent to the partition of its string column ``key``."""
    return conform(table.append_column(PART, string_partition(table[key], keys)), schema)


def map_tables(ds: ray.data.Dataset, fn: Callable[..., pa.Table], args: tuple, ray_options: dict, **kwargs) -> ray.data.Dataset:
    """``fn(table, *args)`` over ``ds``'s Arrow batches; each call hands Arrow's
    kept pages back when it returns (``released``), as ``shuffle_partitions``
    does, so a worker doesn't hold one dedup step's memory into the next."""
    return ds.map_batches(released(fn), fn_args=args, batch_format="pyarrow", **ray_options, **kwargs)


# Share of the per-task budget one hash-exchange map task's input may take:
# it holds its input, the rows reordered by partition and the compressed
# pieces.  With Ray's default (1 GiB per task) a 4M-document run of
# benchmarks/dedup_scale.py measured a 2,313 MB worker heap in a 2 GiB budget;
# at a quarter, 1,381 MB (dedup_scale_exchange.json).
MAP_INPUT_SHARE = 1 / 4


def shuffle_partitions(
    ds: ray.data.Dataset, cfg: DedupConfig, res: StageResources, parts: int, fn: Callable[[pa.Table], pa.Table]
) -> ray.data.Dataset:
    """Apply ``fn`` to whole blocks in which every ``PART`` key's rows all are.

    ``fn`` sees several keys at once, so it must only ever combine rows with
    equal hashes or ids (every step here does).  "sort" range-partitions by
    the key (the block count follows the input's, as ``groupby`` does);
    "hash" and "disk" hash it into ``parts`` partitions with Ray's task-based
    exchange, whose map tasks take ``MAP_INPUT_SHARE`` of the budget of input
    each, so the driver owns (input / batch x ``parts``) pieces instead of
    (input blocks x ``parts``); "disk"
    keeps the pieces in files on the nodes' disks instead of the object store.
    """
    ctx = ds.context
    if cfg.shuffle == "sort":
        ctx.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED
        grouped = ds.sort(PART)
    else:
        ctx.shuffle_strategy = ShuffleStrategy.SHUFFLE_V2
        ctx.use_disk_based_hash_shuffle = cfg.shuffle == "disk"
        ctx.shuffle_input_batch_bytes = int(res.memory_bytes * MAP_INPUT_SHARE)
        grouped = ds.repartition(parts, keys=[PART])
    return map_tables(grouped, fn, (), task_options(res), batch_size=None)


def _key_rows(table: pa.Table, cfg: DedupConfig) -> pa.Table:
    """One small row per document: its text's digest (null unless live), priority, id, tag and source."""
    table = ensure_base_columns(table)
    live = live_mask(table)
    texts = pc.fill_null(table[TEXT], "").combine_chunks()
    if cfg.exact_match == "matching":
        texts = normalize_for_matching(texts, cfg.normalize)
    digests, low = string_digests(pc.if_else(live, texts, ""))
    return pa.table(
        {
            _HASH: pc.if_else(live, digests, pa.scalar(None, pa.binary(16))),
            _HASH_LOW: pa.array(low),
            PRIO: keep_priority(table, cfg.keep),
            ID: pc.cast(table[ID], pa.string()),
            TAG: table[TAG],
            SOURCE: pc.cast(table[SOURCE], pa.string()),
        }
    )


KEY_SCHEMA = pa.schema(
    [(_HASH, pa.binary(16)), (PRIO, pa.float64()), (ID, pa.string()), (TAG, pa.uint64()), (PART, pa.int64()),
     (_PROBE_ID, pa.string()), (_PROBE_SOURCE, pa.string())]
)


def _with_probes(table: pa.Table, keys: int) -> pa.Table:
    """Live rows to their text's partition, plus an id probe of every row with an id to the id's partition."""
    live = pc.is_valid(table[_HASH])
    docs = table.filter(live)
    docs = docs.append_column(PART, partition_of(docs[_HASH_LOW].to_numpy(), keys)).drop_columns([_HASH_LOW, SOURCE])
    has_id = pc.is_valid(table[ID])
    ids = table[ID].filter(has_id).combine_chunks()
    probes = pa.table({_PROBE_ID: ids, _PROBE_SOURCE: table[SOURCE].filter(has_id), PART: string_partition(ids, keys)})
    return conform(pa.concat_tables([docs, probes], promote_options="permissive"), KEY_SCHEMA)


def check_unique_ids(ids: pa.Array, sources: pa.Array) -> None:
    """Raise a ``UserError`` naming the first id that occurs twice, and its sources."""
    if len(ids) < 2:
        return
    order = pc.sort_indices(ids)
    ids, sources = ids.take(order), sources.take(order)
    same = pc.equal(ids.slice(1), ids.slice(0, len(ids) - 1)).to_numpy(zero_copy_only=False)
    if not same.any():
        return
    at = int(np.argmax(same))
    raise UserError(
        f"dedup: id {ids[at].as_py()!r} occurs more than once in the input (in {sources[at].as_py()} and "
        f"{sources[at + 1].as_py()}); dedup needs unique ids: fix the records, or set reader.id_field "
        "(--id-field) to a field that is unique, or to one the records lack so ids are generated"
    )


def _resolve(table: pa.Table) -> pa.Table:
    """In one partition: check the id probes, then decide each equal-hash group:
    its first (best priority, then lowest id) is kept, each other row becomes
    an ``exact_dup`` decision pointing at it."""
    is_probe = pc.is_valid(table[_PROBE_ID])
    probes = table.filter(is_probe)
    check_unique_ids(probes[_PROBE_ID].combine_chunks(), probes[_PROBE_SOURCE].combine_chunks())
    live = table.filter(pc.invert(is_probe)).sort_by([(_HASH, "ascending"), (PRIO, "descending"), (ID, "ascending")])
    hashes = live[_HASH].combine_chunks()
    n = live.num_rows
    first = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = pc.not_equal(hashes.slice(1), hashes.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    dups = pa.array(~first)
    rep = live[ID].combine_chunks().take(pa.array(group_start, pa.int64())).filter(dups)
    return decision_rows(live[ID].filter(dups), live[TAG].filter(dups), rep, EXACT_DUP)


def exact_decisions(tagged: ray.data.Dataset, cfg: DedupConfig, res: StageResources, kept: Kept = IN_STORE) -> ray.data.Dataset:
    """``exact_dup`` decisions (id, tag, representative) of ``tagged`` (``with_tag`` documents), ``kept``.

    Only key rows go through the shuffle; the documents stay where they are.
    """
    check_keep_column(tagged, cfg.keep)
    opts = task_options(res)
    keyed = kept.keep(map_tables(tagged, _key_rows, (cfg,), opts), "keys")
    parts = num_partitions(cfg, keyed.size_bytes(), res)
    probed = map_tables(keyed, _with_probes, (partition_keys(cfg, parts),), opts)
    return kept.keep(shuffle_partitions(probed, cfg, res, parts, _resolve), "exact")
