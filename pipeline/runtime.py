"""Starting or joining Ray, in one place.

``ray.init()`` with no address starts the embedded local runtime; with
``RAY_ADDRESS`` set (or under ``ray job submit``) the same call joins the cluster.
"""

from __future__ import annotations

import os
from contextlib import contextmanager


def ensure_ray(num_cpus: int | None = None) -> None:
    """Start (or join) Ray once per process; a no-op when it is already up."""
    import ray

    if ray.is_initialized():
        return
    kwargs: dict = {"log_to_driver": True, "configure_logging": True, "logging_level": "WARNING"}
    if not os.environ.get("RAY_ADDRESS"):
        # "local" always starts a fresh runtime; without it ray.init() joins any
        # cluster another process on this machine started, with other CPUs.
        kwargs["address"] = "local"
        kwargs["include_dashboard"] = False
        if num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
    ray.init(**kwargs)


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
