"""A run whose S3 keys expire while it runs still finishes, and no key ends up in anything it writes.

The keys come from a ``credential_process`` profile that hands out keys valid
for a few seconds and naming their own expiry; a proxy in front of the local
S3 server refuses a key once its expiry has passed, as S3 refuses an expired
STS key.  The run is a real ``pentaglot run`` in a subprocess with its own
local Ray, so its session logs can be searched too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest
import yaml
from s3_proxy import s3_proxy

from pipeline.sample_data import sample_path

pytestmark = [pytest.mark.s3, pytest.mark.ray]

ROOT = Path(__file__).resolve().parents[2]
LIFETIME_S = 8
CREDENTIAL_PROCESS = """#!/bin/sh
exp=$(( $(date +%s) + {lifetime} ))
printf '{{"Version": 1, "AccessKeyId": "AKIACANARYPROC%s", "SecretAccessKey": "ProcCanarySecret%s", "SessionToken": "ProcCanaryToken%s", "Expiration": "%s"}}' \\
  "$exp" "$exp" "$exp" "$(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ)"
"""
# Every secret this test plants; none may appear in anything the run writes.
CANARIES = ["AKIACANARYPROC", "ProcCanarySecret", "ProcCanaryToken", "AKIACANARYENV", "EnvCanarySecret", "AKIACANARYFILE", "FileCanarySecret"]


class ExpiringKeys:
    """Refuses keys past the expiry their id names, and any key that is not one of the profile's."""

    def __init__(self):
        self.keys: set[str] = set()
        self.refused = 0

    def __call__(self, request):
        found = re.search(r"Credential=(AKIACANARYPROC(\d+))/", request.headers.get("Authorization", ""))
        if found is None:
            self.refused += 1
            return 403, "InvalidAccessKeyId", "not the profile's key"
        self.keys.add(found.group(1))
        if int(found.group(2)) < time.time():
            self.refused += 1
            return 400, "ExpiredToken", "The provided token has expired."
        return None


@pytest.fixture()
def aws_files(tmp_path) -> dict[str, str]:
    """Environment for a process whose AWS chain holds recognisable keys in every place keys can be."""
    script = tmp_path / "issue-keys.sh"
    script.write_text(CREDENTIAL_PROCESS.format(lifetime=LIFETIME_S))
    script.chmod(0o755)
    (tmp_path / "aws-config").write_text(f"[profile canary]\ncredential_process = {script}\nregion = us-east-1\n")
    (tmp_path / "aws-credentials").write_text("[default]\naws_access_key_id = AKIACANARYFILE01\naws_secret_access_key = FileCanarySecret01\n")
    return {
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "AWS_ACCESS_KEY_ID": "AKIACANARYENV01",
        "AWS_SECRET_ACCESS_KEY": "EnvCanarySecret01",
    }


def canaries_in(data: bytes) -> list[str]:
    return [c for c in CANARIES if c.encode() in data]


def test_run_outlives_its_temporary_keys_and_writes_none_of_them(s3_endpoint, s3_bucket, tmp_path, aws_files):
    direct = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    direct.put_object(Bucket=s3_bucket, Key="in/sample.jsonl", Body=sample_path().read_bytes())
    ray_tmp = tempfile.mkdtemp(prefix="/tmp/rcred-")  # short: Ray's socket paths have a length limit
    rule = ExpiringKeys()
    try:
        with s3_proxy(s3_endpoint, rule) as endpoint:
            config = {
                "input": [f"s3://{s3_bucket}/in/"],
                "output": f"s3://{s3_bucket}/out",
                "storage": {"endpoint_url": endpoint, "region": "us-east-1", "profile": "canary"},
                "steps": ["normalize", "stats"],
            }
            (tmp_path / "run.yaml").write_text(yaml.safe_dump(config))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "RAY_ADDRESS"))}
            env.update(aws_files, RAY_TMPDIR=ray_tmp, RAY_AUTH_MODE="disabled", PYTHONPATH=str(ROOT))
            start = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-c", "from pipeline.cli import main; main()", "run", str(tmp_path / "run.yaml"), "--num-cpus", "2"],
                env=env, cwd=tmp_path, capture_output=True, timeout=300,
            )
            took = time.monotonic() - start
        assert proc.returncode == 0, proc.stderr.decode()[-3000:]
        # Keys expired during the run and were replaced; no request went out with an
        # expired key or one from outside the profile.
        assert (took > 3 * LIFETIME_S, len(rule.keys) > 3, rule.refused) == (True, True, 0), (took, len(rule.keys), rule.refused)
        written = {o["Key"]: direct.get_object(Bucket=s3_bucket, Key=o["Key"])["Body"].read() for o in direct.list_objects_v2(Bucket=s3_bucket)["Contents"]}
        assert any(k.endswith("report.html") for k in written) and any(k.endswith("run_report.json") for k in written)
        leaks = {key: canaries_in(data) for key, data in written.items() if canaries_in(data)}
        leaks.update({"console": canaries_in(proc.stdout + proc.stderr)} if canaries_in(proc.stdout + proc.stderr) else {})
        logs = [p for p in Path(ray_tmp).rglob("*") if p.is_file() and not p.is_symlink()]
        assert any("session_" in str(p) and p.suffix in (".out", ".err", ".log") for p in logs)
        leaks.update({str(p): canaries_in(p.read_bytes()) for p in logs if canaries_in(p.read_bytes())})
        assert leaks == {}
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
