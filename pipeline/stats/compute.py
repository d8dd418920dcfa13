"""Computing the stats with Ray: partial aggregates per task, merged on the driver.

Each Ray task folds its share of the input into a ``Stats`` partial (bounded
size, see aggregates.py) and returns it pickled; the driver merges partials as
they stream in, so neither side ever holds more than one batch of documents.
Order is preserved so merges happen in the same order every run, which keeps
the (order-sensitive) repeated-line summary, and so stats.json, byte-identical
whatever the number of CPUs.

* raw corpora: ``read_documents`` (the stages' reader) then ``map_batches``;
* stage/run folders: the Parquet files listed in stage.json, tasks each
  folding a contiguous run of files, reading only the columns the
  stats use, batch by batch;
* token shards: the same, reading only ``lang`` and ``n_tokens`` from each
  Arrow IPC file (the tokens buffers are never read);
* an export: the same two columns of its provenance tables, one row per
  exported sequence, so what was counted checks the mixture export.json claims;
* dedup clusters: each clusters/ file's ``cluster_id`` column, then a Ray
  groupby on it gives cluster sizes (a cluster may span files).

A stage, run or shard folder under ``ONE_TASK_BYTES`` is folded by one plain
Ray task instead (the same per-file partials, the cluster sizes from one Arrow
groupby): Ray Data's executor start and its stage-to-stage polling cost
seconds per dataset, while such an input takes well under one to read.
"""

from __future__ import annotations

import math
import pickle

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import ray

from pipeline import progress
from pipeline.config import ReaderConfig
from pipeline.documents import DROP_REASON, ERROR, SOURCE, TEXT
from pipeline.resources import SPREAD_BLOCKS, ResourcesConfig, task_options
from pipeline.runtime import data_settings
from pipeline.stage_io import read_documents
from pipeline.stats import schema as S
from pipeline.stats.aggregates import LANG, LANG_SCORE, N_TOKENS, SCRIPT, Stats
from pipeline.stats.settings import StatsConfig
from pipeline.stats.sources import Source
from pipeline.storage import Storage

PARTIAL = "partial"
DOCUMENTS, SHARD, PROVENANCE = "documents", "shard", "provenance"  # what a file task reads
CLUSTER_ID = "cluster_id"
DOCUMENT_COLUMNS = (TEXT, SOURCE, LANG, LANG_SCORE, SCRIPT, DROP_REASON, ERROR)
READ_BATCH_ROWS = 8192
FILES_PER_TASK = 8
ROWS_PER_PARTITION = 2_000_000  # cluster ids per groupby partition
ONE_TASK_BYTES = 16 << 20  # a folder this small is read by one task (module docstring)
CLUSTER_ID_BYTES = 64  # what one cluster id costs the one-task groupby, roughly


def _emit(*partials: Stats) -> pa.Table:
    return pa.table({PARTIAL: pa.array([pickle.dumps(p, protocol=5) for p in partials], pa.binary())})


def _sample(table: pa.Table, cfg: StatsConfig, *key: int) -> pa.Table:
    """Keep about ``cfg.sample`` of the rows, the same ones on every run."""
    if cfg.sample is None or cfg.sample >= 1:
        return table
    rng = np.random.default_rng([cfg.seed, *key])
    return table.filter(pa.array(rng.random(table.num_rows) < cfg.sample))


def _fold_documents(batch: pa.Table, cfg: StatsConfig) -> pa.Table:
    stats = Stats(cfg)
    stats.add_table(batch)
    return _emit(stats)


def _fold_files(items: pa.Table, cfg: StatsConfig, storage: Storage, counter=None) -> pa.Table:
    """One partial per file of the task (stage Parquet, token shards or provenance tables).

    Partials stay per file, not per task, so the driver merges the same
    partials in the same order however files were grouped into tasks: the
    repeated-line summary (whose merge is order-sensitive) doesn't depend on
    the number of CPUs.  Each file's rows and bytes go to the progress
    ``counter`` once it is folded.
    """
    partials = []
    for uri, stage, index, kind, nbytes in zip(*(items[c].to_pylist() for c in ("uri", "stage", "index", "kind", "bytes"))):
        stats = Stats(cfg)
        if kind == SHARD:
            rows = _fold_shard(stats, uri, storage)
        elif kind == PROVENANCE:
            rows = _fold_provenance(stats, uri, storage)
        else:
            rows = _fold_parquet(stats, uri, stage, storage, cfg, index)
        progress.report(counter, docs=rows, nbytes=nbytes)
        partials.append(stats)
    return _emit(*partials)


