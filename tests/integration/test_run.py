"""`pentaglot run`: counts per step, resume, --from, config errors, kill -9, S3."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import boto3
import pyarrow as pa
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.runner import InvariantError, Runner
from tests.integration.run_helpers import read_manifest, shard_fingerprint, write_config

pytestmark = pytest.mark.ray

# What the built-in sample must give, step by step (see pipeline/sample/sample.jsonl's
# "note" field): one malformed line, one empty document, four off-language documents,
# two without a language, three junk documents too short for quality, two exact and
# five near duplicates.
EXPECTED = {
    "normalize": {"read": 48, "kept": 46, "rejected": 1, "quarantined": 1},
    "langid": {"read": 46, "kept": 40, "rejected": 6, "quarantined": 0},
    "filter": {"read": 40, "kept": 37, "rejected": 3, "quarantined": 0},
    "dedup": {"read": 37, "kept": 30, "rejected": 7, "quarantined": 0},
}
EXPECTED_REASONS = {
    "normalize": {"normalize:empty": 1},
    "langid": {"lang:de": 1, "lang:fr": 1, "lang:gl": 1, "lang:pt": 1, "lang:und": 2},
    "filter": {"quality:min_length": 3},
    "dedup": {"exact_dup": 2, "near_dup": 5},
}


def step(report: dict, name: str) -> dict:
    return next(s for s in report["steps"] if s["step"] == name)


def test_counts_per_step_and_language(finished_run):
    _, out, report = finished_run
    for name, counts in EXPECTED.items():
        assert step(report, name)["counts"] == counts, name
        assert step(report, name)["rejected_by_reason"] == EXPECTED_REASONS[name], name
    langid = step(report, "langid")["by_language"]
    assert {lang: row["kept"] for lang, row in langid.items() if row["kept"]} == {"en": 11, "es": 7, "ja": 7, "ko": 8, "zh": 7}
    dedup = step(report, "dedup")
    assert {lang: row["kept"] for lang, row in dedup["by_language"].items()} == {lang: 6 for lang in ("en", "es", "ja", "ko", "zh")}
    tokenize = step(report, "tokenize")
    assert tokenize["documents"] == dedup["counts"]["kept"]
    assert sum(tokenize["tokens_by_lang"].values()) == tokenize["tokens"] > 0
    saved = json.loads((out / "run_report.json").read_text())
    assert saved["steps"] == report["steps"]


def test_rerun_resumes_and_from_redoes(finished_run):
    folder, out, first = finished_run
    config = load_config(folder / "run.yaml")
    again = Runner(config, echo=lambda _: None).run()
    assert all(s["resumed"] for s in again["steps"])
    before = read_manifest(out)
    redo = Runner(config, from_step="dedup", echo=lambda _: None).run()
    assert [s["resumed"] for s in redo["steps"]] == [True, True, True, False, False]
    assert shard_fingerprint(read_manifest(out)) == shard_fingerprint(before)


def test_changed_config_redoes_from_the_changed_step(finished_run, tmp_path):
    folder, out, _ = finished_run
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["quality"] = {"min_function_words": 1}
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    report = Runner(load_config(path), echo=lambda _: None).run()
    assert [s["resumed"] for s in report["steps"]] == [True, True, False, False, False]


def test_a_committed_step_whose_counts_do_not_add_up_stops_the_run(finished_run, tmp_path):
    _, out, _ = finished_run
    copy = tmp_path / "out"
    shutil.copytree(out / "normalize", copy / "normalize")
    record = json.loads((out / "_commits" / "normalize.json").read_text())
    record["summary"]["counts"]["read"] += 1  # the reader saw one record more than was written
    (copy / "_commits").mkdir()
    (copy / "_commits" / "normalize.json").write_text(json.dumps(record))
    stage = json.loads((copy / "normalize" / "stage.json").read_text())
    stage["counts"] = record["summary"]["counts"]  # and the committed output says the same
    (copy / "normalize" / "stage.json").write_text(json.dumps(stage))
    config = load_config(write_config(tmp_path, str(copy), steps=["normalize"]))
    with pytest.raises(InvariantError, match=r"normalize: the reader counted 49 records in .*sample.* but kept 46 \+ rejected 1 \+ quarantined 1"):
        Runner(config, echo=lambda _: None).run()


def test_config_errors_before_any_work(ray_session, tmp_path):
    out = tmp_path / "out"
    bad = write_config(tmp_path, str(out), dedup={"treshold": 0.7})
    result = CliRunner().invoke(main, ["run", str(bad)])
    assert result.exit_code == 2 and "dedup.treshold" in result.output and "did you mean 'threshold'" in result.output
    assert not out.exists()
    missing = write_config(tmp_path, str(out), input=[str(tmp_path / "nope.jsonl")])
    result = CliRunner().invoke(main, ["run", str(missing)])
    assert result.exit_code == 2 and "does not exist" in result.output and not out.exists()
    no_model = write_config(tmp_path, str(out), tokenize={"tokenizer": str(tmp_path / "none.model")})
    result = CliRunner().invoke(main, ["run", str(no_model)])
    assert result.exit_code == 2 and "tokenize.tokenizer" in result.output and not out.exists()


def test_kill_9_mid_step_then_rerun_gives_the_same_shards(finished_run, tmp_path):
    folder, reference_out, _ = finished_run
    out = tmp_path / "out"
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["output"] = str(out)
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    proc = subprocess.Popen(
        ["pentaglot", "run", str(path), "--num-cpus", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.time() + 240
    # kill the driver and its whole local Ray while the filter step is running
    while time.time() < deadline and not (out / "_commits" / "langid.json").exists():
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / "_commits" / "langid.json").exists(), "the run never got as far as committing langid"
    assert not (out / "_commits" / "tokenize.json").exists()
    records = {p.name: json.loads(p.read_text())["fingerprint"] for p in (out / "_commits").glob("*.json")}
    report = Runner(load_config(path), echo=lambda _: None).run()
    resumed = {s["step"]: s["resumed"] for s in report["steps"]}
    assert resumed["normalize"] and resumed["langid"], (resumed, records)
    assert shard_fingerprint(read_manifest(out)) == shard_fingerprint(read_manifest(reference_out))


def test_a_one_cpu_runtime_runs_a_model_stage(tmp_path):
    """``--num-cpus 1``: the langid actor pool and the reads feeding it share the one CPU (it hung)."""
    from pipeline.sample_data import sample_path

    out = tmp_path / "langid"
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    result = subprocess.run(["pentaglot", "langid", str(sample_path()), str(out), "--num-cpus", "1"],
                            env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((out / "stage.json").read_text())["counts"]["read"] == 48


@pytest.mark.s3
def test_s3_in_and_out(ray_session, s3_endpoint, s3_bucket, tmp_path, finished_run):
    from pipeline.sample_data import sample_path

    _, reference_out, _ = finished_run
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.put_object(Bucket=s3_bucket, Key="raw/sample.jsonl", Body=sample_path().read_bytes())
    path = write_config(
        tmp_path,
        f"s3://{s3_bucket}/runs/one",
        input=[f"s3://{s3_bucket}/raw/"],
        storage={"endpoint_url": s3_endpoint, "region": "us-east-1"},
    )
    report = Runner(load_config(path), echo=lambda _: None).run()
    assert step(report, "filter")["counts"] == EXPECTED["filter"]
    manifest = json.loads(client.get_object(Bucket=s3_bucket, Key="runs/one/shards/manifest.json")["Body"].read())
    reference = read_manifest(reference_out)
    # the same shards but for ``source``, which names where each document was read from, so
    # the files' byte sizes differ by the length of that name (which depends on the clone's path)
    assert {**manifest["totals"], "bytes": 0} == {**reference["totals"], "bytes": 0}
    assert [s["path"] for s in manifest["shards"]] == [s["path"] for s in reference["shards"]]
    for entry in manifest["shards"]:
        body = client.get_object(Bucket=s3_bucket, Key=f"runs/one/shards/{entry['path']}")["Body"].read()
        ours = pa.ipc.open_file(pa.BufferReader(body)).read_all()
        theirs = pa.ipc.open_file(str(reference_out / "shards" / entry["path"])).read_all()
        assert ours.drop_columns(["source"]).equals(theirs.drop_columns(["source"]))
        assert set(ours["source"].to_pylist()) == {f"s3://{s3_bucket}/raw/sample.jsonl"}
