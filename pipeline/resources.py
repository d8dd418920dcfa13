"""Config to Ray resources, in one place: what each stage asks the cluster for.

Why one place: a stage that sized itself from ``ray.cluster_resources()`` when
the job was planned saw an autoscaling cluster at its smallest (a head with no
CPUs, zero workers) and never asked for more, so the autoscaler never grew it.
Here every stage states what one task or actor needs (CPUs, memory) and how
many actors it may use; Ray Data then asks for more as long as work is queued,
and the autoscaler adds nodes to satisfy those requests.

The same ``memory_mb`` that a task reserves is its memory budget: partition
and block counts come from the data's size divided by it
(:func:`partitions_for`), never from the number of nodes, so a partition fits
the task that processes it on any cluster.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import Field

from filters.section import Section

MB = 1 << 20


class StageResources(Section):
    """What one task or actor of a stage reserves, and the actor range."""

    cpus: float = Field(1.0, gt=0, description="CPUs each task or actor reserves")
    memory_mb: int = Field(
        1024,
        ge=64,
        description="memory each task or actor reserves, and the budget its share of the data is sized to",
    )
    min_actors: int = Field(1, ge=1, description="actors started at once (stages that hold a model)")
    max_actors: int | None = Field(
        None, ge=1, description="most actors; None = as many as the cluster grows to"
    )

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * MB


def _stage(**defaults) -> Any:
    return Field(default_factory=lambda: StageResources(**defaults))


class ResourcesConfig(Section):
    """Per-stage requests.  Defaults fit the 4 GiB-per-CPU nodes in infra/."""

    read: StageResources = _stage(memory_mb=1024)
    normalize: StageResources = _stage(memory_mb=1024)
    langid: StageResources = _stage(memory_mb=1536)
    filter: StageResources = _stage(memory_mb=1536)
    dedup: StageResources = _stage(memory_mb=2048)
    # training: the memory request is raised to the memory guard's estimate
    tokenizer: StageResources = _stage(cpus=2, memory_mb=4096, max_actors=1)
    tokenize: StageResources = _stage(cpus=2, memory_mb=2048)
    stats: StageResources = _stage(memory_mb=1024)


def partitions_for(nbytes: int, budget_bytes: int, share: float = 0.25) -> int:
    """How many pieces ``nbytes`` of data must be cut into so each fits a task.

    A task holds its piece plus what it builds from it (sort indices, hashes,
    output columns), so a piece may take only ``share`` of the budget.
    """
    if nbytes <= 0:
        return 1
    return max(1, math.ceil(nbytes / (budget_bytes * share)))


def task_options(res: StageResources) -> dict:
    """``num_cpus`` and ``memory`` for a Ray task or ``map_batches`` call."""
    return {"num_cpus": res.cpus, "memory": res.memory_bytes}


def actor_options(res: StageResources) -> dict:
    """``map_batches`` keywords for a stage that holds a model in actors.

    ``max_actors=None`` leaves the pool unbounded: Ray Data keeps adding actors
    while batches queue and the cluster (or its autoscaler) can place them.
    """
    import ray

    pool = ray.data.ActorPoolStrategy(min_size=res.min_actors, max_size=res.max_actors)
    return {**task_options(res), "compute": pool}
