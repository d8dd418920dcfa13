"""Per-process memory peaks of a command and the Ray workers it starts.

benchmarks/measure.py sums the RSS of the whole process tree; the dedup scale
questions are per process: is the driver flat as the corpus grows, and does
any one worker (the tasks it runs) stay within the stage's per-task budget?
A worker's RSS counts the object-store pages it maps (blocks it reads
zero-copy), so its unique set size (USS: pages no other process shares) is
kept as the task-memory figure, and RSS beside it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

import psutil


def _is_worker(proc: psutil.Process) -> bool:
    try:
        return proc.name().startswith("ray::") or any("default_worker.py" in part for part in proc.cmdline())
    except psutil.Error:
        return False


def run_with_peaks(cmd: list[str], env: dict | None = None, cwd: str | None = None, every: float = 0.25) -> dict:
    """Run ``cmd``; wall seconds, driver peak RSS, largest worker peak USS/RSS (MB), system peak."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd)
    root = psutil.Process(proc.pid)
    peaks = {"driver_rss": 0, "worker_uss": 0, "worker_rss": 0, "system": 0}
    base = psutil.virtual_memory()
    base_used = base.total - base.available
    done = threading.Event()

    def sample():
        while not done.is_set():
            try:
                peaks["driver_rss"] = max(peaks["driver_rss"], root.memory_info().rss)
                for child in root.children(recursive=True):
                    if _is_worker(child):
                        info = child.memory_full_info()
                        peaks["worker_uss"] = max(peaks["worker_uss"], info.uss)
                        peaks["worker_rss"] = max(peaks["worker_rss"], info.rss)
            except psutil.Error:
                pass
            vm = psutil.virtual_memory()
            peaks["system"] = max(peaks["system"], vm.total - vm.available - base_used)
            time.sleep(every)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    output = proc.communicate()[0].decode("utf-8", "replace")
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    mb = lambda b: round(b / 2**20, 1)
    return {"seconds": round(time.perf_counter() - started, 1), "driver_peak_rss_mb": mb(peaks["driver_rss"]),
            "worker_peak_uss_mb": mb(peaks["worker_uss"]), "worker_peak_rss_mb": mb(peaks["worker_rss"]),
            "system_peak_mb": mb(peaks["system"]), "output_tail": output[-1500:]}
