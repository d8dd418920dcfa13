"""Errors a user makes reach them before Ray starts: no ``ray.init``, well under 2 s."""

from __future__ import annotations

import json
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.sample_data import sample_path
from pipeline.preflight import NO_LANG


@pytest.fixture()
def no_ray(monkeypatch):
    """Any attempt to start Ray fails the test, whether or not another test started one."""

    def refuse(*args, **kwargs):
        raise AssertionError("ray.init before the user's error was reported")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", refuse)


def _stage_folder(folder, columns: dict) -> str:
    """A committed stage output whose kept/ file has just these columns."""
    (folder / "kept").mkdir(parents=True)
    pq.write_table(pa.table(columns), folder / "kept" / "part-00000.parquet")
    size = (folder / "kept" / "part-00000.parquet").stat().st_size
    (folder / "stage.json").write_text(json.dumps({"files": {"kept": [{"path": "kept/part-00000.parquet", "bytes": size}]}}))
    return str(folder)


def _invoke(args: list[str]) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output, time.perf_counter() - started


def test_path_and_column_errors_come_before_ray(no_ray, tmp_path):
    existing = tmp_path / "existing"
    existing.mkdir()
    normalized = _stage_folder(tmp_path / "normalized", {"id": ["a"], "text": ["x"]})
    sample = str(sample_path())
    cases = [
        (["normalize", str(tmp_path / "nope.jsonl"), str(tmp_path / "o1")], "input path does not exist"),
        (["normalize", sample, str(existing)], "output already exists"),
        (["filter", sample, str(tmp_path / "o2")], NO_LANG),
        (["filter", normalized, str(tmp_path / "o3")], NO_LANG),
        (["dedup", normalized, normalized], "output is also an input"),
        (["tokenize", str(tmp_path / "nope.jsonl"), str(tmp_path / "o4"), "--tokenizer", "x.model"], "input path does not exist"),
        (["tokenizer", "train", "--input", sample, "--out", str(existing)], "output already exists"),
    ]
    for args, message in cases:
        code, output, seconds = _invoke(args)
        assert code == 2 and message in output, (args, output)
        assert seconds < 2, (args, seconds)


def test_filter_on_langid_output_passes_the_check(tmp_path):
    from pipeline.preflight import check_stage_input
    from pipeline.storage import Storage

    langid = _stage_folder(tmp_path / "langid", {"id": ["a"], "text": ["x"], "lang": ["en"]})
    files = check_stage_input("filter", [langid], str(tmp_path / "out"), None, Storage(), False)
    assert [f.uri for f in files] == [str(tmp_path / "langid" / "kept" / "part-00000.parquet")]


def test_run_without_langid_before_filter_is_refused_before_ray(no_ray, tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"input": [str(sample_path())], "output": str(tmp_path / "out"), "steps": ["normalize", "filter"]}))
    code, output, seconds = _invoke(["run", str(path)])
    assert code == 2 and NO_LANG in output and seconds < 2
    assert not (tmp_path / "out").exists()
