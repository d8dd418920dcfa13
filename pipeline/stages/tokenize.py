"""The tokenize stage on Ray: documents to committed token shards.

Read → tokenize in an actor pool (one sentencepiece model per actor, batched
multi-threaded encode) → hash-partition rows by ``id`` into buckets → write
each bucket as sorted shards through ``ShardDatasink`` → ``manifest.json``.

Why buckets: Ray delivers blocks in whatever order tasks finish, so a writer
that cut shards from its input stream would produce different files on every
run.  A row's bucket is a hash of its id, a bucket reaches exactly one write
task whole (the key repartition never splits a partition), and the writer
sorts it by id, so the files depend only on the input, config and tokenizer.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from pipeline.config import ReaderConfig
from pipeline.documents import DROP_REASON, ERROR, ensure_base_columns, live_mask
from pipeline.errors import UserError
from pipeline.runtime import ensure_ray
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.encode import Encoder
from pipeline.shards.format import ID, LANG, N_TOKENS, TOKENS, UNKNOWN_LANG
from pipeline.shards.sink import SKIP, ShardDatasink
from pipeline.shards.writer import BUCKET, buckets_of
from pipeline.stage_io import input_files, prepare_output, read_documents
from pipeline.storage import Storage

QUARANTINE = "quarantine"


def _skipped_rows(table: pa.Table, dtype: np.dtype) -> pa.Table:
    """Rows not tokenized (rejected upstream or quarantined), kept only to be counted."""
    reason = pc.if_else(pc.is_valid(table[ERROR]), pa.scalar(QUARANTINE), table[DROP_REASON])
    n = table.num_rows
    empty = pa.LargeListArray.from_arrays(pa.array(np.zeros(n + 1, np.int64)), pa.array(np.zeros(0, dtype)))
    langs = table[LANG].cast(pa.string()) if LANG in table.column_names else pa.nulls(n, pa.string())
    return pa.table(
        {
            ID: pc.fill_null(table[ID].cast(pa.string()), ""),
            LANG: pc.fill_null(langs, UNKNOWN_LANG),
            N_TOKENS: pa.array(np.zeros(n, np.int32)),
            TOKENS: empty,
            BUCKET: pa.array(np.full(n, -1, np.int32)),
            SKIP: reason,
        }
    )


class TokenizeActor:
    """Holds one parsed tokenizer; Ray calls it once per batch of documents."""

    def __init__(self, model_bytes: bytes, config: TokenizeConfig, num_buckets: int):
        self.encoder = Encoder(model_bytes, config)
        self.num_buckets = num_buckets

    def __call__(self, table: pa.Table) -> pa.Table:
        table = ensure_base_columns(table)
        mask = live_mask(table)
        live = table.filter(mask)
        tokens = self.encoder.encode_table(live)
        tokens = tokens.append_column(BUCKET, pa.array(buckets_of(tokens[ID], self.num_buckets)))
        tokens = tokens.append_column(SKIP, pa.nulls(tokens.num_rows, pa.string()))
        rest = table.filter(pc.invert(mask))
        if not rest.num_rows:
            return tokens
        return pa.concat_tables([tokens, _skipped_rows(rest, self.encoder.dtype)])


def actor_resources(config: TokenizeConfig, cluster_cpus: float) -> tuple[ray.data.ActorPoolStrategy, float]:
    """The actor pool and the CPUs each actor reserves.

    The pool reserves at most all CPUs but one: reading, the repartition and
    the shard writes are tasks that need a whole free CPU, and a pool holding
    every CPU waits on them forever.  An actor still runs ``threads`` encode
    threads; the reservation only steers scheduling (on a 1-CPU machine the
    pool reserves nothing and shares the CPU with those tasks).
    """
    budget = max(cluster_cpus - 1, 0.0)
    if config.actors is not None:
        actors = config.actors
        pool = ray.data.ActorPoolStrategy(size=actors)
    else:
        actors = max(1, int(budget // config.threads))
        pool = ray.data.ActorPoolStrategy(min_size=1, max_size=actors)
    return pool, min(float(config.threads), budget / actors)


def tokenize(ds: ray.data.Dataset, model_bytes: bytes, config: TokenizeConfig, num_buckets: int) -> ray.data.Dataset:
    """Token rows with their bucket, partitioned so each bucket is in one block."""
    pool, cpus_per_actor = actor_resources(config, ray.cluster_resources().get("CPU", 1))
    tokens = ds.map_batches(
        TokenizeActor,
        fn_constructor_args=(model_bytes, config, num_buckets),
        batch_size=config.batch_size,
        batch_format="pyarrow",
        compute=pool,
        num_cpus=cpus_per_actor,
    )
    return tokens.repartition(num_buckets, keys=[BUCKET])


def auto_buckets(inputs: list[str], storage: Storage, config: TokenizeConfig) -> int:
    """Input bytes / target shard bytes: a deterministic guess that keeps buckets near one shard.

    Token bytes are roughly 0.5-1x raw text bytes; a bucket that ends up
    larger than the target is simply cut into several shards.
    """
    if config.buckets is not None:
        return config.buckets
    total = sum(f.size for f in input_files(inputs, storage))
    return max(1, math.ceil(total / (config.shard_mb << 20)))


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
    num_buckets = auto_buckets(inputs, storage, config)
    prepare_output(out, storage, overwrite)
    ds = tokenize(read_documents(inputs, reader, storage), model_bytes, config, num_buckets)
    recipe = {
        "inputs": list(inputs),
        "tokenize": config.model_dump(mode="json"),
        "buckets": num_buckets,
        "reader": (reader or ReaderConfig()).model_dump(mode="json"),
    }
    sink = ShardDatasink(out, storage, encoder.info, config.tokenizer, recipe, config.shard_mb << 20)
    ds.write_datasink(sink)
    return TokenizeReport(out, sink.manifest, time.time() - started)
