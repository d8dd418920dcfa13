"""How the dedup rank and component steps run: Ray tasks that pass object refs.

Each step is a plain function that returns a list of outputs (one per
partition it feeds, plus small counts).  ``RayTasks.call`` runs it as one Ray
task with one object ref per output, so the driver only ever holds refs and
reads the few counts it asks ``get`` for; objects a lost node held are rebuilt
from the tasks' lineage.  ``InProcess`` runs the same steps in this process
(unit tests, no Ray), so the tests exercise the code the cluster runs.
"""

from __future__ import annotations

from typing import Callable, Sequence

import ray

from pipeline.resources import StageResources, released, task_options


def _run(fn: Callable, outputs: int, *args):
    out = fn(*args)
    return out[0] if outputs == 1 else out


_remote_run = ray.remote(released(_run))


class RayTasks:
    """Steps as Ray tasks sized by the stage's resources, named after the step
    (the dashboard and a worker's process title show ``ray::<step>``)."""

    def __init__(self, res: StageResources):
        self.options = task_options(res)

    def call(self, fn: Callable, outputs: int, *args) -> list:
        """``fn(*args)`` (a list of ``outputs`` values) as one task: a ref per output."""
        refs = _remote_run.options(num_returns=outputs, name=fn.__name__, **self.options).remote(fn, outputs, *args)
        return refs if outputs > 1 else [refs]

    def get(self, refs: Sequence) -> list:
        return ray.get(list(refs))


class InProcess:
    """The same steps run at once in this process (values stand in for refs)."""

    def call(self, fn: Callable, outputs: int, *args) -> list:
        out = list(fn(*args))
        assert len(out) == outputs, (fn, len(out), outputs)
        return out

    def get(self, refs: Sequence) -> list:
        return list(refs)
