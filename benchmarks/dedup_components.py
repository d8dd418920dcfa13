"""Connected components alone: this branch on Ray (one task; large-star /
small-star rounds) vs today's driver numpy (``components.clusters``) vs
``scipy.sparse.csgraph.connected_components``, on synthetic graphs.

Graphs (node ids are strings ``n<i>`` as in the stage, shuffled so id order
says nothing about position): a chain (the most rounds), a star (one giant
cluster), a random graph with as many edges as nodes (many components).
Every method runs in its own process; memory is that process's peak RSS above
its level once the edge table is built (Ray: the largest worker's peak USS,
benchmarks/dedup_memory.py).  scipy gets integer node indices (the string
encoding is not timed for it) and its component count is checked against
numpy's; the Ray paths (the stage's budget, ``resources.dedup``; ``ray_auto``
picks one task or rounds as the stage does, ``ray_rounds`` forces rounds over
4 partitions) must equal numpy's id -> cluster exactly, checked after the
timed part, which ends when every mapping row is computed.

    python benchmarks/dedup_components.py [--sizes 100000 1000000] [--ray-max 1000000] [--ray-methods ray_auto ray_rounds]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_memory import run_with_peaks  # noqa: E402
from measure import pythonpath, save  # noqa: E402

GRAPHS = ("chain", "star", "random")


def graph(kind: str, m: int, seed: int = 0) -> pa.Table:
    """``m`` edges of the given shape."""
    rng = np.random.default_rng(seed)
    if kind == "chain":
        left, right, n = np.arange(m), np.arange(1, m + 1), m + 1
    elif kind == "star":
        left, right, n = np.zeros(m, np.int64), np.arange(1, m + 1), m + 1
    else:
        n = m
        left, right = rng.integers(0, n, m), rng.integers(0, n, m)
    names = np.char.add("n", rng.permutation(n).astype(str))
    prio = pa.nulls(m, pa.float64())
    return pa.table({"left": pa.array(names[left].tolist()), "right": pa.array(names[right].tolist()), "left_prio": prio, "right_prio": prio})


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def one(method: str, kind: str, m: int) -> dict:
    """Run one method in this process; print what it measured."""
    from pipeline.stages.components import clusters

    table = graph(kind, m)
    before = _maxrss()
    t = time.perf_counter()
    out: dict = {}
    if method == "numpy_driver":
        mapping = clusters(table)
        out["moved"] = int(pc.sum(pc.not_equal(mapping["id"], mapping["cluster"])).as_py())
    elif method == "scipy":
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        encoded = pc.dictionary_encode(pa.concat_arrays([table["left"].combine_chunks(), table["right"].combine_chunks()]))
        idx = encoded.indices.to_numpy()
        n = len(encoded.dictionary)
        t = time.perf_counter()
        matrix = coo_matrix((np.ones(m, np.int8), (idx[:m], idx[m:])), shape=(n, n)).tocsr()
        count, labels = connected_components(matrix, directed=False)
        out["components"] = int(count)
        out["moved"] = int(n - count)
    else:
        import ray

        from filters.dedup_config import DedupConfig
        from pipeline.resources import ResourcesConfig
        from pipeline.stages.dedup_components import cluster_mapping

        ray.init(address="local", num_cpus=os.cpu_count(), logging_level="ERROR")
        edges = ray.data.from_arrow([table.slice(i, 250_000) for i in range(0, m, 250_000)]).materialize()
        del table
        rounds: list = []
        t = time.perf_counter()
        parts = None if method == "ray_auto" else 4
        mapping = cluster_mapping(edges, DedupConfig(num_partitions=parts), ResourcesConfig().dedup, rounds.append)
        got = pa.concat_tables(ray.get(mapping.to_arrow_refs()))
        out["seconds"] = round(time.perf_counter() - t, 3)
        out["moved"] = got.num_rows
        out["rounds"] = len(rounds)
        out["peak_above_table_mb"] = round((_maxrss() - before) / 2**20, 1)
        ray.shutdown()
        reference = clusters(graph(kind, m))
        reference = reference.filter(pc.not_equal(reference["id"], reference["cluster"]))
        out["equals_numpy"] = got.sort_by("id").equals(reference.sort_by("id"))
    out.setdefault("seconds", round(time.perf_counter() - t, 3))
    out.setdefault("peak_above_table_mb", round((_maxrss() - before) / 2**20, 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--ray-max", type=int, default=1_000_000, help="largest size the Ray methods run at")
    parser.add_argument("--chain-ray-max", type=int, default=100_000, help="largest chain the Ray methods run at")
    parser.add_argument("--ray-methods", nargs="+", default=["ray_auto", "ray_rounds"], choices=["ray_auto", "ray_rounds"])
    parser.add_argument("--graphs", nargs="+", default=list(GRAPHS), choices=GRAPHS)
    parser.add_argument("--one", nargs=3, metavar=("METHOD", "GRAPH", "EDGES"), help=argparse.SUPPRESS)
    parser.add_argument("--name", default="dedup_components")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], int(args.one[2]))))
        return
    result = {"runs": []}
    settings = {"pentaglot": {"ray_auto": "the stage's choice under resources.dedup (2 GiB): one Ray task, or int64-rank rounds past 400 B/edge",
                              "ray_rounds": "int64-rank large-star / small-star rounds as Ray tasks, 4 partitions and 4 rank ranges", "ray_methods": args.ray_methods},
                "baseline": {"numpy_driver": "components.clusters on the driver", "scipy": "scipy.sparse.csgraph.connected_components on integer indices"},
                "sizes": args.sizes, "graphs": args.graphs, "ray_max": args.ray_max, "chain_ray_max": args.chain_ray_max}
    root = Path(__file__).resolve().parents[1]
    for m in args.sizes:
        for kind in args.graphs:
            methods = ["numpy_driver", "scipy"]
            if m <= (args.chain_ray_max if kind == "chain" else args.ray_max):
                methods += args.ray_methods
            run = {"graph": kind, "edges": m, "load_avg_before": os.getloadavg()}
            for method in methods:
                measured = run_with_peaks([sys.executable, __file__, "--one", method, kind, str(m)], env={"PYTHONPATH": pythonpath(root), "RAY_ADDRESS": ""}, cwd=str(root))
                inner = json.loads(measured["output_tail"].strip().splitlines()[-1])
                run[method] = {**inner, "worker_peak_uss_mb": measured["worker_peak_uss_mb"],
                               "bytes_per_edge_above_table": round(inner["peak_above_table_mb"] * 2**20 / m, 1)}
                print(json.dumps({"graph": kind, "edges": m, "method": method, **run[method]}), flush=True)
            base = run["numpy_driver"]["seconds"]
            run["time_vs_numpy_driver"] = {k: round(run[k]["seconds"] / base, 2) for k in methods}
            result["runs"].append(run)
            save(args.name, result, settings, ("scipy",))


if __name__ == "__main__":
    main()
