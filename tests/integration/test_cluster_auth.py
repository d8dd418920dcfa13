"""A head started the way infra/cluster-aws.yaml starts one refuses job submissions without the token.

The cluster runs in its own PID namespace (``unshare --pid --fork --kill-child``):
killing the ``unshare`` process ends every process of that cluster and nothing
else, so the test never touches the session's Ray or another engineer's.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

INFRA = Path(__file__).resolve().parents[2] / "infra"
DEADLINE_S = 90  # about 20 s on a quiet machine; the cap is for an oversubscribed one


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict | str]:
    """(status, parsed JSON or text) of one request to the job API."""
    req = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(), method="POST" if body else "GET")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, text = resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        status, text = err.code, err.read().decode()
    try:
        return status, json.loads(text)
    except json.JSONDecodeError:
        return status, text


def shipped_head_start() -> tuple[dict[str, str], list[str]]:
    """The environment and ``ray start`` flags of the shipped head start command."""
    cfg = yaml.safe_load((INFRA / "cluster-aws.yaml").read_text())
    assert "~/.ray/auth_token" in cfg["file_mounts"], "the token file must reach every node"
    command = cfg["head_start_ray_commands"][-1]
    env = dict(re.findall(r"export (\w+)=([^;\s]+)", command))
    start = shlex.split(command[command.index("ray start") :])
    flags = [f for f in start[2:] if f.startswith("--dashboard-host")]
    for worker_command in cfg["worker_start_ray_commands"]:
        if "ray start" in worker_command:
            assert dict(re.findall(r"export (\w+)=([^;\s]+)", worker_command)) == env, "workers start like the head"
    return env, flags


@pytest.fixture()
def token_cluster(tmp_path):
    """A head on loopback in its own PID namespace, started with the shipped settings; yields (url, token)."""
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs unshare as root, to keep this cluster apart from other Ray processes")
    env_updates, flags = shipped_head_start()
    home = tmp_path / "home"
    token = secrets.token_hex(32)
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text(token)  # what `ray get-auth-token --generate` writes
    temp_dir = tempfile.mkdtemp(prefix="/tmp/rauth-")  # short: Ray's socket paths have a length limit
    dashboard = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "PYTHONPATH"))}
    env.update(env_updates, HOME=str(home), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    ray = str(Path(sys.executable).parent / "ray")
    cmd = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", ray, "start", "--head", "--block", *flags,
           f"--port={_free_port()}", f"--dashboard-port={dashboard}",
           f"--dashboard-agent-listen-port={_free_port()}", f"--metrics-export-port={_free_port()}",
           "--num-cpus=1", "--object-store-memory=100000000", f"--temp-dir={temp_dir}", "--disable-usage-stats"]
    log = (tmp_path / "ray_start.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        yield f"http://127.0.0.1:{dashboard}", token, proc, tmp_path / "ray_start.log"
    finally:
        proc.kill()  # --kill-child ends the namespace's first process, and with it every process of this cluster
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_job_submission_needs_the_token(token_cluster):
    url, token, proc, log = token_cluster
    env, flags = shipped_head_start()
    assert env == {"RAY_AUTH_MODE": "token"} and flags == ["--dashboard-host=127.0.0.1"]
    start = time.monotonic()
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() - start < DEADLINE_S, "the head did not come up:\n" + log.read_text()[-3000:]
        try:
            status, _ = _request(f"{url}/api/jobs/")
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    job = {"entrypoint": "python -c 'print(6 * 7)'"}
    assert _request(f"{url}/api/jobs/", job)[0] == 401  # no token: refused
    assert _request(f"{url}/api/jobs/", job, token="0" * 64)[0] == 403  # a wrong token: refused
    # The job agent registers a little after the dashboard answers; until then submissions get a 500.
    while (answer := _request(f"{url}/api/jobs/", job, token=token))[0] == 500 and "No available agent" in str(answer[1]):
        assert time.monotonic() - start < DEADLINE_S, "the job agent did not come up"
        time.sleep(0.5)
    status, body = answer
    assert status == 200, body
    job_id = body["submission_id"]
    while (state := _request(f"{url}/api/jobs/{job_id}", token=token)[1]["status"]) not in ("SUCCEEDED", "FAILED", "STOPPED"):
        assert time.monotonic() - start < DEADLINE_S, f"job still {state}"
        time.sleep(0.5)
    logs = _request(f"{url}/api/jobs/{job_id}/logs", token=token)[1]
    assert state == "SUCCEEDED" and "42" in logs["logs"], logs
    assert _request(f"{url}/api/jobs/{job_id}/logs")[0] == 401  # reading a job's logs needs the token too
