"""Starting or joining Ray, in one place, and keeping its chatter off the console.

``ray.init()`` with no address starts the embedded local runtime; with
``RAY_ADDRESS`` set (or under ``ray job submit``) the same call joins the cluster.

Ray prints much a user can't act on: Ray Data's plan and resource notes, its
"will hang" warning while actors hold every CPU, the core worker's C++ errors
about actor restarts.  Unless ``--verbose``, those go to a log file (in the run
folder for ``pentaglot run``) and the console keeps the pipeline's own progress
and summaries; errors still reach the user as exceptions.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import contextmanager

import yaml

# Ray Data's own logging config (its RAY_DATA_LOGGING_CONFIG format) with the
# console handler raised to ERROR; the file handler still gets everything.
_RAY_DATA_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"ray": {"format": "%(asctime)s\t%(levelname)s %(filename)s:%(lineno)s -- %(message)s"}},
    "filters": {"console_filter": {"()": "ray.data._internal.logging.HiddenRecordFilter"}},
    "handlers": {
        "file": {"class": "ray.data._internal.logging.SessionFileHandler", "formatter": "ray", "filename": "ray-data.log"},
        "console": {"class": "ray._private.log.PlainRayHandler", "formatter": "ray", "level": "ERROR", "filters": ["console_filter"]},
    },
    "loggers": {"ray.data": {"level": "DEBUG", "handlers": ["file", "console"], "propagate": False}},
}


class Console:
    """How much of Ray reaches the console, set once by the CLI."""

    verbose = True  # the Python API and tests see everything unless a command says otherwise
    log_dir: str | None = None
    log_file: str | None = None


def configure_console(verbose: bool, log_dir: str | None = None) -> None:
    """Quiet (default for commands) or verbose; ``log_dir`` is where Ray's console output goes instead."""
    Console.verbose = verbose
    Console.log_dir = log_dir
    if not verbose and "RAY_DATA_LOGGING_CONFIG" not in os.environ:
        folder = _log_folder()
        path = os.path.join(folder, "ray-data-logging.yaml")
        with open(path, "w") as f:
            yaml.safe_dump(_RAY_DATA_LOGGING, f)
        os.environ["RAY_DATA_LOGGING_CONFIG"] = path  # read by Ray Data on import, in the driver and every worker
        os.environ.setdefault("RAY_DATA_DISABLE_PROGRESS_BARS", "1")  # pipeline.progress draws one bar per stage
        if "ray.data" in sys.modules:
            from ray.data._internal.logging import configure_logging

            configure_logging()


def _log_folder() -> str:
    folder = Console.log_dir or os.path.join(tempfile.gettempdir(), "pentaglot-logs")
    os.makedirs(folder, exist_ok=True)
    return folder


def _divert_native_stderr() -> str:
    """Send file descriptor 2 (where Ray's C++ core worker writes) to a log file.

    Python's ``sys.stderr`` keeps the terminal through a duplicate of the old
    descriptor, so the pipeline's own messages, progress and tracebacks stay.
    """
    path = os.path.join(_log_folder(), f"ray-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log")
    sys.stderr.flush()
    terminal = os.dup(2)
    log = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 2)
    os.close(log)
    sys.stderr = os.fdopen(terminal, "w", buffering=1, encoding=sys.stderr.encoding, errors="backslashreplace")
    return path


_STARTED_LOCAL = False
_LOCAL_CPUS: float | None = None


def started_local() -> bool:
    """True when this process started the embedded runtime: its nodes are all there will be."""
    return _STARTED_LOCAL


def local_cpus() -> float | None:
    """CPUs of the embedded runtime this process started (one fixed node); None on a cluster."""
    return _LOCAL_CPUS if _STARTED_LOCAL else None


