"""Whole dedup stage at growing sizes, this branch side by side with a baseline commit.

Corpus: benchmarks/dedup_synthetic.py (seeded, five languages, 30% near copies).
Each size runs ``pentaglot dedup`` once per side, interleaved, each its own Ray
job on one local Ray of this machine's CPUs; the baseline is the commit's tree
extracted with ``git archive`` under benchmarks/work/.  Recorded per run: wall time, time
per document, the driver's peak RSS, USS and heap, the largest worker's peak
USS and heap (the heap against the dedup stage's per-task budget,
``resources.dedup.memory_mb``; dedup_memory.py says why), the
machine's memory peak, the counts, and whether both sides wrote the same
clusters/ (id, cluster_id, keep) rows.

    python benchmarks/dedup_scale.py --sizes 250000 1000000 [--baseline 468241d] [--skip-baseline-above N] [--baseline-limit-s S]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_memory import run_with_peaks  # noqa: E402
from dedup_synthetic import write  # noqa: E402
from measure import WORK, pythonpath, save  # noqa: E402

from filters.dedup_config import DedupConfig  # noqa: E402
from pipeline.resources import ResourcesConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def baseline_tree(ref: str) -> Path:
    tree = WORK / f"base-{ref}"
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def corpus(n: int) -> tuple[Path, dict]:
    folder = WORK / f"dedup_synth_{n}"
    meta = WORK / f"dedup_synth_{n}.json"
    if not meta.exists():
        shutil.rmtree(folder, ignore_errors=True)
        meta.write_text(json.dumps(write(n, folder)))
    return folder, json.loads(meta.read_text())


def spilled_mib(address: str) -> int:
    """MiB Ray's object store has spilled since it started (its memory summary)."""
    from ray._private.internal_api import memory_summary

    found = re.search(r"Spilled (\d+) MiB", memory_summary(address, stats_only=True))
    return int(found.group(1)) if found else 0


class SpillDisk(threading.Thread):
    """Peak bytes in the session's spill folders, sampled every ``every`` seconds."""

    def __init__(self, session: Path, every: float = 5.0):
        super().__init__(daemon=True)
        self.session, self.every, self.peak, self.stopped = session, every, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            total = 0
            for folder in self.session.glob("ray_spilled_objects*"):
                for entry in os.scandir(folder):
                    try:
                        total += entry.stat().st_size
                    except FileNotFoundError:  # restored and deleted while listed
                        pass
            self.peak = max(self.peak, total)


def run_side(tree: Path, src: Path, out: Path, flags: list[str], address: str, limit_s: float | None = None) -> dict:
    import ray

    shutil.rmtree(out, ignore_errors=True)
    spilled_before = spilled_mib(address)
    disk = SpillDisk(Path(ray._private.worker.global_worker.node.get_session_dir_path()))
    disk.start()
    cmd = [sys.executable, "-c", "from pipeline.cli import main; main()", "dedup", str(src), str(out), "--overwrite", *flags]
    env = {"PYTHONPATH": pythonpath(tree), "RAY_ADDRESS": address, "RAY_DATA_DISABLE_PROGRESS_BARS": "1"}
    try:
        measured = run_with_peaks(cmd, env=env, cwd=str(tree), workers_under=os.getpid(), limit_s=limit_s)
    finally:
        disk.stopped.set()
        disk.join()
    stage = json.loads((out / "stage.json").read_text())
    measured.pop("output_tail")
    spill = {"spilled_mib": spilled_mib(address) - spilled_before, "spill_disk_peak_mb": round(disk.peak / 2**20)}
    return {**measured, **spill, "counts": stage["counts"], "rejected_by_reason": stage["rejected_by_reason"]}