def _fold_parquet(stats: Stats, uri: str, stage: str, storage: Storage, cfg: StatsConfig, index: int) -> int:
    """Fold one stage Parquet file in, batch by batch; returns the rows it holds."""
    with storage.open_input(uri, random_access=True) as handle:
        pf = pq.ParquetFile(handle)
        columns = [c for c in DOCUMENT_COLUMNS if c in pf.schema_arrow.names]
        for i, batch in enumerate(pf.iter_batches(batch_size=READ_BATCH_ROWS, columns=columns)):
            stats.add_table(_sample(pa.Table.from_batches([batch]), cfg, index, i), stage)
        return pf.metadata.num_rows


def _fold_shard(stats: Stats, uri: str, storage: Storage) -> int:
    """Only the ``lang`` and ``n_tokens`` buffers of a shard are read (IPC field selection); returns its rows."""
    rows = 0
    with storage.open_input(uri, random_access=True) as handle:
        names = ipc.open_file(handle).schema.names
        wanted = [names.index(c) for c in (LANG, N_TOKENS) if c in names]
        reader = ipc.open_file(handle, options=ipc.IpcReadOptions(included_fields=wanted))
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            rows += batch.num_rows
            stats.add_token_rows(pa.Table.from_batches([batch]))
    return rows


def _read_cluster_ids(uri: str, storage: Storage) -> pa.Table:
    """The ``cluster_id`` column of one clusters/ file, read through the storage module."""
    with storage.open_input(uri, random_access=True) as handle:
        return pq.read_table(handle, columns=[CLUSTER_ID])


def _fold_provenance(stats: Stats, uri: str, storage: Storage) -> int:
    rows = 0
    with storage.open_input(uri, random_access=True) as handle:
        for batch in pq.ParquetFile(handle).iter_batches(batch_size=READ_BATCH_ROWS, columns=[LANG, N_TOKENS]):
            rows += batch.num_rows
            stats.add_token_rows(pa.Table.from_batches([batch]))
    return rows


def _cluster_ids(items: pa.Table, storage: Storage) -> pa.Table:
    (uri,) = items["uri"].to_pylist()
    return _read_cluster_ids(uri, storage)


def _fold_cluster_sizes(batch: pa.Table, cfg: StatsConfig) -> pa.Table:
    stats = Stats(cfg)
    stats.add_cluster_sizes(batch["count()"].to_numpy())
    return _emit(stats)


def _fold_in_one_task(tasks: list[dict], clusters: list[str], cfg: StatsConfig, storage: Storage) -> pa.Table:
    """Every file of a small folder: the per-file partials, then the cluster sizes (``ONE_TASK_BYTES``)."""
    partials = [_fold_files(pa.Table.from_pylist(tasks), cfg, storage)] if tasks else []
    if clusters:
        ids = pa.concat_tables([_read_cluster_ids(uri, storage) for uri in clusters])
        sizes = ids.group_by(CLUSTER_ID, use_threads=False).aggregate([([], "count_all")])
        partials.append(_fold_cluster_sizes(sizes.rename_columns([CLUSTER_ID, "count()"]), cfg))
    return pa.concat_tables(partials)


def _merge_batch(stats: Stats, batch: pa.Table) -> None:
    for blob in batch[PARTIAL].to_pylist():
        stats.merge(pickle.loads(blob))


def _merge_into(stats: Stats, partials: ray.data.Dataset) -> None:
    for batch in partials.iter_batches(batch_format="pyarrow", batch_size=None):
        _merge_batch(stats, batch)