def ensure_ray(num_cpus: int | None = None) -> None:
    """Start (or join) Ray once per process; a no-op when it is already up."""
    global _STARTED_LOCAL, _LOCAL_CPUS
    import ray

    # A UserError raised inside any stage's map (a duplicate id in dedup)
    # reaches the CLI as itself, not wrapped in Ray Data's task error.
    from ray.data import DataContext

    DataContext.get_current().raise_original_map_exception = True
    if ray.is_initialized():
        return
    quiet = not Console.verbose
    if quiet and _is_real_stderr():
        Console.log_file = _divert_native_stderr()
    kwargs: dict = {"log_to_driver": not quiet, "configure_logging": True, "logging_level": "WARNING"}
    if not os.environ.get("RAY_ADDRESS"):
        # "local" always starts a fresh runtime; without it ray.init() joins any
        # cluster another process on this machine started, with other CPUs.
        kwargs["address"] = "local"
        kwargs["include_dashboard"] = False
        if num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
    ray.init(**kwargs)
    _STARTED_LOCAL = kwargs.get("address") == "local"
    _LOCAL_CPUS = sum(n["Resources"].get("CPU", 0) for n in ray.nodes() if n["Alive"]) if _STARTED_LOCAL else None


def on_driver_node() -> dict:
    """Actor options that pin a small bookkeeping actor (counts, progress) to the driver's node.

    Anywhere else, losing that worker node would kill the actor and fail every
    task still reporting to it, where the pipeline otherwise survives the loss.
    """
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return {"scheduling_strategy": NodeAffinitySchedulingStrategy(ray.get_runtime_context().get_node_id(), soft=False)}


def _is_real_stderr() -> bool:
    """True when ``sys.stderr`` is descriptor 2 itself (not a test runner's capture)."""
    try:
        return sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


@contextmanager
def data_settings(preserve_order: bool = False, reservation: bool = True):
    """Ray Data settings for the datasets run inside the block, restored afterwards.

    Turn ``reservation`` off only for a dataset with a single operator: Ray
    Data's per-operator resource reservation starts such a dataset with one
    task and starts the rest only after its resource manager's one-second
    refresh (measured: the second of four tasks always began at 1.05 s), which
    on a short job leaves CPUs idle.  Reservation exists to stop one operator
    starving another.
    """
    import ray

    ctx = ray.data.DataContext.get_current()
    before = ctx.execution_options.preserve_order, ctx.op_resource_reservation_enabled
    ctx.execution_options.preserve_order = preserve_order
    ctx.op_resource_reservation_enabled = reservation
    try:
        yield
    finally:
        ctx.execution_options.preserve_order, ctx.op_resource_reservation_enabled = before


# Ray Data's object-store limit, in object stores, while a stage materializes
# a dataset: more than any kept dataset fills (Ray spills past the store).
_KEPT_LIMIT_STORES = 1e6


def materialized(ds):
    """``ds.materialize()`` without Ray Data's object-store backpressure.

    Ray Data (2.60) charges each block an operator produced, for as long as
    anything holds it, against that operator's share of half the object
    store.  A materialized dataset is held whole, so once it passes that
    share its operators run one task at a time, while Ray spills the blocks
    to disk anyway.  At 16M documents dedup's signatures (11 GB against a
    12 GB store) ran on one of two CPUs for the last third of their pass
    (``benchmarks/results/dedup_scale_lookup_16m.json``).  The limit is
    lifted for this one execution; its tasks are still bounded by the CPUs
    and memory they ask for.  The result keeps ``ds``'s setting.
    """
    ctx = ds.context
    before = ctx.override_object_store_memory_limit_fraction
    ctx.override_object_store_memory_limit_fraction = _KEPT_LIMIT_STORES
    try:
        out = ds.materialize()
    finally:
        ctx.override_object_store_memory_limit_fraction = before
    out.context.override_object_store_memory_limit_fraction = before
    return out


def cancel_all(refs: list) -> None:
    """Cancel the tasks behind ``refs`` and wait for them to end (at most a minute).

    A step that fails must not leave tasks writing into its output after it
    has returned: a failed export went on writing parts into its folder, and
    dedup's clusters/ files are written by tasks the same way.
    """
    import ray

    for ref in refs:
        ray.cancel(ref)
    ray.wait(refs, num_returns=len(refs), timeout=60)


def get_all(refs: list) -> list:
    """Every task's result, in order; at the first failure the rest are cancelled (``cancel_all``) before it is raised."""
    import ray

    try:
        return ray.get(refs)
    except BaseException:
        cancel_all(refs)
        raise
