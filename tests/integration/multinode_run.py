"""Run the pipeline on a local multi-node Ray cluster and remove a worker node mid-run.

Started by test_multinode.py in its own process, so its cluster doesn't clash
with the test session's Ray.  Prints the run report as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

import ray
from ray.cluster_utils import Cluster

from pipeline.config import load_config
from pipeline.runner import Runner


def main(config_path: str) -> None:
    config = load_config(config_path)
    out = Path(config.output)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    workers = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR")
    removed = {}

    def remove_worker_mid_run():
        # once the first step is committed, the second is running: take a node away
        while not (out / "_commits" / "normalize.json").exists():
            time.sleep(0.05)
        cluster.remove_node(workers[1], allow_graceful=False)
        removed["at"] = time.time()

    killer = threading.Thread(target=remove_worker_mid_run, daemon=True)
    killer.start()
    report = Runner(config, echo=lambda line: print(line, file=sys.stderr)).run()
    killer.join(timeout=5)
    report["removed_node"] = bool(removed)
    report["nodes_alive"] = sum(1 for n in ray.nodes() if n["Alive"])
    print(json.dumps(report))
    ray.shutdown()
    cluster.shutdown()


if __name__ == "__main__":
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    main(sys.argv[1])
