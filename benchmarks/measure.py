"""Shared measuring tools for the benchmarks: wall time and peak memory of a process tree.

Ray runs work in worker processes that are not children the driver waits for,
so ``getrusage`` under-reports; instead the RSS of the whole process tree is
sampled every 50 ms and its maximum kept.  That sum counts Ray's shared-memory
object store once per worker that maps it, so the machine's own figure is
kept too: the peak of (total - available) memory above its level at start,
which counts every page once (and the object store's shared pages, which
``used`` would leave out).  It includes other tenants' growth, so read it on a
quiet machine.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
    """Run ``cmd``; return wall seconds, peak RSS of its process tree (MB) and output."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd)
    ps = psutil.Process(proc.pid)
    peak = 0
    system_start = _system_in_use()
    system_peak = system_start
    done = threading.Event()

    def sample():
        nonlocal peak, system_peak
        while not done.is_set():
            peak = max(peak, _tree_rss(ps))
            system_peak = max(system_peak, _system_in_use())
            time.sleep(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    output = proc.communicate()[0].decode("utf-8", "replace")
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    return {
        "seconds": time.perf_counter() - started,
        "peak_rss_mb": round(peak / 2**20, 1),
        "peak_system_mb": round((system_peak - system_start) / 2**20, 1),
        "output": output,
    }


def _system_in_use() -> int:
    memory = psutil.virtual_memory()
    return memory.total - memory.available


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_avg_at_start": os.getloadavg(),
        "note": "shared 2-core machine; other work may run concurrently, so compare ratios measured in the same run",
    }


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return path


def require_corpora() -> Path:
    if not CORPORA.is_dir():
        sys.exit("benchmarks need ../shared/corpora (the workspace's shared corpora)")
    return CORPORA
