"""The tokenize stage on Ray: documents to committed token shards, in two phases.

1. The input is planned into *pieces* (groups of read units, see
   ``pipeline.readers.datasource.plan_groups``).  An actor pool (one
   sentencepiece model per actor, batched multi-threaded encode) takes one
   piece per call: it reads the piece, encodes it and writes its token rows,
   grouped by hash bucket of the document id, as one run file
   (``pipeline.shards.runs``) under ``OUT/_runs/``.
2. One task per bucket reads that bucket from every run, sorts it by id and
   writes it as shards; the driver deletes the runs and writes
   ``manifest.json`` last.

Why buckets sorted by id: the input is usually an earlier stage's output,
whose part files differ between runs and clusters, so shards cut from the
input order would too.  Why run files rather than Ray's repartition: token
rows never travel through the object store, and the repartition plus a
per-bucket sort cost half the stage.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.compute as pc
import ray

from pipeline.config import ReaderConfig
from pipeline.documents import DROP_REASON, ERROR, ensure_base_columns, live_mask
from pipeline.errors import UserError
from pipeline.readers.datasource import Unit, plan_groups, read_group
from pipeline.runtime import data_settings, ensure_ray
from pipeline.shards import manifest as mf
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.encode import Encoder
from pipeline.shards.format import MANIFEST_NAME, TokenizerInfo
from pipeline.shards.runs import read_bucket, write_run
from pipeline.shards.writer import write_shards
from pipeline.stage_io import input_files, prepare_output
from pipeline.storage import Storage, join

QUARANTINE = "quarantine"
PIECE = "piece"
BUCKET = "bucket"
RESULT = "result"
RUNS = "_runs"
# Text bytes per shard byte, roughly: a uint16 token covers ~4 bytes of text.
_TEXT_PER_SHARD_BYTE = 2
# Smaller pieces are not worth an actor call and a file of their own.
_MIN_PIECE_BYTES = 16 << 10


def run_uri(out: str, piece: int) -> str:
    return join(out, RUNS, f"run-{piece:05d}.arrow")


def _shard_text_bytes(config: TokenizeConfig) -> int:
    return _TEXT_PER_SHARD_BYTE * (config.shard_mb << 20)


def num_buckets(total: int, config: TokenizeConfig) -> int:
    """The setting, else about one shard's worth of text per bucket."""
    if config.buckets is not None:
        return config.buckets
    return max(1, math.ceil(total / _shard_text_bytes(config)))


def piece_bytes(total: int, config: TokenizeConfig) -> int:
    """Target text bytes per piece: about one shard's worth, but at least ``min_pieces`` pieces."""
    return min(_shard_text_bytes(config), max(_MIN_PIECE_BYTES, math.ceil(total / config.min_pieces)))


def skip_counts(table: pa.Table) -> Counter:
    """Rows not tokenized (quarantined, or rejected upstream) by reason."""
    if not table.num_rows:
        return Counter()
    reason = pc.if_else(pc.is_valid(table[ERROR]), pa.scalar(QUARANTINE), table[DROP_REASON])
    counts = pc.value_counts(reason)
    return Counter(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist())))


class TokenizeActor:
    """Holds one parsed tokenizer; Ray calls it with piece numbers to read, encode and write as runs."""

    def __init__(self, model_bytes: bytes, config: TokenizeConfig, pieces: list[list[Unit]], reader: ReaderConfig,
                 storage: Storage, out: str, buckets: int):
        self.encoder = Encoder(model_bytes, config)
        self.config = config
        self.pieces = pieces
        self.reader = reader
        self.storage = storage
        self.out = out
        self.buckets = buckets

    def __call__(self, batch: pa.Table) -> pa.Table:
        results = [json.dumps(self.piece(index)) for index in batch[PIECE].to_pylist()]
        return pa.table({RESULT: pa.array(results, pa.string())})

    def piece(self, index: int) -> dict:
        tokens, skipped = [], Counter()
        for table in read_group(self.pieces[index], self.reader, self.storage):
            table = ensure_base_columns(table)
            mask = live_mask(table)
            skipped += skip_counts(table.filter(pc.invert(mask)))
            live = table.filter(mask)
            for start in range(0, live.num_rows, self.config.batch_size):
                tokens.append(self.encoder.encode_table(live.slice(start, self.config.batch_size)))
        if tokens:
            write_run(self.storage, run_uri(self.out, index), pa.concat_tables(tokens), self.buckets, self.encoder.info)
        return {"piece": index, "run": bool(tokens), "skipped": dict(skipped)}


def write_bucket(batch: pa.Table, storage: Storage, out: str, runs: list[str], info: TokenizerInfo, target: int) -> pa.Table:
    """Phase two: each bucket of the call, its rows from every run sorted by id, as shards."""
    results = []
    for bucket in batch[BUCKET].to_pylist():
        entries = write_shards(storage, out, bucket, read_bucket(storage, runs, bucket), info, target)
        results.append(json.dumps([asdict(e) for e in entries]))
    return pa.table({RESULT: pa.array(results, pa.string())})


