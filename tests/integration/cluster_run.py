"""`pentaglot run` on a local multi-node Ray cluster, reporting where each step's tasks ran.

Started by test_cluster.py (and benchmarks/cluster_spread.py) in its own
process, so its cluster never meets the test session's Ray.  Two kinds:

* ``fixed``: ``ray.cluster_utils.Cluster`` with a head of ``--head-cpus`` and
  ``--workers`` nodes of ``--worker-cpus`` (0 workers: one node);
* ``autoscaling``: Ray's fake-multinode autoscaler (``AutoscalingCluster``), a
  CPU-less head and one worker type from 0 to ``--workers`` nodes.  Its
  ``start``/``shutdown`` run ``ray stop --force``, which ends every Ray process
  it can see, and ``ray start --head`` takes fixed ports: the caller must run
  this script in its own PID and network namespaces (``unshare --pid --fork
  --mount-proc --net``, loopback up) with its own ``RAY_TMPDIR``.

Task placement is read from Ray's state API (``ray.util.state.list_tasks``)
after the run: each task belongs to the step during which it started, with
the resources it asked for.  Actor placement comes from ``list_actors`` by
class: the task list held only some of tokenize's plain-actor calls (1 of 48
in one run), while the GCS records each actor's node when it is placed.
Prints one JSON object on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sys
import time
import traceback
from pathlib import Path

import ray
from ray.cluster_utils import AutoscalingCluster, Cluster

from pipeline.sample_data import sample_path
from pipeline.config import load_config
from pipeline.runner import Runner

MAX_TASKS = 100_000  # the state API's own cap is 10,000 unless RAY_MAX_LIMIT_FROM_API_SERVER raises it
LANGS = ("en", "es", "ja", "ko", "zh")  # the sample's clean documents carry their language in "note"
SPACED = ("en", "es", "ko")


def write_corpus(folder: Path, documents: int, files: int, seed: int = 0) -> None:
    """``documents`` distinct documents in ``files`` JSONL files, mixed from the built-in sample.

    Each document is five lines of random pieces (words; 6-character runs for
    Chinese and Japanese) of one language's sample text, each line ending a
    sentence, so documents are real-language text, pass the quality rules, are
    distinct and rarely near-duplicates of one another.
    """
    pools: dict[str, list[str]] = {}
    for line in sample_path().read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # the sample's deliberately broken record
        lang, text = record.get("note"), record["text"]
        if lang in LANGS:
            pieces = text.split() if lang in SPACED else [text[i : i + 6] for i in range(0, len(text), 6)]
            pools.setdefault(lang, []).extend(pieces)
    langs = sorted(pools)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    outs = [(folder / f"part-{i:03d}.jsonl").open("w", encoding="utf-8") for i in range(files)]
    for n in range(documents):
        lang = langs[n % len(langs)]
        spaced = lang in SPACED
        stop, joiner = (".", " ") if spaced else ("。", "")
        sentences = [joiner.join(rng.choices(pools[lang], k=14 if spaced else 10)) + stop for _ in range(5)]
        outs[n % files].write(json.dumps({"id": f"d{n}", "text": "\n".join(sentences)}, ensure_ascii=False) + "\n")
    for out in outs:
        out.close()


class _StepClock:
    """Start time of every step, from the runner's ``== step`` lines."""

    def __init__(self):
        self.starts: list[tuple[float, str]] = []

    def echo(self, line: str) -> None:
        if line.startswith("== "):
            self.starts.append((time.time() * 1000, line[3:].strip()))
        print(line, file=sys.stderr)

    def step_at(self, ms: float) -> str | None:
        step = None
        for start, name in self.starts:
            if ms >= start:
                step = name
        return step


# Ray's and Ray Data's bookkeeping actors and calls: they do none of a step's work.
BOOKKEEPING = ("_StatsActor", "_AutoscalingCoordinatorActor", "_UsageCollectionActor", "ActorLocationTracker", "_QueueActor")
BOOKKEEPING_CALLS = (".get_location", ".__ray_ready__", ".__ray_terminate__")