def cluster_rows(out: Path) -> pa.Table:
    return pq.read_table(out / "clusters").sort_by([("id", "ascending")])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--baseline", default="468241d")
    parser.add_argument("--skip-baseline-above", type=int, default=None, help="run only this branch above this size")
    parser.add_argument("--baseline-limit-s", type=float, default=None,
                        help="stop the baseline after this many seconds; a baseline that fails or is stopped is recorded "
                             "as not reaching that size, and larger sizes run this branch only")
    parser.add_argument("--flags", nargs="*", default=[], help="extra `pentaglot dedup` flags for both sides")
    parser.add_argument("--name", default="dedup_scale")
    parser.add_argument("--object-store-gb", type=float, default=None, help="Ray's object store size (default: Ray's, 30%% of memory)")
    args = parser.parse_args()
    budget = ResourcesConfig().dedup.memory_mb
    result = {"runs": []}
    settings = {"pentaglot": {"tree": "this checkout"}, "baseline": {"tree": "commit extracted", "commit": git("rev-parse", args.baseline)},
                "both": {"flags": args.flags, "dedup_memory_budget_mb": budget, "ray_cpus": os.cpu_count(),
                         "object_store_gb": args.object_store_gb or "Ray's default",
                         "ray_env": {k: v for k, v in os.environ.items() if k.startswith("RAY_")}}}
    settings["pentaglot"]["default_shuffle"] = DedupConfig().shuffle  # --flags may override it on both sides
    settings["baseline"]["default_shuffle"] = "its commit's default (sort before 1a8314d, hash from it)"
    import ray

    # One local Ray for every run, started here: on the loaded shared machine a
    # fresh start per run timed out (Ray waits a fixed 30 s for its raylet).
    # Each run is its own Ray job, with its own workers.
    for attempt in range(6):
        try:
            store = int(args.object_store_gb * 2**30) if args.object_store_gb else None
            ray.init(address="local", num_cpus=os.cpu_count(), include_dashboard=False, logging_level="ERROR", object_store_memory=store)
            break
        except Exception as err:  # Ray raises a bare Exception for the start timeout
            if "timed out during startup" not in str(err) or attempt == 5:
                raise
    address = ray.get_runtime_context().gcs_address
    base = baseline_tree(args.baseline)
    baseline_reaches = True
    for n in args.sizes:
        src, info = corpus(n)
        sides = {"this_branch": ROOT}
        if baseline_reaches and (args.skip_baseline_above is None or n <= args.skip_baseline_above):
            sides = {"baseline": base, **sides}
        run = {"documents": n, "corpus": info, "load_avg_before": os.getloadavg()}
        for side, tree in sides.items():
            out = WORK / f"dedup_synth_{n}-{side}"
            started = time.monotonic()
            try:
                run[side] = run_side(tree, src, out, args.flags, address, args.baseline_limit_s if side == "baseline" else None)
            except RuntimeError as failed:
                if side != "baseline":
                    raise
                # the size the baseline cannot reach is a result, not a crash of the benchmark
                baseline_reaches = False
                run[side] = {"reached": False, "seconds_until_stopped": round(time.monotonic() - started, 1), "why": str(failed)[-1500:]}
                print(json.dumps({"documents": n, "side": side, **run[side]}), flush=True)
                continue
            run[side]["us_per_document"] = round(1e6 * run[side]["seconds"] / n, 1)
            run[side]["spilled_bytes_per_document"] = round(run[side]["spilled_mib"] * 2**20 / n)
            run[side]["worker_peak_within_budget"] = run[side]["worker_peak_heap_mb"] <= budget  # heap: see dedup_memory
            run[side]["worker_peak_uss_within_budget"] = run[side]["worker_peak_uss_mb"] <= budget
            print(json.dumps({"documents": n, "side": side, **run[side]}), flush=True)
        if "baseline" in run and run["baseline"].get("reached", True):
            run["same_clusters"] = cluster_rows(WORK / f"dedup_synth_{n}-baseline").equals(cluster_rows(WORK / f"dedup_synth_{n}-this_branch"))
            run["time_ratio_baseline_over_branch"] = round(run["baseline"]["seconds"] / run["this_branch"]["seconds"], 2)
        for side in sides:
            shutil.rmtree(WORK / f"dedup_synth_{n}-{side}", ignore_errors=True)
        result["runs"].append(run)
        save(args.name, result, settings)


if __name__ == "__main__":
    main()
