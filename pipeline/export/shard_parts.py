"""One shard's share of an export, without Ray: its mixture histograms, then its parts.

A shard is checked against its manifest entry before anything is read from
it (before its tokens are written: "full", the sha256 too, since every byte
is read anyway), so a truncated or corrupt shard stops the export with the
shard's name.  Its documents are
chosen by the mixture's per-document keys (``pentaglot_reader.mixture``) and
written pass by pass as a part per output dataset: the raw token ids in
Megatron's dtype (``.bin``) and a provenance table (``.parquet``, one row per
sequence: source id, the document's source -- the input file it was read
from, or the record's own ``source`` -- language, shard, row, pass, tokens;
the source is null for shards written before shards carried it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pentaglot_reader.check import check_shard, token_arrays
from pentaglot_reader.format import ID, LANG, SOURCE, TokenizerInfo
from pentaglot_reader.manifest import ShardEntry
from pentaglot_reader.mixture import LanguagePlan, bucket_histogram, key_buckets
from pipeline.errors import UserError
from pipeline.storage import Storage, is_s3, join

MERGED = "merged"
PARTS = "_parts"
# Tokens gathered per write: large enough to amortize numpy calls, small enough to stay well under a task's memory.
_WRITE_TOKENS = 1 << 25


@dataclass(frozen=True)
class ShardTask:
    """Where one shard is and what the export does with it."""

    shards: str
    entry: ShardEntry
    index: int
    first_doc: int
    tokenizer: TokenizerInfo
    plans: tuple[LanguagePlan, ...] | None  # None: every document once
    seed: int


def part_uri(out: str, dataset: str, index: int, suffix: str) -> str:
    return join(out, PARTS, dataset, f"{index:06d}{suffix}")


def load_batch(storage: Storage, task: ShardTask, checks: str) -> pa.RecordBatch:
    """The shard's single record batch, once checked against its manifest entry."""
    uri = join(task.shards, task.entry.path)
    if storage.stat(uri) is None:
        raise UserError(f"{uri}: shard missing (listed in {join(task.shards, 'manifest.json')}); re-run tokenize")
    data = pa.memory_map(uri, "r").read_buffer() if not is_s3(uri) else pa.py_buffer(storage.read_bytes(uri))
    problems = check_shard(data, task.entry, task.tokenizer, checks)
    if problems:
        raise UserError(f"{task.shards}: shard {problems[0]}; re-run tokenize or restore the shard")
    return pa.ipc.open_file(data).get_batch(0)


def histograms(storage: Storage, task: ShardTask) -> dict[str, np.ndarray]:
    """Tokens and documents per key bucket, per language that takes a partial pass.

    Only lengths and languages are read here, so the check is the quick one;
    ``write_parts`` reads every token and checks every byte.
    """
    batch = load_batch(storage, task, "quick")
    _, offsets = token_arrays(batch)
    lengths = np.diff(offsets)
    docs = task.first_doc + np.arange(batch.num_rows, dtype=np.int64)
    out = {}
    for p in task.plans or ():
        if p.remainder > 0:
            rows = np.flatnonzero(pc.equal(batch.column(LANG), p.lang).to_numpy(zero_copy_only=False))
            out[p.lang] = bucket_histogram(key_buckets(docs[rows], p.lang, task.seed, 0), lengths[rows])
    return out


def copies(batch: pa.RecordBatch, task: ShardTask, cuts: dict[str, int]) -> np.ndarray:
    """How many times each row goes into the export: its language's whole passes, plus one if its key is below the cut."""
    if task.plans is None:
        return np.ones(batch.num_rows, dtype=np.int64)
    out = np.zeros(batch.num_rows, dtype=np.int64)
    docs = task.first_doc + np.arange(batch.num_rows, dtype=np.int64)
    for p in task.plans:
        rows = np.flatnonzero(pc.equal(batch.column(LANG), p.lang).to_numpy(zero_copy_only=False))
        out[rows] = p.full_passes + (key_buckets(docs[rows], p.lang, task.seed, 0) < cuts.get(p.lang, 0))
    return out


def _pass_major(rows: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows repeated ``counts`` times, ordered pass by pass, and the pass of each."""
    passes = [np.flatnonzero(counts > q) for q in range(int(counts.max(initial=0)))]
    order = np.concatenate(passes) if passes else np.zeros(0, np.int64)
    which = np.repeat(np.arange(len(passes), dtype=np.int16), [len(p) for p in passes])
    return rows[order], which


def _write_tokens(storage: Storage, uri: str, values: np.ndarray, starts: np.ndarray, stops: np.ndarray, dtype) -> None:
    """The selected token ranges, concatenated in Megatron's dtype, in bounded groups."""
    sizes = stops - starts
    group = (np.cumsum(sizes) - sizes) // _WRITE_TOKENS  # by the stream position each range starts at
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(sizes)]])
    with storage.open_output(uri) as f:
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            pieces = [values[a:b] for a, b in zip(starts[lo:hi].tolist(), stops[lo:hi].tolist())]
            f.write(np.concatenate(pieces, dtype=dtype, casting="unsafe").tobytes() if pieces else b"")


def write_parts(storage: Storage, task: ShardTask, cuts: dict[str, int], per_language: bool, out: str,
                dtype: np.dtype) -> dict[str, dict]:
    """Write this shard's parts; sequences and tokens per dataset it contributes to."""
    batch = load_batch(storage, task, "full")
    values, offsets = token_arrays(batch)
    counts = copies(batch, task, cuts)
    langs = batch.column(LANG)
    names = batch.schema.names
    sources = batch.column(SOURCE) if SOURCE in names else pa.nulls(batch.num_rows, pa.string())
    if per_language:
        groups = {lang: np.flatnonzero(pc.equal(langs, lang).to_numpy(zero_copy_only=False))
                  for lang in pc.unique(langs).to_pylist()}
    else:
        groups = {MERGED: np.arange(batch.num_rows, dtype=np.int64)}
    written = {}
    for dataset, rows in sorted(groups.items()):
        rows, passes = _pass_major(rows, counts[rows])
        if not len(rows):
            continue
        starts, stops = offsets[rows], offsets[rows + 1]
        _write_tokens(storage, part_uri(out, dataset, task.index, ".bin"), values, starts, stops, dtype)
        take = pa.array(rows)
        columns = {
            ID: batch.column(ID).take(take),
            SOURCE: sources.take(take).cast(pa.string()),
            LANG: langs.take(take),
            "shard": pa.repeat(pa.scalar(task.entry.path, pa.string()), len(rows)),
            "row": pa.array(rows),
            "pass": pa.array(passes),
            "n_tokens": pa.array((stops - starts).astype(np.int32)),
        }
        with storage.open_output(part_uri(out, dataset, task.index, ".parquet")) as f:
            pq.write_table(pa.table(columns), f.stream)
        written[dataset] = {"sequences": len(rows), "tokens": int((stops - starts).sum())}
    return written
