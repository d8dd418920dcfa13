"""Issue 22 benchmark: ``pentaglot stats`` on the demo run folder, cluster-size groupby partitions.

Baseline: Ray Data's default of 200 hash partitions for the cluster-size
groupby (what ``compute`` used before); ours: partitions from the clusters
files' row count (1 on the demo).  Both run in one process with Ray already
up (the time is "beyond Ray start-up"), alternating, ``--reps`` times each,
on the same run folder; the ratio is baseline seconds / ours.

    python benchmarks/stats_demo_speed.py [--run DIR] [--reps 3]

Without ``--run`` the demo run is made first in benchmarks/work/demo.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

from measure import WORK, machine, save


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", help="a finished pentaglot demo/run folder (default: make one)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--num-cpus", type=int, default=2)
    args = parser.parse_args()
    run = args.run or str(WORK / "demo")
    if not args.run:
        subprocess.run(["pentaglot", "demo", "--out", run, "--num-cpus", str(args.num_cpus)], check=True, capture_output=True)

    import pipeline.stats.compute as compute
    from pipeline.config import ReaderConfig
    from pipeline.runtime import ensure_ray
    from pipeline.stats.settings import StatsConfig
    from pipeline.stats.sources import detect
    from pipeline.storage import Storage

    ensure_ray(args.num_cpus)
    at_start = machine()
    storage = Storage()
    ours = compute._cluster_partitions
    sides = {"baseline_200_partitions": lambda uris, storage: 200, "ours_from_rows": ours}
    times: dict[str, list[float]] = {name: [] for name in sides}
    compute.compute(detect(run, storage), StatsConfig(), ReaderConfig(), storage)  # warm the workers once
    for _ in range(args.reps):
        for name, partitions in sides.items():
            compute._cluster_partitions = partitions
            started = time.perf_counter()
            compute.compute(detect(run, storage), StatsConfig(), ReaderConfig(), storage)
            times[name].append(round(time.perf_counter() - started, 3))
    compute._cluster_partitions = ours
    medians = {name: statistics.median(t) for name, t in times.items()}
    result = {
        "benchmark": "stats on the demo run folder (corpus view), seconds beyond Ray start-up",
        "seconds": times,
        "median_seconds": medians,
        "ratio_baseline_over_ours": round(medians["baseline_200_partitions"] / medians["ours_from_rows"], 2),
        "settings": {"run": run, "reps": args.reps, "num_cpus": args.num_cpus, "stats": StatsConfig().model_dump()},
        "machine": {**at_start, "load_avg_at_end": os.getloadavg()},
        "commit": subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip(),
        "command": "python benchmarks/stats_demo_speed.py --run DIR",
    }
    print(result)
    save("stats_demo_speed", result)


if __name__ == "__main__":
    main()
