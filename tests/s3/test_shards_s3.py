"""Token shards written to and verified on the local S3 server."""

import json

import boto3
import pytest
from shard_fixtures import documents, tokenizer_model

from pentaglot_reader.format import MANIFEST_NAME
from pentaglot_reader.shards import TokenShards
from pipeline.config import StorageConfig
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.verify import verify
from pipeline.stages.tokenize import run_tokenize
from pipeline.storage import Storage

pytestmark = [pytest.mark.s3, pytest.mark.ray]


def test_tokenize_to_s3_commits_verifiable_shards(ray_session, s3_endpoint, s3_bucket, tmp_path):
    model = tmp_path / "tiny.model"
    model.write_bytes(tokenizer_model())
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in documents(80).to_pylist()))
    storage = Storage(StorageConfig(endpoint_url=s3_endpoint))
    out = f"s3://{s3_bucket}/tokens"
    report = run_tokenize([str(docs)], out, TokenizeConfig(tokenizer=str(model), min_pieces=2, threads=1), storage=storage)
    assert report.manifest["totals"]["rows"] == 80
    assert verify(storage, out) == []

    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"])
    assert keys == sorted([f"tokens/{s['path']}" for s in report.manifest["shards"]] + [f"tokens/{MANIFEST_NAME}"])
    assert not any(".tmp-" in k for k in keys)

    victim = report.manifest["shards"][0]["path"]
    s3.delete_object(Bucket=s3_bucket, Key=f"tokens/{victim}")
    s3.put_object(Bucket=s3_bucket, Key="tokens/leftover.arrow", Body=b"x")
    problems = verify(storage, out)
    assert f"{victim}: missing" in problems
    assert any(p.startswith("leftover.arrow: extra file") for p in problems)

    with pytest.raises(ValueError, match="memory-mapped reading needs local files"):
        TokenShards(out)
