"""read → normalize → write on the shared local Ray, locally and S3 to S3."""

import json

import boto3
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import StorageConfig
from pipeline.readers.tally import InputTally
from pipeline.stage_io import read_documents, write_stage
from pipeline.stages.normalize import normalize
from pipeline.storage import Storage

pytestmark = pytest.mark.ray

RECORDS = [
    {"id": "ko", "text": "한국어   문서입니다.\u200b"},
    {"id": "ja", "text": "日本語の\u3000文書です。"},
    {"id": "blank", "text": " \ufeff "},
]


def write_input(folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS) + "{broken\n")
    return folder


def test_cli_normalize_writes_contract_outputs(ray_session, tmp_path):
    src = write_input(tmp_path / "in")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["normalize", str(src), str(out)])
    assert result.exit_code == 0, result.output
    stage = json.loads((out / "stage.json").read_text())
    assert stage["counts"] == {"read": 4, "kept": 2, "rejected": 1, "quarantined": 1}
    assert stage["rejected_by_reason"] == {"normalize:empty": 1}
    kept = pq.read_table(out / "kept").to_pylist()
    assert {r["id"]: r["text"] for r in kept} == {"ko": "한국어 문서입니다.", "ja": "日本語の\u3000文書です。"}
    assert pq.read_table(out / "rejected")["id"].to_pylist() == ["blank"]
    assert pq.read_table(out / "quarantine")["line"].to_pylist() == [4]
    # the output of one stage is the input of the next: only committed kept files are read
    again = CliRunner().invoke(main, ["normalize", str(out), str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "again" / "stage.json").read_text())["counts"]["read"] == 2
    # documents keep naming the file they were first read from
    assert set(pq.read_table(tmp_path / "again" / "kept")["source"].to_pylist()) == {str(src / "a.jsonl")}


def test_rows_lost_after_the_reader_fail_the_stage_before_it_commits(ray_session, tmp_path):
    src = write_input(tmp_path / "in")
    tally = InputTally()
    ds = normalize(read_documents(str(src), tally=tally)).filter(expr="id != 'ja'")
    with pytest.raises(RuntimeError, match="reader counted 4 records but kept \\+ rejected \\+ quarantined = 3; every file's records left the reader"):
        write_stage(ds, str(tmp_path / "out"), "normalize", tally=tally)
    assert not (tmp_path / "out" / "stage.json").exists()


def test_cli_user_errors_are_one_line_exit_2(ray_session, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["normalize", str(tmp_path / "nope"), str(tmp_path / "out")])
    assert missing.exit_code == 2 and "does not exist" in missing.output and "Traceback" not in missing.output
    empty_glob = runner.invoke(main, ["normalize", str(tmp_path / "*.jsonl"), str(tmp_path / "out")])
    assert empty_glob.exit_code == 2 and "no input files" in empty_glob.output
    src = write_input(tmp_path / "in")
    (tmp_path / "exists").mkdir()
    exists = runner.invoke(main, ["normalize", str(src), str(tmp_path / "exists")])
    assert exists.exit_code == 2 and "--overwrite" in exists.output
    assert runner.invoke(main, ["normalize", str(src), str(tmp_path / "exists"), "--overwrite"]).exit_code == 0
    bad_flag = runner.invoke(main, ["normalize", str(src), str(tmp_path / "o2"), "--config", str(tmp_path / "none.yaml")])
    assert bad_flag.exit_code == 2 and "config file not found" in bad_flag.output


@pytest.mark.s3
def test_s3_to_s3(ray_session, s3_endpoint, s3_bucket, tmp_path):
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS).encode()
    client.put_object(Bucket=s3_bucket, Key="raw/part-0.jsonl", Body=body)
    storage = StorageConfig(endpoint_url=s3_endpoint, region="us-east-1")
    out = f"s3://{s3_bucket}/out/normalized"
    report = write_stage(normalize(read_documents(f"s3://{s3_bucket}/raw/", storage=storage)), out, "normalize", storage=storage)
    assert report.counts == {"read": 3, "kept": 2, "rejected": 1, "quarantined": 0}
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=s3_bucket, Prefix="out/")["Contents"])
    assert "out/normalized/stage.json" in keys and any(k.startswith("out/normalized/kept/") for k in keys)
    # and S3 output read back as the next stage's input
    assert read_documents(out, storage=Storage(storage)).count() == 2


def test_fields_that_differ_between_files_are_carried_without_failing(ray_session, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text(json.dumps({"id": "a", "text": "first document"}) + "\n")
    (src / "b.jsonl").write_text(json.dumps({"id": "b", "text": "second document", "url": "https://x", "score": "high"}) + "\n")
    (src / "c.jsonl").write_text(json.dumps({"id": "c", "text": "third document", "score": 3}) + "\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["normalize", str(src), str(out)])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for f in sorted((out / "kept").glob("*.parquet")) for r in pq.read_table(f).to_pylist()}
    assert set(rows) == {"a", "b", "c"}
    assert rows["b"]["url"] == "https://x"
    assert {rows["b"]["score"], rows["c"]["score"]} == {'"high"', "3"}  # clashing types carried as JSON
    again = CliRunner().invoke(main, ["normalize", str(out), str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
