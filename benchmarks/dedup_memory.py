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


class _Peaks(threading.Thread):
    """Samples the driver, its Ray workers and the machine until stopped."""

    def __init__(self, pid: int, every: float, workers_under: int):
        super().__init__(daemon=True)
        self.root, self.every, self.stopped = psutil.Process(pid), every, threading.Event()
        self.workers_under = psutil.Process(workers_under)
        vm = psutil.virtual_memory()
        self.base_used = vm.total - vm.available
        self.peaks = {"driver_rss": 0, "worker_uss": 0, "worker_rss": 0, "system": 0}
        self.peak_worker = ""  # the process title (Ray's ``ray::<task>``) at the largest USS

    def _sample(self) -> None:
        try:
            self.peaks["driver_rss"] = max(self.peaks["driver_rss"], self.root.memory_info().rss)
            for child in filter(_is_worker, self.workers_under.children(recursive=True)):
                info = child.memory_full_info()
                if info.uss > self.peaks["worker_uss"]:
                    self.peaks["worker_uss"], self.peak_worker = info.uss, " ".join(child.cmdline())[:200]
                self.peaks["worker_rss"] = max(self.peaks["worker_rss"], info.rss)
        except psutil.Error:
            pass
        vm = psutil.virtual_memory()
        self.peaks["system"] = max(self.peaks["system"], vm.total - vm.available - self.base_used)

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self._sample()


def run_with_peaks(cmd: list[str], env: dict | None = None, cwd: str | None = None, every: float = 0.25, workers_under: int | None = None) -> dict:
    """``_run_once``, again when a local Ray start timed out (a fixed 30 s in Ray;
    it happens on the loaded shared machine, before any measured work).

    Workers are looked for among the descendants of ``workers_under`` (the
    process that started the Ray the command joins; default the command)."""
    for _ in range(5):
        try:
            return _run_once(cmd, env, cwd, every, workers_under)
        except RuntimeError as err:
            if "timed out during startup" not in str(err):
                raise
            time.sleep(10)
    return _run_once(cmd, env, cwd, every, workers_under)


def _run_once(cmd: list[str], env: dict | None, cwd: str | None, every: float, workers_under: int | None) -> dict:
    """Run ``cmd``; wall seconds, driver peak RSS, largest worker peak USS/RSS (MB), system peak."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd)
    sampler = _Peaks(proc.pid, every, workers_under or proc.pid)
    sampler.start()
    output = proc.communicate()[0].decode("utf-8", "replace")
    sampler.stopped.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    peaks = {k: round(v / 2**20, 1) for k, v in sampler.peaks.items()}
    return {"seconds": round(time.perf_counter() - started, 1), "driver_peak_rss_mb": peaks["driver_rss"],
            "worker_peak_uss_mb": peaks["worker_uss"], "worker_peak_rss_mb": peaks["worker_rss"],
            "worker_peak_title": sampler.peak_worker, "system_peak_mb": peaks["system"], "output_tail": output[-1500:]}