def actor_pool(
    config: TokenizeConfig, cluster_cpus: float, pieces: int, node_cpus: float | None = None
) -> tuple[ray.data.ActorPoolStrategy, float]:
    """The actor pool and the CPUs each actor reserves.

    Nothing else runs while the pool works (the pieces come from the driver
    and the actors write their own shards), so the actors may hold every CPU.
    An actor reserves at most one node's CPUs (``node_cpus``, the largest
    node): on 1-CPU nodes a 2-thread actor reserves 1 and still runs two
    threads, instead of waiting forever for a 2-CPU node.  The pool starts at
    full size: the work is known up front, and growing it on demand left a CPU
    idle for most of a short run.  Two calls in flight per actor (run one
    after the other): with one, each actor sat idle for Ray's scheduling round
    trip between pieces, ~25% of a 12 MB piece.
    """
    per_actor = min(float(config.threads), node_cpus or cluster_cpus)
    actors = config.actors or max(1, min(pieces, int(cluster_cpus // per_actor)))
    pool = ray.data.ActorPoolStrategy(size=actors, max_tasks_in_flight_per_actor=2)
    return pool, min(per_actor, cluster_cpus / actors)


def largest_node_cpus() -> float:
    """CPUs of the biggest alive node (an actor's reservation must fit on one)."""
    return max((n["Resources"].get("CPU", 0.0) for n in ray.nodes() if n["Alive"]), default=1.0)


@dataclass
class TokenizeReport:
    """The committed manifest plus how long the run took (kept out of the manifest: it varies)."""

    out: str
    manifest: dict
    seconds: float

    def summary(self) -> str:
        t = self.manifest["totals"]
        per_token = t["bytes"] / t["tokens"] if t["tokens"] else 0.0
        lines = [
            f"tokenize: {t['rows']:,} documents -> {t['tokens']:,} tokens in {t['shards']} shards "
            f"({t['bytes'] / 2**20:,.1f} MiB, {per_token:.2f} bytes/token, {self.manifest['tokenizer']['dtype']}) "
            f"in {self.seconds:.1f} s"
        ]
        for lang, n in t["tokens_by_lang"].items():
            lines.append(f"    {lang}: {t['docs_by_lang'][lang]:,} documents, {n:,} tokens")
        for reason, n in self.manifest["skipped"].items():
            lines.append(f"    not tokenized ({reason}): {n:,}")
        lines.append(f"    output: {self.out}")
        return "\n".join(lines)


def run_tokenize(
    inputs: list[str],
    out: str,
    config: TokenizeConfig,
    reader: ReaderConfig | None = None,
    storage: Storage | None = None,
    overwrite: bool = False,
    num_cpus: int | None = None,
) -> TokenizeReport:
    """Tokenize ``inputs`` into a committed shard folder ``out``."""
    storage = storage or Storage()
    if config.tokenizer is None:
        raise UserError("tokenize.tokenizer: not set; pass --tokenizer MODEL (a sentencepiece .model file)")
    if storage.stat(config.tokenizer) is None:
        raise UserError(f"{config.tokenizer}: tokenizer model not found; pass the path of a sentencepiece .model file")
    model_bytes = storage.read_bytes(config.tokenizer)
    try:
        encoder = Encoder(model_bytes, config, where=config.tokenizer)
    except ValueError as err:
        raise UserError(str(err)) from None
    if any(i.rstrip("/") == out.rstrip("/") for i in inputs):
        raise UserError(f"{out}: output is also an input; choose another output path")
    ensure_ray(num_cpus)
    started = time.time()
    reader = reader or ReaderConfig()
    files = input_files(inputs, storage)
    total = sum(f.size for f in files)
    target = piece_bytes(total, config)
    pieces = plan_groups(files, reader, storage, target)
    prepare_output(out, storage, overwrite)
    buckets = num_buckets(total, config)
    entries, skipped, runs = [], Counter(), []
    if pieces:
        pool, cpus = actor_pool(config, ray.cluster_resources().get("CPU", 1), len(pieces), largest_node_cpus())
        work = ray.data.from_items([{PIECE: i} for i in range(len(pieces))], override_num_blocks=len(pieces))
        done = work.map_batches(
            TokenizeActor,
            fn_constructor_args=(model_bytes, config, pieces, reader, storage, out, buckets),
            batch_size=1,
            batch_format="pyarrow",
            compute=pool,
            num_cpus=cpus,
        )
        with data_settings(reservation=False):
            results = done.take_all()
        outcomes = [json.loads(row[RESULT]) for row in results]
        for outcome in outcomes:
            skipped.update(outcome["skipped"])
        runs = [run_uri(out, i) for i in sorted(o["piece"] for o in outcomes if o["run"])]
    if runs:
        # A few calls per CPU, each writing several buckets: a bucket is a fraction
        # of a second of work, less than Ray's gap between two tasks on a worker.
        calls = min(buckets, 2 * max(1, int(ray.cluster_resources().get("CPU", 1))))
        tasks = ray.data.from_items([{BUCKET: b} for b in range(buckets)], override_num_blocks=calls)
        written = tasks.map_batches(
            write_bucket,
            fn_args=(storage, out, runs, encoder.info, config.shard_mb << 20),
            batch_size=None,
            batch_format="pyarrow",
        )
        with data_settings(reservation=False):
            rows = written.take_all()
        entries = [mf.ShardEntry.from_dict(e) for row in rows for e in json.loads(row[RESULT])]
        storage.delete(join(out, RUNS))
    recipe = {
        "inputs": list(inputs),
        "tokenize": config.model_dump(mode="json"),
        "piece_bytes": target,
        "buckets": buckets,
        "reader": reader.model_dump(mode="json"),
    }
    entries.sort(key=lambda e: e.path)
    manifest = mf.build_manifest(encoder.info, config.tokenizer, recipe, entries, skipped)
    storage.write_bytes(join(out, MANIFEST_NAME), mf.dumps(manifest))
    return TokenizeReport(out, manifest, time.time() - started)
