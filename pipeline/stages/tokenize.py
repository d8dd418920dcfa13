"""The tokenize stage on Ray: documents to committed token shards, in two phases.

1. The input is planned into *pieces* (groups of read units, see
   ``pipeline.readers.units.plan_groups``).  A pool of Ray actors (one
   sentencepiece model each, batched encode) takes one piece per call: it
   reads the piece, encodes it and writes its token rows, grouped by hash
   bucket of the document id, as one run file (``pipeline.shards.runs``)
   under ``OUT/_runs/``.
2. The same actors then take one bucket per call: read that bucket from
   every run, sort it by id and write it as shards; the driver deletes the
   runs and writes ``manifest.json`` last.

An actor runs several calls at once (:func:`calls_per_actor`): its CPUs
divided by the encode threads of one call.  Why calls rather than threads:
reading JSON into Arrow, slicing and writing are single-threaded, so one call
encoding on 2 threads left a CPU idle while it read, and sentencepiece's
encode threads scale poorly besides; two 1-thread calls keep both CPUs busy
(benchmarks/megatron_compare.py, 500 MB at load ~5: the work went from 1.51x
to 2.37x Megatron's preprocessing speed).

Why buckets sorted by id: the input is usually an earlier stage's output,
whose part files differ between runs and clusters, so shards cut from the
input order would too.  Why run files rather than Ray's repartition: token
rows never travel through the object store, and the repartition plus a
per-bucket sort cost half the stage.
"""

from __future__ import annotations

import math
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.compute as pc
import ray

from pentaglot_reader import manifest as mf
from pentaglot_reader.format import MANIFEST_NAME
from pipeline import progress
from pipeline.config import ReaderConfig
from pipeline.documents import DROP_REASON, ERROR, ensure_base_columns, live_mask
from pipeline.errors import UserError
from pipeline.preflight import check_stage_input
from pipeline.progress import stage_progress
from pipeline.readers.units import Unit, plan_groups, read_group
from pipeline.resources import ResourcesConfig, StageResources, check_fits, fit_cpus, node_shapes, task_options
from pipeline.runtime import ensure_ray
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.encode import Encoder
from pipeline.shards.runs import read_bucket, write_run
from pipeline.shards.writer import write_shards
from pipeline.stage_files import prepare_output
from pipeline.storage import Storage, join

QUARANTINE = "quarantine"
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


class TokenizeWorker:
    """Holds one parsed tokenizer and does both phases' work: pieces to runs, then buckets to shards.

    Both calls are idempotent (a run or shard is written atomically under a
    name fixed by its piece or bucket), so Ray may retry them on a restarted
    actor after a node is lost.  Calls run concurrently on the actor's
    threads (``max_concurrency``), so nothing here changes after
    ``__init__``: sentencepiece's encode is const and releases the GIL, the
    settings are read only, and ``Storage`` creates its clients under a lock.
    """

    def __init__(self, model_bytes: bytes, config: TokenizeConfig, reader: ReaderConfig, storage: Storage, out: str,
                 buckets: int):
        self.encoder = Encoder(model_bytes, config)
        self.config = config
        self.reader = reader
        self.storage = storage
        self.out = out
        self.buckets = buckets

    def piece(self, index: int, units: list[Unit], counter=None) -> dict:
        """Read, encode and write piece ``index`` as a run; report whether it had rows and what it skipped.

        ``counter``: the ``pipeline.progress`` counter the reading reports to.
        """
        tokens, skipped = [], Counter()
        for table in read_group(units, self.reader, self.storage, counter):
            table = ensure_base_columns(table)
            mask = live_mask(table)
            skipped += skip_counts(table.filter(pc.invert(mask)))
            live = table.filter(mask)
            for start in range(0, live.num_rows, self.config.batch_size):
                tokens.append(self.encoder.encode_table(live.slice(start, self.config.batch_size)))
        written = write_run(self.storage, run_uri(self.out, index), pa.concat_tables(tokens), self.buckets, self.encoder.info) if tokens else 0
        return {"piece": index, "run": bool(tokens), "bytes": written, "skipped": dict(skipped)}

    def bucket(self, bucket: int, runs: list[str], target: int, counter=None) -> list[dict]:
        """Phase two: the bucket's rows from every run, sorted by id, as shards.

        ``counter``: the ``pipeline.progress`` counter that hears of the rows
        and run bytes the bucket read, once its shards are written.
        """
        table, nbytes = read_bucket(self.storage, runs, bucket)
        entries = write_shards(self.storage, self.out, bucket, table, self.encoder.info, target)
        progress.report(counter, docs=table.num_rows, nbytes=nbytes)
        return [asdict(e) for e in entries]


