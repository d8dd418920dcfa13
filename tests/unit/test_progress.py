"""The progress line: share done from documents finished, read bytes and input size; reports from the reader."""

from __future__ import annotations

import json

from pipeline.config import ReaderConfig
from pipeline.progress import share_done, status_line
from pipeline.readers.datasource import Unit, read_group
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
