"""An interrupted ``pentaglot run --from STEP`` through the CLI, as a user runs it.

The step's earlier commit record matches its config, so a rerun would skip the
step unless the record is gone and the output checked: the shards must verify.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.runner import Runner
from tests.integration.run_helpers import read_manifest, shard_fingerprint

pytestmark = pytest.mark.ray

PENTAGLOT = str(Path(sys.executable).parent / "pentaglot")


def _copy_run(finished_run, tmp_path: Path) -> tuple[Path, Path]:
    """The finished reference run, copied: same config and commits, another output folder."""
    folder, reference_out, _ = finished_run
    out = tmp_path / "out"
    shutil.copytree(reference_out, out)
    data = yaml.safe_load((folder / "run.yaml").read_text())
    data["output"] = str(out)
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    # other tests rerun the shared reference with changed configs: bring every commit back to this one
    Runner(load_config(path), echo=lambda _: None).run()
    return path, out


def _terminal_sigint() -> None:
    """SIGINT as a terminal leaves it, neither ignored nor blocked.

    A child inherits both from the process that starts it, and Python installs
    its KeyboardInterrupt handler only over the default disposition: a suite
    started in the background by a non-interactive shell (``cmd &``) has SIGINT
    ignored, and the run it started shrugged off Ctrl-C and finished cleanly.
    """
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_when(proc: subprocess.Popen, started, log: Path, timeout: float = 600) -> None:
    """Ctrl-C (SIGINT to the driver, as ``timeout -s INT`` sends it) once ``started()`` holds."""
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and not started():
        time.sleep(0.05)
    assert proc.poll() is None, f"the run ended before the step began:\n{log.read_text()[-2000:]}"
    # Ctrl-C again every half second until it stops, as a user does: in one
    # full-suite run (load ~8) a single SIGINT left the run going to a clean
    # finish (cause not found); the test is about what the interruption leaves.
    deadline = time.time() + 120
    while proc.poll() is None and time.time() < deadline:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # what is left of its local Ray
    except ProcessLookupError:
        pass


def test_interrupted_from_run_then_rerun_redoes_the_step(finished_run, tmp_path):
    path, out = _copy_run(finished_run, tmp_path)
    before = shard_fingerprint(read_manifest(out))
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    log = tmp_path / "interrupted.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [PENTAGLOT, "run", str(path), "--from", "tokenize", "--num-cpus", "2"],
            env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_terminal_sigint,
        )
        _interrupt_when(proc, lambda: not (out / "shards" / "manifest.json").exists(), log)
    assert proc.returncode != 0, "the run finished before it could be interrupted"
    assert not (out / "shards" / "manifest.json").exists()
    assert not (out / "_commits" / "tokenize.json").exists(), "the interrupted step kept its old commit record"
    rerun = subprocess.run([PENTAGLOT, "run", str(path), "--num-cpus", "2"], env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "tokenize: committed output matches" not in rerun.stdout
    # the console is the pipeline's own: Ray's lines are in the run folder's log
    assert " INFO " not in rerun.stderr and "core_worker" not in rerun.stderr, rerun.stderr[-2000:]
    assert list((out / "_logs").glob("ray-*.log"))
    verified = CliRunner().invoke(main, ["verify", str(out / "shards")])
    assert verified.exit_code == 0, verified.output
    assert shard_fingerprint(read_manifest(out)) == before


def test_resume_redoes_a_step_whose_committed_output_is_gone(finished_run, tmp_path):
    path, out = _copy_run(finished_run, tmp_path)
    shutil.rmtree(out / "dedup")
    (out / "shards" / "manifest.json").unlink()
    report = Runner(load_config(path), echo=lambda _: None).run()
    assert {s["step"]: s["resumed"] for s in report["steps"]} == {
        "normalize": True, "langid": True, "filter": True, "dedup": False, "tokenize": False,
    }
    assert CliRunner().invoke(main, ["verify", str(out / "shards")]).exit_code == 0