def calls_per_actor(res: StageResources, config: TokenizeConfig) -> int:
    """Calls one actor runs at once: the CPUs it reserves over one call's encode threads (at least one).

    Each call holds one piece (or bucket) in memory, so an actor's memory
    budget covers this many: with the defaults two calls of one shard's worth
    of tokens each.
    """
    return max(1, int(fit_cpus(res.cpus) // config.threads))


def pool_size(res: StageResources, pieces: int, calls: int = 1) -> int:
    """Actors to ask for: one per ``calls`` pieces up to ``max_actors``, at least ``min_actors``.

    Not the cluster's size: actors the cluster can't place yet stay pending,
    which is what asks an autoscaler for nodes; work goes only to started
    actors (:class:`_GrowingPool`), so a fixed cluster finishes on those it holds.
    """
    wanted = -(-pieces // calls)
    return max(res.min_actors, min(wanted, res.max_actors or wanted))


class _GrowingPool:
    """Ray actors fed calls as they start and as they free up, ``slots`` calls at a time each.

    Plain Ray actors rather than a Ray Data actor pool: no blocks flow
    between the phases, and Ray Data's executor start, its gap between the two
    datasets and a fresh set of workers for phase two cost seconds of a 30 s
    run (see benchmarks/README.md, token shards).  Unlike ``ray.util.ActorPool``
    no call is queued on an actor that hasn't started, which on a cluster that
    never grows would wait forever.  A started actor is listed ``slots``
    times as idle (its ``max_concurrency``), one entry per call it can run.
    """

    def __init__(self, actors: list, slots: int = 1):
        self.actors = actors
        self.slots = slots
        self.starting = {actor.__ray_ready__.remote(): actor for actor in actors}
        self.idle: list = []

    def map(self, method: str, calls: list[tuple]) -> list:
        """Each call's result, in order, with every started actor kept busy until the calls run out."""
        queue = deque(enumerate(calls))
        running: dict = {}
        results: list = [None] * len(calls)
        while queue or running:
            while self.idle and queue:
                index, args = queue.popleft()
                actor = self.idle.pop()
                running[getattr(actor, method).remote(*args)] = (index, actor)
            (ref,), _ = ray.wait([*running, *self.starting], num_returns=1)
            if ref in self.starting:
                ray.get(ref)  # an actor whose constructor failed raises here
                self.idle += [self.starting.pop(ref)] * self.slots
                continue
            index, actor = running.pop(ref)
            results[index] = ray.get(ref)
            self.idle.append(actor)
        return results

    def kill(self) -> None:
        for actor in self.actors:
            ray.kill(actor)


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
    resources: StageResources | None = None,
) -> TokenizeReport:
    """Tokenize ``inputs`` into a committed shard folder ``out``; actors reserve ``resources`` (``resources.tokenize``)."""
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
    started = time.time()
    reader = reader or ReaderConfig()
    files = check_stage_input("tokenize", inputs, out, reader, storage, overwrite)
    total = sum(f.size for f in files)
    target = piece_bytes(total, config)
    pieces = plan_groups(files, reader, storage, target)
    prepare_output(out, storage, overwrite)
    ensure_ray(num_cpus)
    res = resources or ResourcesConfig().tokenize
    check_fits(fit_cpus(res.cpus), res.reserved_bytes, node_shapes(), "resources.tokenize.cpus", "resources.tokenize.memory_mb")
    buckets = num_buckets(total, config)
    entries, skipped = [], Counter()
    if pieces:
        calls = calls_per_actor(res, config)
        worker = ray.remote(TokenizeWorker).options(
            **task_options(res, share=1.0), max_concurrency=calls, max_restarts=-1, max_task_retries=-1
        )
        actors = [worker.remote(model_bytes, config, reader, storage, out, buckets) for _ in range(pool_size(res, len(pieces), calls))]
        pool = _GrowingPool(actors, calls)
        try:
            # Biggest pieces first, so the last calls are short and no worker waits long for another.
            order = sorted(range(len(pieces)), key=lambda i: (-sum(u.size for u in pieces[i]), i))
            with stage_progress("tokenize", total, counts_done=False):
                outcomes = pool.map("piece", [(i, pieces[i], progress.current()) for i in order])
            for outcome in outcomes:
                skipped.update(outcome["skipped"])
            runs = [run_uri(out, i) for i in sorted(o["piece"] for o in outcomes if o["run"])]
            if runs:
                shared = ray.put(runs)  # once in the object store, not once per bucket call
                with stage_progress("tokenize shards", sum(o["bytes"] for o in outcomes), counts_done=False):
                    written = pool.map("bucket", [(b, shared, config.shard_mb << 20, progress.current()) for b in range(buckets)])
                entries = [mf.ShardEntry.from_dict(e) for shard_list in written for e in shard_list]
                storage.delete(join(out, RUNS))
        finally:
            pool.kill()
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
