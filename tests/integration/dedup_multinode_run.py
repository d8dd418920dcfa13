"""Connected components on a local three-node Ray cluster, a worker removed mid-rounds.

Started by test_dedup_components.py in its own process, so its cluster doesn't
clash with the test session's Ray.  The edges are a stage checkpoint (read
back from files by tasks on any node), so the removed worker also held edge
blocks, which Ray rebuilds by reading their files again.  Prints one JSON line: whether the clusters
equal the single-process oracle's, and what happened to the cluster.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray
from ray.cluster_utils import Cluster

from pipeline.checkpoints import Checkpoints
from pipeline.resources import StageResources
from pipeline.stages.components import clusters
from pipeline.stages.dedup_components import star_rounds
from pipeline.storage import Storage

MB = 1 << 20


def graph(n: int = 300, seed: int = 0) -> pa.Table:
    """A chain (many rounds) plus a random graph, node names shuffled."""
    rng = np.random.default_rng(seed)
    left = np.concatenate([np.arange(n - 1), rng.integers(n, 3 * n, n)])
    right = np.concatenate([np.arange(1, n), rng.integers(n, 3 * n, n)])
    names = rng.permutation(3 * n).astype(str)
    ids = lambda idx: pa.array(np.char.add("doc-", names[idx]).tolist(), pa.string())
    prio = pa.nulls(len(left), pa.float64())
    return pa.table({"left": ids(left), "right": ids(right), "left_prio": prio, "right_prio": prio})


def main() -> None:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 200 * MB})
    workers = [cluster.add_node(num_cpus=1, object_store_memory=200 * MB) for _ in range(2)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, logging_level="ERROR")
    table = graph()
    res = StageResources(memory_mb=256)
    kept = Checkpoints.under(sys.argv[1], Storage(), res)  # the stage output folder
    edges = kept.keep(ray.data.from_arrow([table.slice(i, 100) for i in range(0, table.num_rows, 100)]), "edges")
    rounds = []

    def remove_worker_after_first_round(entry: dict) -> None:
        rounds.append(entry)
        if len(rounds) == 1:
            cluster.remove_node(workers[1], allow_graceful=False)
            # The rounds are quick: let Ray see the node dead before the next
            # one, so its objects (this round's output) must be rebuilt.
            deadline = time.time() + 120
            while sum(1 for n in ray.nodes() if n["Alive"]) > 2 and time.time() < deadline:
                time.sleep(0.5)

    mapping = star_rounds(edges, res, 4, remove_worker_after_first_round)
    got = pa.concat_tables(ray.get(mapping.to_arrow_refs()))
    oracle = clusters(table)
    oracle = oracle.filter(pc.not_equal(oracle["id"], oracle["cluster"]))
    print(json.dumps({
        "equal": dict(zip(got["id"].to_pylist(), got["cluster"].to_pylist())) == dict(zip(oracle["id"].to_pylist(), oracle["cluster"].to_pylist())),
        "rows": got.num_rows,
        "rounds": len(rounds),
        "nodes_alive": sum(1 for n in ray.nodes() if n["Alive"]),
    }))
    ray.shutdown()
    cluster.shutdown()


if __name__ == "__main__":
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    main()
