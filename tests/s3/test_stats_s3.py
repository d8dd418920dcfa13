"""``pentaglot stats`` on a run folder and token shards in S3, report written back to S3."""

import json

import boto3
import pytest
import ray
from click.testing import CliRunner
from shard_fixtures import documents, write_folder

from pipeline.commands.stats import command
from pipeline.config import StorageConfig
from pipeline.stage_io import write_stage
from pipeline.storage import Storage
from tests.unit.stats_corpus import corpus

pytestmark = [pytest.mark.s3, pytest.mark.ray]


def test_stats_of_an_s3_run_folder(ray_session, s3_endpoint, s3_bucket):
    storage = Storage(StorageConfig(endpoint_url=s3_endpoint))
    run = f"s3://{s3_bucket}/run"
    write_stage(ray.data.from_arrow(corpus().slice(0, 5)), f"{run}/langid", "langid", storage=storage)
    out = f"s3://{s3_bucket}/report"
    result = CliRunner().invoke(command, [run, "--out", out, "--endpoint-url", s3_endpoint, "--num-cpus", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(storage.read_bytes(f"{out}/stats.json"))
    assert data["input"]["kind"] == "run" and data["input"]["stages"] == ["langid"]
    assert data["totals"]["documents"] == 4 and data["totals"]["characters"] == 69
    assert [(r["stage"], r["reason"], r["documents"]) for r in data["rejected"]] == [("langid", "langid:low_score", 1)]
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix="report/")["Contents"]}
    assert {"report/stats.json", "report/report.html", "report/overview.png"} <= keys


def test_stats_of_s3_token_shards(ray_session, s3_endpoint, s3_bucket, tmp_path):
    manifest = write_folder(str(tmp_path / "shards"), documents(30))
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    for path in (tmp_path / "shards").iterdir():
        s3.upload_file(str(path), s3_bucket, f"shards/{path.name}")
    result = CliRunner().invoke(command, [f"s3://{s3_bucket}/shards", "--endpoint-url", s3_endpoint, "--num-cpus", "2"])
    assert result.exit_code == 0, result.output
    assert "counts agree" in result.output and f"{manifest['totals']['tokens']:,}" in result.output
