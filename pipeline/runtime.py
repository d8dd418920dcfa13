"""Starting or joining Ray, in one place.

``ray.init()`` with no address starts the embedded local runtime; with
``RAY_ADDRESS`` set (or under ``ray job submit``) the same call joins the cluster.
"""

from __future__ import annotations

import os


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
