"""Reading a stage's input and writing its outputs per the contract.

``read_documents`` accepts raw corpora or a previous stage's output folder
(whose committed ``stage.json`` lists its kept files).  ``write_stage`` streams a
dataset into ``kept/``, ``rejected/`` and ``quarantine/`` in one pass through a
Ray Data datasink and commits by writing ``stage.json`` last, so a folder
without ``stage.json`` is an interrupted stage and is never read as input.

``read`` in ``stage.json`` is the count of records the reader delimited
(``pipeline.readers.tally``), kept apart from what was written, so the check
read = kept + rejected + quarantined fails when a record goes missing.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import ray
from ray.data.datasource import Datasink

from pipeline import progress
from pipeline.config import ReaderConfig, StorageConfig
from pipeline.documents import DROP_REASON, ERROR, QUARANTINE_SCHEMA, TEXT, ensure_base_columns
from pipeline.readers.datasource import DocumentDatasource
from pipeline.readers.tally import InputTally, TaskCount
from pipeline.resources import StageResources, blocks_for, task_options
from pipeline.runtime import ensure_ray
from pipeline.stage_files import STAGE_FILE, input_files, prepare_output, read_stage_manifest  # noqa: F401 (re-exported)
from pipeline.storage import Storage, join

KINDS = ("kept", "rejected", "quarantine")
UNKNOWN_LANG = "und"


def read_documents(
    inputs: str | list[str],
    reader: ReaderConfig | None = None,
    storage: StorageConfig | Storage | None = None,
    *,
    tally: InputTally | None = None,
    res: StageResources | None = None,
) -> ray.data.Dataset:
    """A Ray Dataset of document rows (and quarantine rows) from files, folders, globs or stage outputs.

    With ``tally``, the read tasks count their records into it; pass the same
    tally to ``write_stage`` to check the output against that count.
    ``res`` (``resources.io``) is what each read task reserves; the block count
    follows the input's size and that budget (``blocks_for``), not Ray's default
    of 200 blocks (~1 MB each: a task's overhead per block in every later stage)
    nor the cluster's size.
    """
    inputs = [inputs] if isinstance(inputs, str) else list(inputs)
    storage = storage if isinstance(storage, Storage) else Storage(storage)
    reader = reader or ReaderConfig()
    res = res or StageResources()
    files = input_files(inputs, storage)
    if not files:
        return ray.data.from_arrow(ensure_base_columns(pa.table({"id": pa.array([], pa.string())})))
    ensure_ray()  # the embedded runtime, not whatever ray.init() would find on this machine
    blocks = blocks_for(sum(f.size for f in files), res.memory_bytes)
    source = DocumentDatasource(files, reader, storage, progress=progress.current(), tally=tally)
    return ray.data.read_datasource(source, override_num_blocks=blocks, **task_options(res))


# -- writing --------------------------------------------------------------------


def _kind_masks(table: pa.Table) -> dict[str, Any]:
    quarantined = pc.is_valid(table[ERROR])
    rejected = pc.and_(pc.invert(quarantined), pc.is_valid(table[DROP_REASON]))
    kept = pc.and_(pc.invert(quarantined), pc.invert(rejected))
    return {"kept": kept, "rejected": rejected, "quarantine": quarantined}


def _group_counts(table: pa.Table, keys: list[str]) -> list[tuple]:
    """(key values..., count) for each group, computed in Arrow."""
    if not table.num_rows:
        return []
    grouped = table.select(keys).group_by(keys, use_threads=False).aggregate([([], "count_all")])
    return list(zip(*[grouped[k].to_pylist() for k in keys], grouped["count_all"].to_pylist()))


def _language_column(table: pa.Table) -> pa.Array:
    if "lang" in table.column_names:
        return pc.fill_null(table["lang"].cast(pa.string()), UNKNOWN_LANG)
    return pa.array([UNKNOWN_LANG] * table.num_rows, pa.string())


@dataclass
class PartResult:
    """What one write task wrote: files and counts, merged on the driver."""

    files: dict[str, list[dict]] = field(default_factory=lambda: {k: [] for k in KINDS})
    counts: Counter = field(default_factory=Counter)  # (kind, lang, reason) -> rows


class _PartWriter:
    """Parquet writers for the three kinds within one write task.

    Input fields that only some records carry can appear part-way through a
    task.  A block that fits the open file's schema (missing columns become
    nulls) goes into it; one that doesn't (new columns, clashing types) starts
    the next file, so heterogeneous input never fails a write.
    """

    def __init__(self, storage: Storage, out: str, task_idx: int):
        self.storage, self.out, self.task_idx = storage, out, task_idx
        self.open: dict[str, tuple] = {}  # kind -> (rel, sink, writer, rows)
        self.done: dict[str, list[dict]] = {k: [] for k in KINDS}

    def write(self, kind: str, table: pa.Table) -> None:
        if kind == "quarantine":
            table = table.select([f.name for f in QUARANTINE_SCHEMA]).cast(QUARANTINE_SCHEMA)
        else:
            table = table.drop_columns([c for c in ("offset", "line", "raw", "record_bytes") if c in table.column_names])
        if kind in self.open:
            fitted = _conform(table, self.open[kind][2].schema)
            if fitted is None:
                self._finish(kind)
            else:
                table = fitted
        if kind not in self.open:
            part = len(self.done[kind])
            rel = f"{kind}/part-{self.task_idx:05d}" + (f"-{part}" if part else "") + ".parquet"
            sink = self.storage.open_output(join(self.out, rel))
            # No dictionary for the text: documents are unique, and trying one costs a hash per row group.
            dictionary = [name for name in table.column_names if name != TEXT]
            writer = pq.ParquetWriter(sink.stream, table.schema, compression="zstd", use_dictionary=dictionary)
            self.open[kind] = (rel, sink, writer, 0)
        rel, sink, writer, rows = self.open[kind]
        writer.write_table(table)
        self.open[kind] = (rel, sink, writer, rows + table.num_rows)

    def _finish(self, kind: str) -> None:
        rel, sink, writer, rows = self.open.pop(kind)
        writer.close()
        sink.__exit__(None, None, None)
        size = self.storage.stat(join(self.out, rel)).size
        self.done[kind].append({"path": rel, "rows": rows, "bytes": size})

    def close(self) -> dict[str, list[dict]]:
        for kind in list(self.open):
            self._finish(kind)
        return self.done


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table | None:
    """``table`` in ``schema`` (missing columns null, same order), or None if it can't be."""
    if table.schema.equals(schema):
        return table
    if set(table.column_names) - set(schema.names):
        return None
    cols = []
    try:
        for f in schema:
            cols.append(table[f.name].cast(f.type) if f.name in table.column_names else pa.nulls(table.num_rows, f.type))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    return pa.table(cols, schema=schema)


