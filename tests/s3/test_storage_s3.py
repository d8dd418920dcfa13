"""Storage against a real S3-protocol server on 127.0.0.1 (moto), over HTTP."""

import boto3
import pytest
from s3_proxy import s3_proxy

from pipeline.config import StorageConfig
from pipeline.errors import UserError
from pipeline.storage import Storage

pytestmark = pytest.mark.s3


def storage_for(endpoint, **kw) -> Storage:
    return Storage(StorageConfig(endpoint_url=endpoint, region="us-east-1", **kw))


def test_write_read_list_with_pagination(s3_endpoint, s3_bucket):
    storage = storage_for(s3_endpoint)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    for i in range(25):
        client.put_object(Bucket=s3_bucket, Key=f"many/{i:05d}.jsonl", Body=b"{}")
    files = storage.list_files(f"s3://{s3_bucket}/many", page_size=10)  # three pages
    assert len(files) == 25 and files[0].uri == f"s3://{s3_bucket}/many/00000.jsonl"
    storage.write_bytes(f"s3://{s3_bucket}/x/data.bin", b"payload")
    assert storage.read_bytes(f"s3://{s3_bucket}/x/data.bin") == b"payload"
    assert storage.stat(f"s3://{s3_bucket}/x/data.bin").size == 7
    assert [f.uri for f in storage.expand([f"s3://{s3_bucket}/many/0000*.jsonl"])][:2] == [
        f"s3://{s3_bucket}/many/00000.jsonl",
        f"s3://{s3_bucket}/many/00001.jsonl",
    ]


def test_failed_write_leaves_no_object(s3_endpoint, s3_bucket):
    storage = storage_for(s3_endpoint)
    uri = f"s3://{s3_bucket}/atomic/file.bin"
    with pytest.raises(RuntimeError):
        with storage.open_output(uri) as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert storage.stat(uri) is None


def test_missing_bucket_is_a_user_error(s3_endpoint):
    storage = storage_for(s3_endpoint)
    with pytest.raises(UserError, match="no-such-bucket"):
        storage.expand(["s3://no-such-bucket/data/"])


def test_throttling_is_retried_with_backoff(s3_endpoint, s3_bucket):
    state = {"remaining": 2, "seen": 0}

    def throttle(_request):
        state["seen"] += 1
        if state["remaining"] > 0:
            state["remaining"] -= 1
            return 503, "SlowDown", "Please reduce your request rate."
        return None

    with s3_proxy(s3_endpoint, throttle) as proxy:
        boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").put_object(
            Bucket=s3_bucket, Key="t/one.jsonl", Body=b"{}"
        )
        files = storage_for(proxy).list_files(f"s3://{s3_bucket}/t")
        assert [f.uri for f in files] == [f"s3://{s3_bucket}/t/one.jsonl"]
        assert state["seen"] >= 3  # two throttled attempts, then success
        state["remaining"] = 2
        assert storage_for(proxy).read_bytes(f"s3://{s3_bucket}/t/one.jsonl") == b"{}"
        with pytest.raises(UserError, match="SlowDown|503|cannot"):
            state["remaining"] = 100
            storage_for(proxy, max_attempts=2).list_files(f"s3://{s3_bucket}/t")
