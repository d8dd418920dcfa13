"""The progress line: share done from documents finished, read bytes and input size; reports from the reader, stats and tokenize tasks."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from shard_fixtures import documents, tokenizer_model

from pipeline.config import ReaderConfig
from pipeline.progress import share_done, status_line
from pipeline.readers.units import Unit, read_group
from pipeline.shards.config import TokenizeConfig
from pipeline.stages.tokenize import TokenizeWorker, run_uri
from pipeline.stats.compute import _fold_files
from pipeline.stats.settings import StatsConfig
from pipeline.storage import FileRef, Storage


def test_share_done_estimates_the_documents_still_unread():
    # half the input read holds 500 documents, so about 1,000 in all; 250 finished
    assert share_done(500, 50, 250, 100, counts_done=True) == 0.25
    assert share_done(500, 50, 250, 100, counts_done=False) == 0.5
    assert share_done(0, 0, 0, 100, counts_done=True) == 0.0


def test_status_line_on_a_terminal_and_in_a_log():
    bar = status_line("langid", [500, 50_000_000, 250], 100_000_000, 10.0, bar=True)
    assert bar.startswith("langid [######..................]  25%  250 docs  50/100 MB read  2.5 MB/s  ETA 0:30")
    log = status_line("langid", [1000, 100_000_000, 1000], 100_000_000, 20.0, bar=False)
    assert log == "langid: 100%  1,000 docs  100/100 MB read  5.0 MB/s  0:20"


class _Recorder:
    """Stands in for the counter actor: records what ``.add.remote`` gets."""

    def __init__(self):
        self.calls = []
        self.add = self

    def remote(self, docs, nbytes, done):
        self.calls.append((docs, nbytes, done))


def test_reader_reports_every_document_and_input_byte(tmp_path):
    paths = []
    for i, n in enumerate((3, 5)):
        path = tmp_path / f"part{i}.jsonl"
        path.write_text("".join(json.dumps({"id": f"{i}-{j}", "text": "x" * j}) + "\n" for j in range(n)))
        paths.append(path)
    units = [Unit(FileRef(str(p), p.stat().st_size), "jsonl", None) for p in paths]
    recorder = _Recorder()
    rows = sum(t.num_rows for t in read_group(units, ReaderConfig(), Storage(), recorder))
    docs, nbytes, done = map(sum, zip(*recorder.calls))
    assert (docs, nbytes, done) == (rows, sum(p.stat().st_size for p in paths), 0) and rows == 8


def test_stats_tasks_report_each_file_rows_and_bytes_once_folded(tmp_path):
    sizes = {}
    for i, n in enumerate((2, 3)):
        path = tmp_path / f"part-{i}.parquet"
        pq.write_table(pa.table({"text": [f"document {j}" for j in range(n)]}), path)
        sizes[str(path)] = path.stat().st_size
    items = pa.Table.from_pylist([{"uri": uri, "stage": "langid", "index": i, "kind": "documents", "bytes": n} for i, (uri, n) in enumerate(sizes.items())])
    recorder = _Recorder()
    partials = _fold_files(items, StatsConfig(), Storage(), recorder)
    assert partials.num_rows == 2
    assert recorder.calls == [(2, sizes[str(tmp_path / "part-0.parquet")], 0), (3, sizes[str(tmp_path / "part-1.parquet")], 0)]


def test_tokenize_buckets_report_the_rows_and_run_bytes_the_pieces_wrote(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in documents(60).to_pylist()), encoding="utf-8")
    units = [Unit(FileRef(str(docs), docs.stat().st_size), "jsonl", None)]
    worker = TokenizeWorker(tokenizer_model(), TokenizeConfig(), ReaderConfig(), Storage(), str(tmp_path / "out"), buckets=4)
    outcome = worker.piece(0, units)
    recorder = _Recorder()
    for bucket in range(4):
        worker.bucket(bucket, [run_uri(str(tmp_path / "out"), 0)], 1 << 20, recorder)
    docs_read, nbytes, done = map(sum, zip(*recorder.calls))
    assert len(recorder.calls) == 4 and (docs_read, nbytes, done) == (60, outcome["bytes"], 0) and nbytes > 0
