"""The pipeline on a local multi-node Ray cluster survives losing a worker node mid-run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.run_helpers import read_manifest, shard_fingerprint

pytestmark = pytest.mark.ray
SCRIPT = Path(__file__).with_name("multinode_run.py")


def test_worker_node_removed_mid_run_output_complete_and_correct(finished_run, tmp_path):
    folder, reference_out, reference = finished_run
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["output"] = str(tmp_path / "out")
    data["resources"] = {"tokenize": {"cpus": 1}}  # the cluster's nodes have 1 CPU each
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_ADDRESS": ""}
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, str(SCRIPT), str(path)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["removed_node"] and report["nodes_alive"] == 2
    counts = {s["step"]: s.get("counts") for s in report["steps"]}
    assert counts == {s["step"]: s.get("counts") for s in reference["steps"]}
    assert shard_fingerprint(read_manifest(tmp_path / "out")) == shard_fingerprint(read_manifest(reference_out))