def _cluster_partitions(rows: int) -> int:
    """Hash partitions of the cluster-size groupby, from the clusters' row count in stage.json.

    Ray's default is 200 partitions, each an aggregator: on a small corpus they
    cost seconds and hold nothing; ``ROWS_PER_PARTITION`` ids (~40 bytes each)
    bound one partition's memory however big the corpus.
    """
    return max(1, -(-rows // ROWS_PER_PARTITION))


def _task_count(files: int) -> int:
    """Tasks for ``files`` files, each taking a contiguous run of files.

    Ray Data notices a finished task only every 0.1 s (its scheduling loop),
    so one task per file wastes ~0.2 s per file on a worker: a small input
    gets up to ``SPREAD_BLOCKS`` tasks (a fixed spread for a growing cluster,
    not its size), a big one ``FILES_PER_TASK`` files a task.  A task's memory
    does not grow with its files: it folds them batch by batch.
    """
    return max(1, min(files, max(SPREAD_BLOCKS, math.ceil(files / FILES_PER_TASK))))


def _file_tasks(source: Source) -> list[dict]:
    """One item per file; token shards and provenance tables have no stage."""
    files = (
        [(uri, stage, DOCUMENTS) for uri, stage in source.documents]
        + [(uri, None, SHARD) for uri in source.shards]
        + [(uri, None, PROVENANCE) for uri in source.provenance]
    )
    return [{"uri": uri, "stage": stage, "index": i, "kind": kind, "bytes": source.sizes.get(uri, 0)} for i, (uri, stage, kind) in enumerate(files)]


def one_task(source: Source) -> bool:
    """Whether ``source`` is small enough for one task (module docstring); raw input always goes
    through the reader, and an export (whose provenance sizes nothing records) through Ray Data."""
    return source.kind not in ("raw", "export") and sum(source.sizes.values()) + CLUSTER_ID_BYTES * source.cluster_rows <= ONE_TASK_BYTES


def compute(source: Source, cfg: StatsConfig, reader: ReaderConfig, storage: Storage, resources: ResourcesConfig | None = None) -> S.StatsReport:
    """The stats of ``source`` (Ray must be initialised); tasks reserve ``resources.stats``."""
    resources = resources or ResourcesConfig()
    stats = Stats(cfg)
    tasks = _file_tasks(source)
    if not one_task(source):
        with progress.stage_progress("stats", sum(source.sizes.values()), counts_done=False):
            _fold_with_ray_data(stats, source, tasks, cfg, reader, storage, resources)
    elif tasks or source.clusters:
        fold = ray.remote(_fold_in_one_task).options(**task_options(resources.stats, share=1.0))  # runs alone
        _merge_batch(stats, ray.get(fold.remote(tasks, source.clusters, cfg, storage)))
    report = stats.to_report(_input(source, cfg), _manifest(source), _mixture(source))
    return S.StatsReport.model_validate({**report.model_dump(), **source.summaries}) if source.summaries else report


def _fold_with_ray_data(stats: Stats, source: Source, tasks: list[dict], cfg: StatsConfig, reader: ReaderConfig, storage: Storage, resources: ResourcesConfig) -> None:
    """Fold ``source`` into ``stats`` with Ray Data datasets: the path that scales (module docstring)."""
    opts = task_options(resources.stats)
    with data_settings(preserve_order=True, reservation=False):  # one operator each
        if source.kind == "raw":
            ds = read_documents([source.path], reader, storage, res=resources.stats)
            if cfg.sample is not None and cfg.sample < 1:
                ds = ds.random_sample(cfg.sample, seed=cfg.seed)
            _merge_into(stats, ds.map_batches(_fold_documents, fn_kwargs={"cfg": cfg}, batch_format="pyarrow", batch_size=None, **opts))
        if tasks:
            items = ray.data.from_items(tasks, override_num_blocks=_task_count(len(tasks)))
            kwargs = {"cfg": cfg, "storage": storage, "counter": progress.current()}
            _merge_into(stats, items.map_batches(_fold_files, fn_kwargs=kwargs, batch_format="pyarrow", batch_size=None, **opts))
    if source.clusters:
        with data_settings(preserve_order=True):  # the groupby has several operators
            files = ray.data.from_items([{"uri": uri} for uri in source.clusters], override_num_blocks=len(source.clusters))
            ids = files.map_batches(_cluster_ids, fn_kwargs={"storage": storage}, batch_format="pyarrow", batch_size=1, **opts)
            sizes = ids.groupby(CLUSTER_ID, num_partitions=_cluster_partitions(source.cluster_rows)).count()
            _merge_into(stats, sizes.map_batches(_fold_cluster_sizes, fn_kwargs={"cfg": cfg}, batch_format="pyarrow"))


def _input(source: Source, cfg: StatsConfig) -> S.Input:
    return S.Input(path=source.path, kind=source.kind, stages=source.stages, sample_fraction=cfg.sample)


def _manifest(source: Source) -> S.Manifest | None:
    if source.manifest is None:
        return None
    totals, tok = source.manifest["totals"], source.manifest["tokenizer"]
    return S.Manifest(
        shards=totals["shards"],
        rows=totals["rows"],
        tokens=totals["tokens"],
        bytes=totals["bytes"],
        tokenizer_sha256=tok["sha256"],
        vocab_size=tok["vocab_size"],
    )


def _mixture(source: Source) -> S.Mixture | None:
    if source.export is None:
        return None
    mixture = source.export["mixture"]
    return S.Mixture(
        seed=mixture["seed"],
        settings=mixture["settings"],
        by_language={
            row["lang"]: S.MixtureLanguage(
                target_share=row["target_share"], share=row["share"], tokens=row["tokens"], documents=row["docs"],
                epochs=row["epochs"], full_passes=row["full_passes"],
            )
            for row in mixture["languages"]
        },
    )