class StageSink(Datasink[PartResult]):
    """Streams document tables into kept/, rejected/, quarantine/; stage.json is written by ``write_stage``."""

    def __init__(self, out: str, storage: Storage):
        self.out = out
        self.storage = storage
        self.result: PartResult | None = None
        self.progress = progress.current()

    def write(self, blocks, ctx) -> PartResult:
        writer = _PartWriter(self.storage, self.out, ctx.task_idx)
        result = PartResult()
        for block in blocks:
            table = ensure_base_columns(block if isinstance(block, pa.Table) else pa.Table.from_pandas(block))
            if not table.num_rows:
                continue
            langs = _language_column(table)
            reasons = pc.if_else(pc.is_valid(table[ERROR]), pa.scalar("quarantine"), pc.fill_null(table[DROP_REASON], ""))
            for kind, mask in _kind_masks(table).items():
                part = table.filter(mask)
                if not part.num_rows:
                    continue
                writer.write(kind, part)
                keyed = pa.table({"lang": langs.filter(mask), "reason": reasons.filter(mask)})
                for lang, reason, n in _group_counts(keyed, ["lang", "reason"]):
                    result.counts[(kind, lang, reason)] += n
            progress.report(self.progress, done=table.num_rows)
        result.files = writer.close()
        return result

    def on_write_complete(self, write_result) -> None:
        merged = PartResult()
        for part in write_result.write_returns:
            for kind in KINDS:
                merged.files[kind] += part.files[kind]
            merged.counts.update(part.counts)
        for kind in KINDS:
            merged.files[kind].sort(key=lambda f: f["path"])
        self.result = merged


