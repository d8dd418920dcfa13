"""Connected components alone: this branch on Ray (one task; large-star /
small-star rounds) vs today's driver numpy (``components.clusters``) vs
``scipy.sparse.csgraph.connected_components``, on synthetic graphs.

Graphs (node ids are strings ``n<h(i)>`` as in the stage, ``h`` a bijective
multiplicative hash so id order says nothing about position): a chain (the
most rounds), a star (one giant cluster), a random graph with as many edges
as nodes (many components).  Edges are made in blocks of ``BLOCK`` (Ray
tasks for the Ray paths, so no process holds a 160M-edge table of strings).
Every method runs in its own process; memory is that process's peak RSS above
its level once the edge table is built (Ray: the largest worker's peak USS,
benchmarks/dedup_memory.py).  scipy gets integer node indices (the string
encoding is not timed for it) and its component count is checked against
numpy's; the Ray paths (the stage's budget, ``resources.dedup``; ``ray_auto``
picks one task or rounds as the stage does, ``ray_rounds`` forces rounds over
4 partitions) must equal numpy's id -> cluster exactly, checked after the
timed part, which ends when every mapping row is computed.  Past
``--numpy-max`` edges numpy needs more memory than this machine has (~316
B/edge): it is not run, and the Ray paths are checked against scipy's counts
(documents moved, clusters of two or more) and, label by label, against the
keep rule over scipy's components (``labels_follow_rule``).

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


BLOCK = 1_000_000
# Odd, so i -> i * MULT mod 2**32 is a bijection: distinct names for up to 2**32 nodes.
MULT = np.uint64(2654435761)


def endpoints(kind: str, m: int, start: int, stop: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Node indices of edges ``start`` to ``stop`` of an ``m``-edge graph."""
    i = np.arange(start, stop)
    if kind == "chain":
        return i, i + 1
    if kind == "star":
        return np.zeros(len(i), np.int64), i + 1
    rng = np.random.default_rng([seed, start])
    return rng.integers(0, m, len(i)), rng.integers(0, m, len(i))


def nodes(kind: str, m: int) -> int:
    return m if kind == "random" else m + 1


def names(idx: np.ndarray) -> pa.Array:
    hashed = (idx.astype(np.uint64) * MULT) & np.uint64(0xFFFFFFFF)
    return pc.binary_join_element_wise("n", pc.cast(pa.array(hashed), pa.string()), "")


def block(kind: str, m: int, start: int) -> pa.Table:
    left, right = endpoints(kind, m, start, min(m, start + BLOCK))
    prio = pa.nulls(len(left), pa.float64())
    return pa.table({"left": names(left), "right": names(right), "left_prio": prio, "right_prio": prio})


def graph(kind: str, m: int) -> pa.Table:
    """``m`` edges of the given shape."""
    return pa.concat_tables([block(kind, m, start) for start in range(0, m, BLOCK)])


def edge_indices(kind: str, m: int) -> tuple[np.ndarray, np.ndarray]:
    ends = [endpoints(kind, m, start, min(m, start + BLOCK)) for start in range(0, m, BLOCK)]
    return tuple(np.concatenate([end[k] for end in ends]) for k in (0, 1))


def scipy_components(left: np.ndarray, right: np.ndarray, n: int) -> tuple[int, np.ndarray]:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    matrix = coo_matrix((np.ones(len(left), np.int8), (left.astype(np.int32), right.astype(np.int32))), shape=(n, n)).tocsr()
    return connected_components(matrix, directed=False)


def node_index(ids: pa.ChunkedArray) -> np.ndarray:
    """Invert ``names``: ``n<h(i)>`` back to ``i``."""
    hashed = pc.cast(pc.utf8_slice_codeunits(ids, 1), pa.uint64()).to_numpy()
    return (hashed * np.uint64(pow(int(MULT), -1, 2**32))) & np.uint64(0xFFFFFFFF)


def labels_follow_rule(kind: str, m: int, got: pa.Table) -> bool:
    """Whether ``got`` (moved id -> cluster) is exactly the keep rule over scipy's components.

    Past ``--numpy-max`` numpy cannot give the reference labels, so they are
    derived: with no priorities the rule keeps each component's lowest id, so
    every moved node must point at its scipy component's lowest id, each node
    at most once, and every node but one per component must move.
    """
    n = nodes(kind, m)
    count, labels = scipy_components(*edge_indices(kind, m), n)
    order = pc.sort_indices(names(np.arange(n, dtype=np.int64))).to_numpy()
    ordered = labels[order]
    _, first = np.unique(ordered, return_index=True)
    lowest = np.empty(count, np.int64)
    lowest[ordered[first]] = order[first]
    moved, to = node_index(got["id"]), node_index(got["cluster"])
    once = len(np.unique(moved)) == len(moved) == n - count
    return bool(once and np.array_equal(lowest[labels[moved]], to.astype(np.int64)))


def _maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _unique_clusters(table: pa.Table) -> set:
    return set(pc.unique(table["cluster"]).to_pylist())