def is_work(name: str) -> bool:
    return not (name.startswith(BOOKKEEPING) or name.endswith(BOOKKEEPING_CALLS))


def _gcs() -> str:
    """This cluster's address: without it the state API asks the cluster started last on the machine, anyone's."""
    return ray.get_runtime_context().gcs_address


def placement(clock: _StepClock) -> dict[str, dict]:
    """Per step: the nodes its work tasks ran on, with task counts, and the
    distinct resources they asked for, from Ray's state API."""
    from ray.util.state import list_tasks

    time.sleep(2)  # task events reach the GCS once a second
    tasks = list_tasks(address=_gcs(), detail=True, limit=MAX_TASKS, raise_on_missing_output=False)
    steps: dict[str, dict] = {}
    for task in tasks:
        start = task.get("start_time_ms")
        step = clock.step_at(start) if start else None
        name = task.get("func_or_class_name") or task.get("name") or ""
        if step is None or not task.get("node_id") or not is_work(name):
            continue
        entry = steps.setdefault(step, {"nodes": {}, "functions": {}, "resources": set()})
        entry["nodes"][task["node_id"]] = entry["nodes"].get(task["node_id"], 0) + 1
        entry["functions"].setdefault(name, set()).add(task["node_id"])
        entry["resources"].add(json.dumps(task.get("required_resources") or {}, sort_keys=True))
    for entry in steps.values():
        entry["functions"] = {k: sorted(v) for k, v in entry["functions"].items()}
        entry["resources"] = [json.loads(r) for r in sorted(entry["resources"])]
    return steps


def actor_nodes() -> dict[str, dict[str, int]]:
    """Per actor class: the nodes its actors were placed on (granted a worker there), with actor counts.

    Placed, not started: an actor killed while it was starting, because the
    started ones had run out of calls (a small corpus), still shows where Ray
    put it.  Actors pending for a node that never came have no node.
    """
    from ray.util.state import list_actors

    classes: dict[str, dict[str, int]] = {}
    for actor in list_actors(address=_gcs(), detail=True, limit=MAX_TASKS, raise_on_missing_output=False):
        name = actor.get("class_name") or ""
        if actor.get("node_id") and is_work(name):
            nodes = classes.setdefault(name, {})
            nodes[actor["node_id"]] = nodes.get(actor["node_id"], 0) + 1
    return classes


def node_joins(clock: _StepClock, started: float) -> dict[str, dict]:
    """Per node: the step during which it joined and seconds since the run began
    (a node that joined before the run has no step), so a cluster that did not grow shows when it stopped."""
    from ray.util.state import list_nodes

    joins = {}
    for node in list_nodes(address=_gcs(), detail=True, limit=MAX_TASKS, raise_on_missing_output=False):
        ms = node.get("start_time_ms") or 0
        joins[node["node_id"]] = {"step": clock.step_at(ms), "at_s": round(ms / 1000 - started, 1)}
    return joins


def launches_settled(since: float, timeout_s: float) -> None:
    """Wait until the autoscaler, in an update begun two seconds or more after
    ``since``, has no node launching or starting; at most ``timeout_s``.

    A node the autoscaler launches for a step's demand joins seconds later;
    on a loaded 2-core machine a short step (tokenize, here) can end before
    the node it asked for registers.  The nodes counted are the ones the
    run's demand launched, so the count waits for those still starting, and
    for an update that has seen the last step's demand (the autoscaler
    updates once a second).
    """
    from ray._private import ray_constants
    from ray.experimental.internal_kv import _internal_kv_get

    deadline = time.time() + timeout_s
    while time.time() < deadline:
        raw = _internal_kv_get(ray_constants.DEBUG_AUTOSCALING_STATUS)
        status = json.loads(raw) if raw else {}
        report = status.get("autoscaler_report")
        if status.get("time", 0) >= since + 2 and report and not report["pending_launches"] and not report["pending_nodes"]:
            return
        time.sleep(1)


