"""Config to Ray resources, in one place: what each stage asks the cluster for.

Why one place: a stage that sized itself from the cluster's resources when
the job was planned saw an autoscaling cluster at its smallest (a head with no
CPUs, zero workers) and never asked for more, so the autoscaler never grew it.
Here every stage states what one task or actor needs (CPUs, memory) and how
many actors it may use; Ray Data then asks for more as long as work is queued,
and the autoscaler adds nodes to satisfy those requests.

The same ``memory_mb`` that a task reserves is its memory budget: partition
and block counts come from the data's size divided by it
(:func:`partitions_for`, :func:`blocks_for`), never from the number of nodes,
so a partition fits the task that processes it on any cluster.

Why the defaults don't starve a 2-CPU runtime although actors reserve a whole
CPU each: Ray Data's resource reservation (on by default, see
``runtime.data_settings``) reserves each operator of a dataset at least one
task's resources before an actor pool may grow into the shared rest, so the
read and write tasks always keep their slots; on an autoscaling cluster the
same pool keeps growing while batches queue and the autoscaler adds nodes.
Node *shapes* (what one node can hold) are read only to refuse, before any
work, a request no node type can ever satisfy (:func:`check_fits`).
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import pyarrow as pa

from pydantic import Field, model_validator

from filters.section import Section
from pipeline.errors import UserError
from pipeline.runtime import local_cpus, started_local

MB = 1 << 20
# A small input is still cut into up to this many blocks (none under
# MIN_BLOCK_BYTES) so that a growing cluster has work to spread: a fixed count,
# not the cluster's size.  Smaller blocks cost a task's overhead each in every
# later stage (1 MB blocks made small runs 3x slower).
SPREAD_BLOCKS = 32
MIN_BLOCK_BYTES = 2 * MB


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
    reserve_memory: bool = Field(True, description="ask Ray for memory_mb per task (else it only sizes the data)")

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * MB

    @property
    def reserved_bytes(self) -> int:
        """The memory asked of Ray: the budget, or nothing when reservation is off."""
        return self.memory_bytes if self.reserve_memory else 0

    def fixed(self, actors: int | None) -> StageResources:
        """These resources with exactly ``actors`` actors (a command's ``--actors``), or unchanged."""
        if actors is None:
            return self
        return self.model_copy(update={"min_actors": actors, "max_actors": actors})


def _stage(**defaults) -> Any:
    return Field(default_factory=lambda: StageResources(**defaults))


class ResourcesConfig(Section):
    """Per-stage requests.  Defaults fit the 4 GiB-per-CPU nodes in infra/.

    ``langid`` and ``tokenize`` actors hold a model each; a tokenize actor
    runs ``resources.tokenize.cpus // tokenize.threads`` calls at once (2 and 1
    by default: two calls of one encode thread each).  ``tokenizer`` is the
    training task: ``cpus`` should match ``tokenizer.num_threads``, and its
    memory request is raised to the memory guard's estimate.
    """

    io: StageResources = _stage(memory_mb=1024)  # reading input files, writing stage outputs
    normalize: StageResources = _stage(memory_mb=1024)
    langid: StageResources = _stage(memory_mb=1536)
    filter: StageResources = _stage(memory_mb=1536)
    dedup: StageResources = _stage(memory_mb=2048)
    decontaminate: StageResources = _stage(memory_mb=1536)
    redact: StageResources = _stage(memory_mb=1024)
    tokenizer: StageResources = _stage(cpus=2, memory_mb=4096, max_actors=1)
    tokenize: StageResources = _stage(cpus=2, memory_mb=2048)
    stats: StageResources = _stage(memory_mb=1024)
    reserve_memory: bool = Field(
        True,
        description="ask Ray for each task's memory_mb; turn off for autoscaler node types that don't state "
        "their memory (the autoscaler never launches a node for a memory request it can't see fit)",
    )

    @model_validator(mode="after")
    def _memory_reservation_reaches_every_stage(self) -> ResourcesConfig:
        if not self.reserve_memory:
            for name in STAGE_NAMES:
                # not setattr: the section validates assignments, which would rerun this validator
                self.__dict__[name] = getattr(self, name).model_copy(update={"reserve_memory": False})
        return self


STAGE_NAMES = ("io", "normalize", "langid", "filter", "dedup", "decontaminate", "redact", "tokenizer", "tokenize", "stats")


def partitions_for(nbytes: int, budget_bytes: int, share: float = 0.25) -> int:
    """How many pieces ``nbytes`` of data must be cut into so each fits a task.

    A task holds its piece plus what it builds from it (sort indices, hashes,
    output columns), so a piece may take only ``share`` of the budget.
    """
    if nbytes <= 0:
        return 1
    return max(1, math.ceil(nbytes / (budget_bytes * share)))


def blocks_for(nbytes: int, budget_bytes: int, share: float = 0.25) -> int:
    """Blocks (or shuffle partitions) to cut ``nbytes`` into: each fits
    ``share`` of the budget, and a small input still spreads (up to
    ``SPREAD_BLOCKS`` blocks of at least ``MIN_BLOCK_BYTES``).

    The spread matters past the step itself: a step's output has one file
    per block, and the next step can't cut a file finer than its row groups,
    so one block here is one task in every step after it, and one task
    never asks an autoscaler for a second node.
    """
    spread = min(SPREAD_BLOCKS, math.ceil(max(nbytes, 1) / MIN_BLOCK_BYTES))
    return max(partitions_for(nbytes, budget_bytes, share), spread)


def fit_cpus(cpus: float, share: float = 1.0) -> float:
    """``cpus``, capped at ``share`` of the embedded runtime's node when this process started one.

    A cluster keeps the configured request (the autoscaler grows to it), but
    the embedded runtime is one node that never grows: there a request larger
    than the node would never be placed, and a Ray Data actor pool reserving
    the node's only CPU leaves none for the reads that feed it, so
    ``--num-cpus 1`` hung.  Operators of one dataset share the node, hence
    ``share=0.5`` for them; a stage's own actors or a lone task may take it whole.
    """
    cap = local_cpus()
    return cpus if cap is None else min(cpus, cap * share)


def task_options(res: StageResources, share: float = 0.5) -> dict:
    """``num_cpus`` and ``memory`` for a Ray task or ``map_batches`` call
    (``share``: see :func:`fit_cpus`; 1.0 for work that runs alone)."""
    return {"num_cpus": fit_cpus(res.cpus, share), **({"memory": res.reserved_bytes} if res.reserve_memory else {})}


def actor_options(res: StageResources) -> dict:
    """``map_batches`` keywords for a stage that holds a model in actors.

    ``max_actors=None`` leaves the pool unbounded: Ray Data keeps adding actors
    while batches queue and the cluster (or its autoscaler) can place them.
    """
    import ray

    pool = ray.data.ActorPoolStrategy(min_size=res.min_actors, max_size=res.max_actors)
    return {**task_options(res), "compute": pool}


def node_shapes() -> list[dict[str, float]] | None:
    """Resources of every node that exists or that the autoscaler may start;
    None when an autoscaler runs whose node types Ray doesn't publish.

    Shapes, not sizes: what one node can hold decides whether a request can
    ever be placed, however many nodes there are.  Autoscaler v2 publishes its
    node types in the GCS; v1 (Ray's default) only its status, so then nothing
    can be refused up front.
    """
    import ray
    from ray._private import ray_constants
    from ray._private.state import state
    from ray.experimental.internal_kv import _internal_kv_get

    shapes = [dict(n["Resources"]) for n in ray.nodes() if n["Alive"]]
    if started_local():  # the embedded runtime's monitor publishes a status too, but never adds a node
        return shapes
    config = state.get_cluster_config()
    if config is not None and config.node_group_configs:
        return shapes + [dict(g.resources) for g in config.node_group_configs if g.max_count != 0]
    if _internal_kv_get(ray_constants.DEBUG_AUTOSCALING_STATUS) is not None:
        return None
    return shapes


def check_fits(cpus: float, memory_bytes: int, shapes: list[dict[str, float]] | None, cpus_key: str, memory_key: str) -> None:
    """Refuse a request that no node type can hold, naming the setting to lower.

    A node type that doesn't state its memory (an autoscaler node group that
    leaves it to the node) is taken to fit; unknown node types (``None``) too.
    """
    if shapes is None or any(s.get("CPU", 0) >= cpus and s.get("memory", math.inf) >= memory_bytes for s in shapes):
        return
    most_cpus = max((s.get("CPU", 0) for s in shapes), default=0)
    most_memory = max((s.get("memory", 0) for s in shapes), default=0)
    key = cpus_key if most_cpus < cpus else memory_key
    raise UserError(
        f"{key}: one task asks for {cpus:g} CPUs and {memory_bytes / MB:,.0f} MiB, but no node type has that "
        f"(largest: {most_cpus:g} CPUs, {most_memory / MB:,.0f} MiB); lower {key} or add a bigger node type"
    )


def check_resources(config: ResourcesConfig, stages: list[str]) -> None:
    """Every listed stage's request fits some node type (call before any work)."""
    shapes = node_shapes()
    for stage in ["io", *stages]:
        res: StageResources = getattr(config, stage)
        check_fits(fit_cpus(res.cpus), res.reserved_bytes, shapes, f"resources.{stage}.cpus", f"resources.{stage}.memory_mb")


def released(fn: Callable) -> Callable:
    """``fn`` that hands the memory Arrow's allocator kept back to the OS when it returns.

    pyarrow's default pool (mimalloc) keeps freed pages for reuse, so a worker
    that ran a large step and then another held both at once: on a 40M-edge
    star the largest dedup worker measured 2,701 MB (a rounds step started
    while a ranking step's pages were kept) against 1,908 MB with the system
    allocator (benchmarks/dedup_components.py); the budget is per task.
    """

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        finally:
            pa.default_memory_pool().release_unused()

    return run
