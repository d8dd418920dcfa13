"""The Ray Data datasink that writes token shards and commits them with a manifest.

Each write task receives whole hash buckets (the stage repartitions by bucket
before writing), writes them as shards, and returns their manifest entries;
``on_write_complete`` runs once on the driver after every task succeeded and
writes ``manifest.json`` last.  Until then the folder holds no committed
shards, so a crashed run can't be mistaken for a finished one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Iterable

import pyarrow as pa
import pyarrow.compute as pc
from ray.data.block import Block, BlockAccessor
from ray.data.datasource.datasink import Datasink, WriteResult

from pipeline.shards import manifest as mf
from pipeline.shards.format import MANIFEST_NAME, TokenizerInfo
from pipeline.shards.writer import write_buckets
from pipeline.storage import Storage, join

# Rows that reach the sink only to be counted: rejected upstream or quarantined.
SKIP = "_skip"


class ShardDatasink(Datasink[dict]):
    """Writes ``OUT/shard-BBBBB-PPPP.arrow`` files and ``OUT/manifest.json``.

    Rows with ``_skip`` set are not written; the manifest counts them by reason
    so documents read = documents in shards + documents skipped.
    """

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

    def write(self, blocks: Iterable[Block], ctx) -> dict:
        tables = [BlockAccessor.for_block(block).to_arrow() for block in blocks]
        tables = [t for t in tables if t.num_rows]
        if not tables:
            return {"shards": [], "skipped": {}}
        table = pa.concat_tables(tables)
        skip = pc.is_valid(table[SKIP])
        skipped = table.filter(skip).group_by(SKIP).aggregate([([], "count_all")])
        entries = write_buckets(self.storage, self.out, table.filter(pc.invert(skip)), self.tokenizer, self.target_bytes)
        return {
            "shards": [asdict(entry) for entry in entries],
            "skipped": dict(zip(skipped[SKIP].to_pylist(), skipped["count_all"].to_pylist())),
        }

    def on_write_complete(self, write_result: WriteResult[dict]) -> None:
        entries = [mf.ShardEntry.from_dict(e) for task in write_result.write_returns for e in task["shards"]]
        skipped: Counter = Counter()
        for task in write_result.write_returns:
            skipped.update(task["skipped"])
        names = [e.path for e in entries]
        if len(names) != len(set(names)):
            dup = sorted({n for n in names if names.count(n) > 1})[0]
            raise RuntimeError(
                f"{join(self.out, dup)}: written by two tasks (a hash bucket was split between write tasks); "
                "the shards are not committed"
            )
        self.manifest = mf.build_manifest(self.tokenizer, self.tokenizer_uri, self.config, entries, skipped)
        self.storage.write_bytes(join(self.out, MANIFEST_NAME), mf.dumps(self.manifest))