def run_and_report(config_path: str, head_id: str, settle_s: float = 0) -> dict:
    clock = _StepClock()
    started = time.time()
    report = Runner(load_config(config_path), echo=clock.echo).run()
    seconds = time.time() - started
    clock.starts.append((time.time() * 1000, "(after the run)"))
    launches_settled(started + seconds, settle_s)
    nodes = ray.nodes()
    return {
        "seconds": round(seconds, 2),
        "steps": {name: round(ms / 1000 - started, 1) for ms, name in clock.starts},  # start, seconds into the run
        "report": report,
        "head": head_id,
        "workers": sorted(n["NodeID"] for n in nodes if n["NodeID"] != head_id),
        "joined": node_joins(clock, started),
        "placement": placement(clock),
        "actors": actor_nodes(),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fixed(args) -> dict:
    head = {"num_cpus": args.head_cpus, "include_dashboard": True, "dashboard_port": _free_port()}  # for the state API
    cluster = Cluster(initialize_head=True, head_node_args=head)
    for _ in range(args.workers):
        cluster.add_node(num_cpus=args.worker_cpus)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR")
    try:
        return run_and_report(args.config, ray.get_runtime_context().get_node_id())
    finally:
        ray.shutdown()
        cluster.shutdown()


class _FakeCluster(AutoscalingCluster):
    """``AutoscalingCluster`` with its provider config written here: the ray
    wheel does not ship the ``fake_multi_node/example.yaml`` it starts from."""

    def _generate_config(self, head_resources, worker_node_types, autoscaler_v2=False, **config_kwargs):
        commands = ("initialization_commands", "setup_commands", "head_setup_commands", "worker_setup_commands",
                    "head_start_ray_commands", "worker_start_ray_commands", "cluster_synced_files", "rsync_exclude",
                    "rsync_filter")
        head = {"resources": dict(head_resources), "node_config": {}, "max_workers": 0}
        return {
            "cluster_name": "pentaglot_fake",
            "max_workers": sum(t["max_workers"] for t in worker_node_types.values()),
            "provider": {"type": "fake_multinode", "use_node_id_as_ip": True, "disable_node_updaters": True,
                         "disable_launch_config_check": True},
            "available_node_types": {**worker_node_types, "ray.head.default": head},
            "head_node_type": "ray.head.default",
            "upscaling_speed": 1.0,
            "idle_timeout_minutes": 5,
            "auth": {},
            "docker": {},
            "file_mounts": {},
            "file_mounts_sync_continuously": False,
            **{key: [] for key in commands},
            **config_kwargs,
        }


def autoscaling(args) -> dict:
    # No "memory": the fake provider can't start a node with a stated memory (the AWS
    # and KubeRay providers fill it in), so the caller's tasks must not reserve any.
    resources = {"CPU": args.worker_cpus, "object_store_memory": 300_000_000}
    worker = {"resources": resources, "node_config": {}, "min_workers": 0, "max_workers": args.workers}
    cluster = _FakeCluster(head_resources={"CPU": 0}, worker_node_types={"worker": worker})
    cluster.start()
    try:
        ray.init(address="auto", logging_level="ERROR")
        return run_and_report(args.config, ray.get_runtime_context().get_node_id(), settle_s=120)
    except BaseException:
        traceback.print_exc()  # now: once the harness stops Ray, this process may be ended before it unwinds
        sys.stderr.flush()
        raise
    finally:
        ray.shutdown()
        cluster.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["fixed", "autoscaling", "corpus"])
    parser.add_argument("config", help="run config (corpus: the folder to write)")
    parser.add_argument("--head-cpus", type=int, default=0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-cpus", type=int, default=1)
    parser.add_argument("--documents", type=int, default=20_000)
    args = parser.parse_args()
    if args.kind == "corpus":
        write_corpus(Path(args.config), args.documents, files=16)
        return
    result = fixed(args) if args.kind == "fixed" else autoscaling(args)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ["RAY_MAX_LIMIT_FROM_API_SERVER"] = str(MAX_TASKS)  # read by the dashboard this script starts
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "300")  # nodes start slowly on a loaded CI machine
    main()
