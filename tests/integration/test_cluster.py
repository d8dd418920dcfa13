"""`pentaglot run` on clusters: an autoscaling one grows, a fixed one spreads every stage, training leaves the head.

The clusters run in a subprocess (cluster_run.py) so they never meet the test
session's Ray; the autoscaling one also in its own PID namespace, because Ray's
harness runs ``ray stop --force``, which would end every Ray process it sees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from pipeline.config import RunConfig, validate
from pipeline.errors import UserError
from pipeline.runner import Runner
from tests.integration.cluster_run import MAX_TASKS, write_corpus

pytestmark = pytest.mark.ray
SCRIPT = Path(__file__).with_name("cluster_run.py")
ROOT = Path(__file__).resolve().parents[2]
# Ray tasks' placement, read from the state API's task list; tokenize's plain
# actors are read from its actor list (see cluster_run.py).
CPU_HEAVY = ("normalize", "langid", "filter", "dedup", "decontaminate", "redact")
MB = 1 << 20


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """20,000 distinct five-language documents in 16 JSONL files (about 15 MB)."""
    folder = tmp_path_factory.mktemp("cluster") / "corpus"
    write_corpus(folder, 20_000, files=16)
    return folder


def run_config(corpus: Path, out: Path, **resources) -> Path:
    """Every step on ``corpus``, with a small tokenizer so training takes seconds."""
    config = {
        "input": [str(corpus)],
        "output": str(out),
        "steps": ["normalize", "langid", "filter", "dedup", "tokenizer", "tokenize"],
        "tokenizer": {"vocab_size": 2000, "char_budget": 1_000_000, "model_type": "unigram", "num_threads": 1},
        "tokenize": {"shard_mb": 1},
        "langid": {"batch_size": 1024},  # batches enough for a 20,000-document corpus to queue up and grow the pool
        "resources": resources,
    }
    path = out.parent / "run.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def _env(**extra) -> dict:
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_ADDRESS": "", "RAY_MAX_LIMIT_FROM_API_SERVER": str(MAX_TASKS), **extra}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # the `ray` CLI
    return env


def _result(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _eval_set(corpus: Path, path: Path, n: int) -> Path:
    """The first ``n`` documents of the corpus as evaluation items, so decontaminate has hits."""
    lines = (corpus / "part-000.jsonl").read_text(encoding="utf-8").splitlines()[:n]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_fixed_three_node_cluster_runs_every_cpu_heavy_stage_on_every_node(corpus, tmp_path):
    """A CPU-less head (as in infra/) and three 2-CPU workers.

    On a fixed cluster the langid pool starts at the node count
    (``min_actors``): left to grow, it stops at what keeps pace with reading,
    one or two actors for this small corpus.  Tokenize asks for an actor per
    piece, and pieces are at least a 1 MB read unit, so dedup's few MB of
    output made two or three pieces depending on where its blocks ended;
    ``min_actors: 3`` asks for one actor per node whatever the piece count,
    each a whole node (one call on two encode threads).  Tokenize is checked
    on two nodes, not three: it lasts 1.5 s here, and in two of four runs
    Ray queued the third actor behind the first on a node already holding
    one ({A: 2, B: 1}): a CPU-less head spills an actor to a busy node when
    none looks free to it, and the step ended before the queue moved.
    decontaminate and redact ask for memory no other stage asks for, so
    their tasks show they took it from their resources sections.
    """
    config = run_config(
        corpus, tmp_path / "out", langid={"min_actors": 3}, tokenize={"min_actors": 3}, decontaminate={"memory_mb": 300}, redact={"memory_mb": 200}
    )
    data = yaml.safe_load(config.read_text())
    data["tokenize"]["threads"] = 2  # one call per actor at a time: see above
    data["steps"][4:4] = ["decontaminate", "redact"]
    eval_set = _eval_set(corpus, tmp_path / "eval.jsonl", 3)
    data["decontaminate"] = {"eval_sets": [{"path": str(eval_set), "fields": ["text"], "id_field": "id"}]}
    config.write_text(yaml.safe_dump(data, allow_unicode=True))
    cmd = [sys.executable, str(SCRIPT), "fixed", str(config), "--head-cpus", "0", "--workers", "3", "--worker-cpus", "2"]
    result = _result(subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=900))
    workers = set(result["workers"])
    assert len(workers) == 3
    for step in CPU_HEAVY:
        assert set(result["placement"][step]["nodes"]) >= workers, (step, result["placement"][step])
    assert len(set(result["actors"]["TokenizeWorker"]) & workers) >= 2, result["actors"]
    for step, mb in (("decontaminate", 300), ("redact", 200)):
        assert {"CPU": 1.0, "memory": mb * MB} in result["placement"][step]["resources"], (step, result["placement"][step])
    training = result["placement"]["tokenizer"]["functions"]["_train_on_node"]
    assert len(training) == 1 and training[0] in workers and training[0] != result["head"]
    steps = {s["step"]: s for s in result["report"]["steps"]}
    assert steps["normalize"]["counts"]["read"] == 20_000 and steps["tokenize"]["documents"] > 0
    assert steps["decontaminate"]["counts"]["rejected"] == 3


def test_autoscaling_cluster_grows_past_one_worker(corpus, tmp_path):
    """Ray's fake-multinode autoscaler: head with 0 CPUs, workers from 0 to 3.

    Ray Data's own stages hold back to what the cluster has, so the demand an
    autoscaler sees comes from actors pending until a node can hold them.
    Left to the corpus, that was tokenize's actors alone (one per piece): with
    dedup's few MB of output in two pieces, one actor, and on CI's loaded 2
    cores the run ended on the first worker.  So the pools ask for three
    actors each, as a user sizing them for the cluster they expect would:
    langid's third (1 CPU each) waits through langid, and tokenize's (a whole
    node each) through tokenize.  Counted are the workers the run's demand
    launched, those that joined after a short last step ended included
    (``cluster_run.launches_settled``).
    """
    if shutil.which("unshare") is None or shutil.which("ip") is None or os.geteuid() != 0:
        pytest.skip("needs unshare, ip and root to give the harness its own PID and network namespaces")
    # The fake provider can't state a node type's memory, and the autoscaler launches
    # nothing for a memory request it can't see fit: tasks ask for CPUs only here.
    config = run_config(corpus, tmp_path / "out", reserve_memory=False, langid={"min_actors": 3}, tokenize={"min_actors": 3})
    ray_tmp = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # short: Ray's socket paths must fit 107 bytes
    try:
        # Own PIDs (the harness's `ray stop` sees only its own processes) and own ports (`ray start` takes 6379, 8265).
        inner = f"ip link set lo up && exec {sys.executable} {SCRIPT} autoscaling {config} --workers 3 --worker-cpus 2"
        cmd = ["unshare", "--pid", "--fork", "--mount-proc", "--net", "sh", "-c", inner]
        result = _result(subprocess.run(cmd, env=_env(RAY_TMPDIR=ray_tmp), capture_output=True, text=True, timeout=900))
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert len(result["workers"]) > 1, {key: result[key] for key in ("seconds", "steps", "joined", "actors")}
    steps = {s["step"]: s for s in result["report"]["steps"]}
    assert steps["normalize"]["counts"]["read"] == 20_000 and steps["tokenize"]["documents"] > 0


def test_memory_no_node_has_is_refused_before_any_work(ray_session, corpus, tmp_path):
    data = yaml.safe_load(run_config(corpus, tmp_path / "out", langid={"memory_mb": 64 << 20}).read_text())
    with pytest.raises(UserError, match=r"resources\.langid\.memory_mb: .*no node type has that.*lower resources\.langid\.memory_mb"):
        Runner(validate(RunConfig, data, "run.yaml"), echo=lambda _: None).run()
    assert not (tmp_path / "out").exists()
