"""Token shard stats read only ``lang`` and ``n_tokens``, never the token buffers."""

import io

import pyarrow as pa
from shard_fixtures import documents, write_folder

from pipeline.stats.aggregates import Stats
from pipeline.stats.compute import _fold_shard
from pipeline.storage import join


class CountingStorage:
    """Opens local files as Python file objects that count the bytes read."""

    def __init__(self):
        self.read = 0

    def open_input(self, uri, random_access=False):
        counter = self

        class Counting(io.FileIO):
            def readinto(self, buffer):
                n = super().readinto(buffer)
                counter.read += n or 0
                return n

        return pa.PythonFile(Counting(uri, "r"), mode="r")


def test_shard_counts_match_the_manifest_and_skip_the_tokens(tmp_path):
    manifest = write_folder(str(tmp_path), documents(200), target_bytes=1 << 20)
    storage = CountingStorage()
    stats = Stats()
    for shard in manifest["shards"]:
        _fold_shard(stats, join(str(tmp_path), shard["path"]), storage)
    assert {lang: int(d.total) for lang, d in stats.tokens.items()} == manifest["totals"]["tokens_by_lang"]
    assert {lang: d.n for lang, d in stats.tokens.items()} == manifest["totals"]["docs_by_lang"]
    token_bytes = manifest["totals"]["tokens"] * 2  # uint16 ids
    assert storage.read < token_bytes / 2 < manifest["totals"]["bytes"]