@dataclass
class StageReport:
    """What a stage did: the content of its ``stage.json``."""

    stage: str
    out: str
    data: dict

    @property
    def counts(self) -> dict[str, int]:
        return self.data["counts"]

    def summary(self) -> str:
        c = self.counts
        lines = [f"{self.stage}: read {c['read']:,}  kept {c['kept']:,}  rejected {c['rejected']:,}  quarantined {c['quarantined']:,}"]
        for reason, n in sorted(self.data["rejected_by_reason"].items(), key=lambda kv: -kv[1]):
            lines.append(f"    rejected {reason}: {n:,}")
        for lang, row in sorted(self.data["by_language"].items()):
            lines.append(f"    {lang}: kept {row['kept']:,} / {row['read']:,}")
        lines.append(f"    output: {self.out}")
        return "\n".join(lines)


def check_counts(stage: str, written: dict[str, int], reader: TaskCount) -> None:
    """Fail, naming the files, when the output does not hold exactly the records the reader counted."""
    total = written["kept"] + written["rejected"] + written["quarantined"]
    if reader.seen == total and not reader.mismatched:
        return
    head = f"stage {stage}: the reader counted {reader.seen:,} records but kept + rejected + quarantined = {total:,}"
    if reader.mismatched:
        raise RuntimeError(f"{head}; records lost or invented while reading {reader.describe_mismatches()}")
    raise RuntimeError(f"{head}; every file's records left the reader, so rows were lost or added after it (in the stage or the writer)")


def build_stage_data(stage: str, result: PartResult, seconds: float, extra: dict | None, reader: TaskCount | None = None) -> dict:
    """stage.json's content; ``read`` is the reader's own count when ``reader`` is given."""
    by_lang: dict[str, dict] = defaultdict(lambda: {"read": 0, "kept": 0, "rejected": 0, "quarantined": 0, "rejected_by_reason": {}})
    by_reason: Counter = Counter()
    totals = Counter()
    for (kind, lang, reason), n in sorted(result.counts.items()):
        key = "quarantined" if kind == "quarantine" else kind
        totals[key] += n
        row = by_lang[lang]
        row["read"] += n
        row[key] += n
        if kind == "rejected":
            row["rejected_by_reason"][reason] = row["rejected_by_reason"].get(reason, 0) + n
            by_reason[reason] += n
    counts = {"read": sum(totals.values()), "kept": totals["kept"], "rejected": totals["rejected"], "quarantined": totals["quarantined"]}
    if reader is not None:
        check_counts(stage, counts, reader)
        counts["read"] = reader.seen
    data = {
        "format_version": 1,
        "stage": stage,
        "counts": counts,
        "rejected_by_reason": dict(sorted(by_reason.items())),
        "by_language": {k: by_lang[k] for k in sorted(by_lang)},
        "files": result.files,
        "seconds": round(seconds, 3),
    }
    if extra:
        data.update(extra)
    return data


def write_stage(
    ds: ray.data.Dataset,
    out: str,
    stage: str,
    *,
    storage: StorageConfig | Storage | None = None,
    overwrite: bool = False,
    extra: dict | None = None,
    started: float | None = None,
    tally: InputTally | None = None,
    res: StageResources | None = None,
    prepared: bool = False,
) -> StageReport:
    """Write ``ds`` as a stage output folder and commit it with ``stage.json``.

    ``extra`` is merged into stage.json (e.g. the stage's effective config).
    ``tally``, the one ``ds`` was read with, makes ``read`` the reader's count
    and is checked against the output before anything is committed; ``res``
    (``resources.io``) is what each write task reserves.  ``prepared``: the
    caller has already cleared ``out`` (``prepare_output``) and may have put
    files there that ``ds`` still reads (a stage's checkpoints).
    """
    storage = storage if isinstance(storage, Storage) else Storage(storage)
    started = time.time() if started is None else started
    if not prepared:
        prepare_output(out, storage, overwrite)
    sink = StageSink(out, storage)
    ds.write_datasink(sink, ray_remote_args=task_options(res or StageResources()))
    result = sink.result or PartResult()
    data = build_stage_data(stage, result, time.time() - started, extra, tally.total() if tally is not None else None)
    storage.write_bytes(join(out, STAGE_FILE), json.dumps(data, indent=2, ensure_ascii=False).encode())
    return StageReport(stage, out, data)
