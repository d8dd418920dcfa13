"""Every long phase draws its progress line: tokenizer sampling (both passes), tokenize's shard phase, stats.

The inputs are tiny, so the size floor (``MIN_BYTES``) and the stats one-task
threshold are lowered; the stream is a terminal, where the line is redrawn
and drawn once more when the phase ends.
"""

import io
import json
import sys

import pytest
from shard_fixtures import documents, tokenizer_model

from pipeline import progress
from pipeline.config import ReaderConfig
from pipeline.shards.config import TokenizeConfig
from pipeline.stage_io import read_documents
from pipeline.stages.tokenize import run_tokenize
from pipeline.stages.tokenizer_sample import sample_corpus
from pipeline.stats import compute
from pipeline.stats.settings import StatsConfig
from pipeline.stats.sources import detect
from pipeline.storage import Storage
from tokenizer_training.train import TokenizerConfig

pytestmark = pytest.mark.ray


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch) -> Terminal:
    """stderr as a terminal, from the test body (pytest's capture resets sys.stderr after fixtures)."""
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in documents(200).to_pylist()), encoding="utf-8")
    return path


def final_lines(stream: Terminal) -> dict[str, str]:
    """The last drawing of each progress line, by phase name."""
    lines = [part.split("\033[K")[0] for part in stream.getvalue().split("\r") if " [" in part]
    return {line.split(" [")[0]: line for line in lines}


def test_tokenizer_sampling_shows_both_passes(ray_session, docs, tmp_path, monkeypatch):
    terminal = on_terminal(monkeypatch)
    storage = Storage()
    cfg = TokenizerConfig(vocab_size=200, char_budget=20_000)
    sample_corpus(lambda: read_documents([str(docs)], ReaderConfig(), storage), cfg, str(tmp_path / "parts"), storage,
                  progress=lambda _: None, input_bytes=docs.stat().st_size)
    lines = final_lines(terminal)
    assert {"tokenizer count", "tokenizer sample"} <= set(lines)
    assert all("MB read" in lines[name] for name in ("tokenizer count", "tokenizer sample"))


def test_tokenize_shards_and_stats_of_them_show_their_lines(ray_session, docs, tmp_path, monkeypatch):
    terminal = on_terminal(monkeypatch)
    model = tmp_path / "tiny.model"
    model.write_bytes(tokenizer_model())
    config = TokenizeConfig(tokenizer=str(model), buckets=2, shard_mb=1)
    manifest = run_tokenize([str(docs)], str(tmp_path / "shards"), config).manifest
    monkeypatch.setattr(compute, "ONE_TASK_BYTES", 0)
    storage = Storage()
    report = compute.compute(detect(str(tmp_path / "shards"), storage), StatsConfig(), ReaderConfig(), storage)
    assert report.tokens.tokens == manifest["totals"]["tokens"]
    assert {"tokenize", "tokenize shards", "stats"} <= set(final_lines(terminal))
