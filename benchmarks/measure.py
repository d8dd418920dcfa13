"""Shared measuring tools for the benchmarks: wall time and peak memory of a process tree,
and what every results JSON records (``save``): the commit, both sides' settings and
versions, the machine's load during the run, and the command that reproduces it.

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
import resource
import shlex
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path

import psutil

RESULTS = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work"
CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"


def _tree_sample(proc: psutil.Process, cpu: dict[int, float]) -> int:
    """RSS of the tree now; each process's latest CPU seconds go into ``cpu``
    (Ray's workers exit with their counters, so the last reading is kept)."""
    total = 0
    try:
        for p in [proc, *proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
                times = p.cpu_times()
                cpu[p.pid] = times.user + times.system
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


# Ray gives a starting node 30 s to register, fixed in its code; on an overloaded
# machine a process pinned to one busy core can miss that, so the run is retried.
RAY_START_TIMEOUT = "timed out during startup"
ATTEMPTS = 5


def run_measured(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
    """``measure_once``, retried when Ray's node failed to start in time (nothing was measured then)."""
    attempt = 1
    while True:
        try:
            return measure_once(cmd, env, cwd)
        except RuntimeError as err:
            if RAY_START_TIMEOUT not in str(err) or attempt == ATTEMPTS:
                raise
            attempt += 1


def measure_once(cmd: list[str], env: dict | None = None, cwd: str | None = None) -> dict:
    """Run ``cmd``; return wall seconds, CPU seconds and peak RSS (MB) of its process tree, and output.

    CPU seconds measure the work done whatever else runs on the machine; wall
    seconds also measure the neighbours.  They are the larger of the sampled
    tree's sum and what the reaped children report (each misses some: the
    last 50 ms of a process, or processes nobody waited for), a lower bound.
    """
    started = time.perf_counter()
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd)
    ps = psutil.Process(proc.pid)
    peak = 0
    cpu: dict[int, float] = {}
    system_start = _system_in_use()
    system_peak = system_start
    done = threading.Event()

    def sample():
        nonlocal peak, system_peak
        while not done.is_set():
            peak = max(peak, _tree_sample(ps, cpu))
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
        "cpu_seconds": round(max(sum(cpu.values()), _reaped_cpu() - reaped.ru_utime - reaped.ru_stime), 2),
        "peak_rss_mb": round(peak / 2**20, 1),
        "peak_system_mb": round((system_peak - system_start) / 2**20, 1),
        "output": output,
    }


def pythonpath(tree: Path | str) -> str:
    """PYTHONPATH for a measured child: the tree under test first, then the caller's own
    (where a benchmark's extra packages may be installed outside the venv)."""
    return os.pathsep.join(p for p in (str(tree), os.environ.get("PYTHONPATH", "")) if p)


def _reaped_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _system_in_use() -> int:
    memory = psutil.virtual_memory()
    return memory.total - memory.available


class LoadSampler:
    """The 1-minute load average every ``every`` seconds, from the moment a benchmark imports this module.

    The machine may be shared; a figure is only as good as how busy the
    machine was while it was taken, so that is recorded with it.
    """

    def __init__(self, every: float = 5.0):
        self.samples = [round(os.getloadavg()[0], 2)]
        self.every = every
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            time.sleep(self.every)
            self.samples.append(round(os.getloadavg()[0], 2))

    def summary(self) -> dict:
        values = self.samples + [round(os.getloadavg()[0], 2)]
        return {
            "load_avg_1min": {"start": values[0], "end": values[-1], "min": min(values), "mean": round(sum(values) / len(values), 2), "max": max(values)},
            "cpus": os.cpu_count(),
            "quiet": max(values) < 0.5 * (os.cpu_count() or 1),
        }


def _git(*args: str) -> str:
    out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=Path(__file__).resolve().parent)
    return out.stdout.strip()


LOAD = LoadSampler()
# The code that runs is the code there was at start; a change to anything but code doesn't count.
CODE = {
    "commit": _git("rev-parse", "HEAD"),
    "uncommitted_code_changes": bool(_git("status", "--porcelain", "--untracked-files=no", "--", "*.py", "pyproject.toml")),
}


def versions(*packages: str) -> dict:
    found = {"python": sys.version.split()[0]}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def machine() -> dict:
    """The machine at the moment of the call (kept for the scripts that record it themselves)."""
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0], "platform": platform.platform(), "load_avg_at_start": os.getloadavg()}


def provenance(settings: dict | None, packages: tuple[str, ...]) -> dict:
    """What makes a result checkable: code, command, both sides' settings and versions, load."""
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(Path(__file__).resolve().parents[1])
    except ValueError:
        pass
    return {
        **CODE,
        "command": shlex.join(["python", str(script), *sys.argv[1:]]),
        "settings": settings,
        "versions": versions("pentaglot", "ray", "pyarrow", "numpy", *packages),
        "platform": platform.platform(),
        "machine_load": LOAD.summary(),
    }


def save(target: str | Path, result: dict, settings: dict | None = None, packages: tuple[str, ...] = ()) -> Path:
    """Write ``result`` with its provenance to results/<target>.json, or to ``target`` when it is a path.

    ``settings`` names both sides of the comparison and how each was run (a
    comparison must give them; None is recorded as not given);
    ``packages`` are the baselines' distributions whose versions matter.
    """
    path = Path(target) if str(target).endswith(".json") else RESULTS / f"{target}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**result, "provenance": provenance(settings, packages)}, indent=2, ensure_ascii=False) + "\n")
    return path


def require_corpora() -> Path:
    if not CORPORA.is_dir():
        sys.exit("benchmarks need ../shared/corpora (the workspace's shared corpora)")
    return CORPORA
