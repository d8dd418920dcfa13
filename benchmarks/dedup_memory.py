"""Per-process memory peaks of a command and the Ray workers it starts.

benchmarks/measure.py sums the RSS of the whole process tree; the dedup scale
questions are per process: is the driver flat as the corpus grows, and does
any one worker (the tasks it runs) stay within the stage's per-task budget?
A worker's RSS counts the object-store pages it maps (blocks it reads
zero-copy), so its unique set size (USS: pages no other process shares) is
kept, and RSS beside it.  USS still counts the pages of objects the process
created that no other process has mapped yet (the plasma store never
touches them): a task that returns a 500 MB block holds 500 MB of
``/dev/shm/plasma*`` USS until a reader maps it.  Those pages are Ray's
object store, budgeted by ``object_store_memory``, not the task's, so each
process's *heap* is kept too, and is the figure held against the per-task
budget: its anonymous resident pages (``RssAnon``), which the object store's
shared-memory pages are not part of.

The heap and RSS come from ``/proc/<pid>/status``, counters the kernel keeps;
USS needs ``smaps``, a walk of every mapped page.  With a full 12 GB object
store mapped by eleven workers one such pass took 1.1 s, so sampling it every
quarter second kept most of a core of this 2-CPU machine busy (93% in ``top``
during a 16M run).  A pass costs more the more store pages the workers map, so
it would take more from the large runs than from the small ones they are
compared with (how much was not measured).  The USS pass is therefore spaced
to use at most ``USS_SHARE`` of a core, and the sampler's own CPU seconds are
reported.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time

import psutil

USS_SHARE = 0.1  # of one core, at most, spent on the smaps passes that give USS


def _is_worker(proc: psutil.Process) -> bool:
    try:
        return proc.name().startswith("ray::") or any("default_worker.py" in part for part in proc.cmdline())
    except psutil.Error:
        return False


def _status(proc: psutil.Process) -> tuple[int, int]:
    """RSS and heap (anonymous resident bytes), from ``/proc/<pid>/status``; an
    exiting (zombie) worker's status has neither: 0."""
    fields = {"VmRSS:": 0, "RssAnon:": 0}
    with open(f"/proc/{proc.pid}/status") as status:
        for line in status:
            if line.startswith(("VmRSS:", "RssAnon:")):
                name, kib = line.split()[:2]
                fields[name] = int(kib) * 1024
    return fields["VmRSS:"], fields["RssAnon:"]


def _uss(proc: psutil.Process) -> int:
    return sum(m.private_clean + m.private_dirty for m in proc.memory_maps(grouped=True))


class _Peaks(threading.Thread):
    """Samples the driver, its Ray workers and the machine until stopped."""

    def __init__(self, pid: int, every: float, workers_under: int):
        super().__init__(daemon=True)
        self.root, self.every, self.stopped = psutil.Process(pid), every, threading.Event()
        self.workers_under = psutil.Process(workers_under)
        vm = psutil.virtual_memory()
        self.base_used = vm.total - vm.available
        self.peaks = dict.fromkeys(("driver_rss", "driver_uss", "driver_heap", "worker_uss", "worker_heap", "worker_rss", "system"), 0)
        self.titles = dict.fromkeys(self.peaks, "")  # each peak's process title (Ray's ``ray::<task>``)
        self.cpu_seconds = 0.0
        self.failed = ""  # why the sampler stopped early, if it did

    def _sample(self, with_uss: bool) -> None:
        self._read(self.root, with_uss, "driver")
        try:
            children = self.workers_under.children(recursive=True)
        except psutil.NoSuchProcess:  # the command, when it is the workers' root, has just ended
            children = []
        for child in filter(_is_worker, children):
            self._read(child, with_uss, "worker")
        vm = psutil.virtual_memory()
        self.peaks["system"] = max(self.peaks["system"], vm.total - vm.available - self.base_used)

    def _read(self, proc: psutil.Process, with_uss: bool, who: str) -> None:
        """One process's RSS and heap (and USS), each raising ``who``'s peak; a
        process that exits while read is skipped, the others still are read."""
        try:
            rss, heap = _status(proc)
            self._raise(f"{who}_rss", rss, proc)
            self._raise(f"{who}_heap", heap, proc)
            if with_uss:
                self._raise(f"{who}_uss", _uss(proc), proc)
        except (psutil.Error, OSError):
            pass

    def _raise(self, key: str, value: int, proc: psutil.Process) -> None:
        if value > self.peaks[key]:
            self.peaks[key] = value
            self.titles[key] = " ".join(proc.cmdline())[:200]

    def run(self) -> None:
        next_uss = 0.0
        try:
            while not self.stopped.wait(self.every):
                started = time.monotonic()
                with_uss = started >= next_uss
                self._sample(with_uss)
                if with_uss:
                    next_uss = started + (time.monotonic() - started) / USS_SHARE
        except BaseException as err:  # its peaks are partial: the run must not be reported
            self.failed = f"{type(err).__name__}: {err}"
        self.cpu_seconds = time.thread_time()


def run_with_peaks(cmd: list[str], env: dict | None = None, cwd: str | None = None, every: float = 0.25, workers_under: int | None = None,
                   limit_s: float | None = None) -> dict:
    """``_run_once``, again when a local Ray start timed out (a fixed 30 s in Ray;
    it happens on the loaded shared machine, before any measured work).

    Workers are looked for among the descendants of ``workers_under`` (the
    process that started the Ray the command joins; default the command).
    A command still running after ``limit_s`` is killed and counts as failed."""
    for _ in range(5):
        try:
            return _run_once(cmd, env, cwd, every, workers_under, limit_s)
        except RuntimeError as err:
            if "timed out during startup" not in str(err):
                raise
            time.sleep(10)
    return _run_once(cmd, env, cwd, every, workers_under, limit_s)


def _run_once(cmd: list[str], env: dict | None, cwd: str | None, every: float, workers_under: int | None, limit_s: float | None) -> dict:
    """Run ``cmd``; wall seconds, driver peak RSS/USS/heap, largest worker peak USS/heap/RSS (MB), system peak."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd)
    sampler = _Peaks(proc.pid, every, workers_under or proc.pid)
    sampler.start()
    try:
        output = proc.communicate(timeout=limit_s)[0].decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        proc.kill()
        output = proc.communicate()[0].decode("utf-8", "replace") + f"\nstopped: still running after {limit_s:g} s"
    sampler.stopped.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{output[-3000:]}")
    if sampler.failed:
        raise RuntimeError(f"the memory sampler stopped during {' '.join(cmd)} ({sampler.failed}): its peaks are partial")
    peaks = {k: round(v / 2**20, 1) for k, v in sampler.peaks.items()}
    return {"seconds": round(time.perf_counter() - started, 1), "driver_peak_rss_mb": peaks["driver_rss"],
            "driver_peak_uss_mb": peaks["driver_uss"], "driver_peak_heap_mb": peaks["driver_heap"],
            "worker_peak_uss_mb": peaks["worker_uss"], "worker_peak_title": sampler.titles["worker_uss"],
            "worker_peak_heap_mb": peaks["worker_heap"], "worker_peak_heap_title": sampler.titles["worker_heap"],
            "worker_peak_rss_mb": peaks["worker_rss"], "system_peak_mb": peaks["system"],
            "sampler_cpu_seconds": round(sampler.cpu_seconds, 1), "output_tail": output[-1500:]}
