"""Issue 22 benchmark: the demo's stats step, one task per small folder vs Ray Data jobs.

Baseline: every folder through the Ray Data path (what ``compute`` did for
any size before): a dataset folding the stage/shard files, then a groupby job
on the dedup cluster ids.  Ours: a folder under ``ONE_TASK_BYTES`` is folded by
one plain Ray task.  Each side runs the demo's whole stats step as the runner
does (``run_stats`` on the run folder and on its shards: compute, plots,
report.html, files written), alternating, ``--reps`` times each, in one
process with Ray already up and a worker warmed by one task first, as the
earlier steps of a demo leave it (the time is "beyond Ray start-up").  The
compute part alone is timed too.  The ratio is baseline seconds / ours.

    python benchmarks/stats_demo_speed.py [--run DIR] [--reps 3]

Without ``--run`` the demo run is made first in benchmarks/work/demo.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import time

from measure import WORK, save

SIDES = {"baseline_ray_data": 0, "ours_one_task": None}  # ONE_TASK_BYTES of each side (None: the default)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--run", help="a finished pentaglot demo/run folder (default: make one)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--num-cpus", type=int, default=2)
    args = parser.parse_args()
    run = args.run or str(WORK / "demo")
    if not args.run:
        shutil.rmtree(run, ignore_errors=True)
        subprocess.run(["pentaglot", "demo", "--out", run, "--num-cpus", str(args.num_cpus)], check=True, capture_output=True)

    import ray

    import pipeline.stats.compute as compute
    from pipeline.config import ReaderConfig
    from pipeline.runtime import ensure_ray
    from pipeline.stats.outputs import run_stats
    from pipeline.stats.settings import StatsConfig
    from pipeline.stats.sources import detect
    from pipeline.storage import Storage, join

    default = compute.ONE_TASK_BYTES
    sides = {name: default if limit is None else limit for name, limit in SIDES.items()}
    targets = {"corpus": run, "shards": join(run, "shards")}
    out = WORK / "stats_demo_speed"
    storage, cfg, reader = Storage(), StatsConfig(), ReaderConfig()
    ensure_ray(args.num_cpus)
    ray.get(ray.remote(lambda: None).remote())  # a started worker, as the demo's earlier steps leave one

    def timed(fn, *args) -> float:
        started = time.perf_counter()
        fn(*args)
        return time.perf_counter() - started

    def step() -> tuple[float, float]:
        """(seconds of the whole stats step, seconds of computing alone), both targets."""
        whole = computing = 0.0
        for name, path in targets.items():
            computing += timed(lambda: compute.compute(detect(path, storage), cfg, reader, storage))
            whole += timed(run_stats, path, str(out / name), cfg, reader, storage, True, args.num_cpus)
        return whole, computing

    step()  # imports and first plots, outside the timings
    step_s: dict[str, list[float]] = {name: [] for name in sides}
    compute_s: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(args.reps):
        for name, limit in sides.items():
            compute.ONE_TASK_BYTES = limit
            whole, computing = step()
            step_s[name].append(round(whole, 3))
            compute_s[name].append(round(computing, 3))
    compute.ONE_TASK_BYTES = default
    step_median = {name: statistics.median(t) for name, t in step_s.items()}
    compute_median = {name: statistics.median(t) for name, t in compute_s.items()}
    result = {
        "benchmark": "the demo's stats step (run folder + shards: compute, plots, report), seconds beyond Ray start-up",
        "step_seconds": step_s,
        "compute_seconds": compute_s,
        "median_step_seconds": step_median,
        "median_compute_seconds": compute_median,
        "ratio_baseline_over_ours": {
            "step": round(step_median["baseline_ray_data"] / step_median["ours_one_task"], 2),
            "compute": round(compute_median["baseline_ray_data"] / compute_median["ours_one_task"], 2),
        },
        "note": "shared 2-core machine: other engineers' work runs concurrently; compare the sides of one run (alternated), not absolute seconds",
    }
    settings = {
        "run": run,
        "reps": args.reps,
        "num_cpus": args.num_cpus,
        "stats": cfg.model_dump(),
        "baseline_ray_data": "ONE_TASK_BYTES=0: a Ray Data job per folder (files fold; groupby on cluster ids, partitions from stage.json rows)",
        "ours_one_task": f"ONE_TASK_BYTES={default}: one Ray task per folder (same partials; cluster sizes from one Arrow groupby)",
        "timing": "step: run_stats of both targets (what the runner's stats step calls); compute: compute() of both, timed apart before each run_stats",
    }
    print(result)
    save("stats_demo_speed", result, settings)


if __name__ == "__main__":
    main()
