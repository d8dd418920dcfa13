"""The Ray Data datasink that writes token shards and commits them with a manifest.

Each write task receives whole hash buckets (the stage repartitions by bucket
before writing), writes them as shards, and returns their manifest entries;
``on_write_complete`` runs once on the driver after every task succeeded and
writes ``manifest.json`` last.  Until then the folder holds no committed
shards, so a crashed run can't be mistaken for a finished one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Iterable

import pyarrow as pa
from ray.data.block import Block, BlockAccessor
from ray.data.datasource.datasink import Datasink, WriteResult

from pipeline.shards import manifest as mf
from pipeline.shards.format import MANIFEST_NAME, TokenizerInfo
from pipeline.shards.writer import write_buckets
from pipeline.storage import Storage, join


class ShardDatasink(Datasink[list[dict]]):
    """Writes ``OUT/shard-BBBBB-PPPP.arrow`` files and ``OUT/manifest.json``."""

    def __init__(
        self,
        out: str,
        storage: Storage,
        tokenizer: TokenizerInfo,
        tokenizer_uri: str,
        config: dict,
        target_bytes: int,
    ):
        self.out = out
        self.storage = storage
        self.tokenizer = tokenizer
        self.tokenizer_uri = tokenizer_uri
        self.config = config
        self.target_bytes = target_bytes
        self.manifest: dict | None = None

    def on_write_start(self, schema: pa.Schema | None = None) -> None:
        self.storage.ensure_dir(self.out)

    def write(self, blocks: Iterable[Block], ctx) -> list[dict]:
        tables = [BlockAccessor.for_block(block).to_arrow() for block in blocks]
        tables = [t for t in tables if t.num_rows]
        if not tables:
            return []
        table = pa.concat_tables(tables)
        entries = write_buckets(self.storage, self.out, table, self.tokenizer, self.target_bytes)
        return [asdict(entry) for entry in entries]

    def on_write_complete(self, write_result: WriteResult[list[dict]]) -> None:
        entries = [mf.ShardEntry.from_dict(e) for task in write_result.write_returns for e in task]
        names = [e.path for e in entries]
        if len(names) != len(set(names)):
            dup = sorted({n for n in names if names.count(n) > 1})[0]
            raise RuntimeError(
                f"{join(self.out, dup)}: written by two tasks (a hash bucket was split between write tasks); "
                "the shards are not committed"
            )
        self.manifest = mf.build_manifest(self.tokenizer, self.tokenizer_uri, self.config, entries)
        self.storage.write_bytes(join(self.out, MANIFEST_NAME), mf.dumps(self.manifest))