def one(method: str, kind: str, m: int, check_numpy: bool = True) -> dict:
    """Run one method in this process; print what it measured."""
    from pipeline.stages.components import clusters

    table = graph(kind, m) if method == "numpy_driver" else None
    before = _maxrss()
    t = time.perf_counter()
    out: dict = {}
    if method == "numpy_driver":
        mapping = clusters(table)
        out["moved"] = int(pc.sum(pc.not_equal(mapping["id"], mapping["cluster"])).as_py())
    elif method == "scipy":
        left, right = edge_indices(kind, m)
        n = nodes(kind, m)
        t = time.perf_counter()
        count, labels = scipy_components(left, right, n)
        out["seconds"] = round(time.perf_counter() - t, 3)
        out["components"] = int(count)
        out["moved"] = int(n - count)
        out["clusters"] = int(np.count_nonzero(np.bincount(labels) > 1))
    else:
        import ray

        from filters.dedup_config import DedupConfig
        from pipeline.resources import ResourcesConfig
        from pipeline.stages.dedup_components import cluster_mapping

        unique_clusters = ray.remote(_unique_clusters)

        ray.init(address="local", num_cpus=os.cpu_count(), logging_level="ERROR")
        make = ray.remote(block)
        made = [make.remote(kind, m, start) for start in range(0, m, BLOCK)]
        ray.wait(made, num_returns=len(made), fetch_local=False)
        edges = ray.data.from_arrow_refs(made)
        rounds: list = []
        t = time.perf_counter()
        parts = None if method == "ray_auto" else 4
        mapping = cluster_mapping(edges, DedupConfig(num_partitions=parts), ResourcesConfig().dedup, rounds.append)
        refs = mapping.to_arrow_refs()
        ray.wait(refs, num_returns=len(refs), fetch_local=False)
        out["seconds"] = round(time.perf_counter() - t, 3)
        out["rounds"] = len(rounds)
        out["reduce_tasks_per_round"] = max(r["reduce_tasks"] for r in rounds) if rounds else 1
        out["peak_above_table_mb"] = round((_maxrss() - before) / 2**20, 1)
        if check_numpy:
            got = pa.concat_tables(ray.get(refs))
            out["moved"] = got.num_rows
            ray.shutdown()
            reference = clusters(graph(kind, m))
            reference = reference.filter(pc.not_equal(reference["id"], reference["cluster"]))
            out["equals_numpy"] = got.sort_by("id").equals(reference.sort_by("id"))
        else:
            got = pa.concat_tables(ray.get(refs))
            out["moved"] = got.num_rows
            out["clusters"] = len(set().union(*ray.get([unique_clusters.remote(ref) for ref in refs])))
            ray.shutdown()
            out["labels_equal_rule_over_scipy"] = labels_follow_rule(kind, m, got)
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
    parser.add_argument("--numpy-max", type=int, default=40_000_000, help="largest size numpy runs at (it needs ~316 B/edge)")
    parser.add_argument("--one", nargs=4, metavar=("METHOD", "GRAPH", "EDGES", "CHECK"), help=argparse.SUPPRESS)
    parser.add_argument("--name", default="dedup_components")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], int(args.one[2]), args.one[3] == "numpy")))
        return
    result = {"runs": []}
    settings = {"pentaglot": {"ray_auto": "the stage's choice under resources.dedup (2 GiB): one Ray task, or int64-rank rounds past 400 B/edge",
                              "ray_rounds": "int64-rank large-star / small-star rounds as Ray tasks, 4 partitions and 4 rank ranges", "ray_methods": args.ray_methods},
                "baseline": {"numpy_driver": "components.clusters on the driver", "scipy": "scipy.sparse.csgraph.connected_components on integer indices"},
                "sizes": args.sizes, "graphs": args.graphs, "numpy_max": args.numpy_max, "ray_max": args.ray_max, "chain_ray_max": args.chain_ray_max}
    root = Path(__file__).resolve().parents[1]
    for m in args.sizes:
        for kind in args.graphs:
            check = "numpy" if m <= args.numpy_max else "scipy"
            methods = ["numpy_driver", "scipy"] if check == "numpy" else ["scipy"]
            if m <= (args.chain_ray_max if kind == "chain" else args.ray_max):
                methods += args.ray_methods
            run = {"graph": kind, "edges": m, "load_avg_before": os.getloadavg()}
            for method in methods:
                measured = run_with_peaks([sys.executable, __file__, "--one", method, kind, str(m), check], env={"PYTHONPATH": pythonpath(root), "RAY_ADDRESS": ""}, cwd=str(root))
                inner = json.loads(measured["output_tail"].strip().splitlines()[-1])
                run[method] = {**inner, "worker_peak_uss_mb": measured["worker_peak_uss_mb"], "worker_peak_title": measured["worker_peak_title"].strip(),
                               "worker_peak_heap_mb": measured["worker_peak_heap_mb"], "worker_peak_heap_title": measured["worker_peak_heap_title"].strip(),
                               "bytes_per_edge_above_table": round(inner["peak_above_table_mb"] * 2**20 / m, 1)}
                print(json.dumps({"graph": kind, "edges": m, "method": method, **run[method]}), flush=True)
            if check == "numpy":
                base = run["numpy_driver"]["seconds"]
                run["time_vs_numpy_driver"] = {k: round(run[k]["seconds"] / base, 2) for k in methods}
            else:
                run["numpy_driver"] = f"not run: past --numpy-max ({args.numpy_max:,} edges; ~316 B/edge is more than this machine's memory)"
                for k in methods[1:]:
                    run[k]["equals_scipy_counts"] = run[k]["moved"] == run["scipy"]["moved"] and run[k]["clusters"] == run["scipy"]["clusters"]
                    run[k]["equals_scipy"] = run[k]["equals_scipy_counts"] and run[k]["labels_equal_rule_over_scipy"]
            base = run["scipy"]["seconds"]
            run["time_vs_scipy"] = {k: round(run[k]["seconds"] / base, 2) for k in methods}
            result["runs"].append(run)
            save(args.name, result, settings, ("scipy",))


if __name__ == "__main__":
    main()
