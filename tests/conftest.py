"""Shared test fixtures: one local Ray runtime per session, one local S3 server.

Ray takes seconds to start, so every test that needs it shares the session
runtime.  The S3 server is moto's standalone server on 127.0.0.1; tests talk to
it over real HTTP through the same storage module users do.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from pathlib import Path

import pytest

# Before anything imports boto3 or starts Ray: credentials for the local S3 server
# (workers inherit the driver's environment), and no dependence on ~/.ray.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["RAY_AUTH_MODE"] = "disabled"
os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("RAY_DEDUP_LOGS", "0")

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def pytest_runtest_logfinish(nodeid, location):
    """Flush each test's progress mark: CI shows only the tail of its output,
    and a run that dies without pytest's summary (a driver whose Ray runtime
    went away exits at once) then still shows how far it got."""
    sys.stdout.flush()


@pytest.fixture(scope="session")
def corpora() -> Path:
    """The shared real-text corpora; tests that need them skip in a user's clone."""
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is absent (only present in the project workspace)")
    return CORPORA


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray runtime for the whole test session."""
    import ray

    from pipeline.runtime import ensure_ray

    ensure_ray(num_cpus=2)
    yield ray
    ray.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """URL of a local S3-protocol server (moto) running for the whole session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture()
def s3_bucket(s3_endpoint) -> str:
    """A fresh, empty bucket on the local S3 server; returns its name."""
    import boto3

    name = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name
