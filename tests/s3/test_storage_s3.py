"""Storage against a real S3-protocol server on 127.0.0.1 (moto), over HTTP."""

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

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


class _Throttler(BaseHTTPRequestHandler):
    """Answers the first N requests with 503 SlowDown, then forwards to the real server."""

    remaining = 0
    upstream = ""
    seen = 0

    def _handle(self):
        cls = type(self)
        cls.seen += 1
        if cls.remaining > 0:
            cls.remaining -= 1
            body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else None
        req = urllib.request.Request(cls.upstream + self.path, data=data, method=self.command)
        for key, value in self.headers.items():
            if key.lower() not in ("host", "content-length"):
                req.add_header(key, value)
        try:
            resp = urllib.request.urlopen(req)
            status, headers, body = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            status, headers, body = err.code, err.headers, err.read()
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(key, value)
        # A HEAD answer has no body but announces the object's size.
        self.send_header("Content-Length", headers.get("Content-Length", "0") if self.command == "HEAD" else str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _handle

    def log_message(self, *args):
        pass


def test_throttling_is_retried_with_backoff(s3_endpoint, s3_bucket):
    _Throttler.upstream, _Throttler.remaining, _Throttler.seen = s3_endpoint, 2, 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Throttler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        proxy = f"http://127.0.0.1:{server.server_address[1]}"
        boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").put_object(
            Bucket=s3_bucket, Key="t/one.jsonl", Body=b"{}"
        )
        files = storage_for(proxy).list_files(f"s3://{s3_bucket}/t")
        assert [f.uri for f in files] == [f"s3://{s3_bucket}/t/one.jsonl"]
        assert _Throttler.seen >= 3  # two throttled attempts, then success
        _Throttler.remaining = 2
        assert storage_for(proxy).read_bytes(f"s3://{s3_bucket}/t/one.jsonl") == b"{}"
        with pytest.raises(UserError, match="SlowDown|503|cannot"):
            _Throttler.remaining = 100
            storage_for(proxy, max_attempts=2).list_files(f"s3://{s3_bucket}/t")
    finally:
        server.shutdown()
