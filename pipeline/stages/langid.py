"""The langid stage on Ray: one fastText model per worker process.

By default the stage is plain ``map_batches`` tasks that find their model in
a per-process cache (``identifier``): Ray reuses its worker processes, so each
loads the model once, and the stage fuses with the read before it and the
write after it, so documents never pass through the object store.  An actor
pool (``actors: N``) caps the copies of a big model (GlotLID's .bin is GBs)
at N, at the price of those hops: measured on 910 MB, read -> actors ->
write added ~0.4x a bare predict loop's time.  The decision itself is
``filters.langid`` (pure, unit-tested without Ray).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.langid import LangIdConfig, LanguageIdentifier, model_path, result_columns
from pipeline.documents import TEXT, map_live, reject
from pipeline.errors import UserError

_LOADED: dict[str, LanguageIdentifier] = {}


def identifier(cfg: LangIdConfig) -> LanguageIdentifier:
    """This process's identifier for ``cfg``, loaded on first use."""
    key = cfg.model_dump_json()
    if key not in _LOADED:
        _LOADED[key] = LanguageIdentifier(cfg)
    return _LOADED[key]


def langid_table(table: pa.Table, identifier: LanguageIdentifier) -> pa.Table:
    """Add lang, lang_score, script and script shares; reject other languages."""
    result = identifier.identify(table[TEXT])
    for name, column in result_columns(result).items():
        if name in table.column_names:
            table = table.drop_columns([name])
        table = table.append_column(name, column)
    reasons = pa.array(result.drop_reason, pa.string())
    return reject(table, pc.is_valid(reasons), reasons)


class LangIdActor:
    """Holds one loaded model; Ray calls it once per batch."""

    def __init__(self, config: LangIdConfig):
        self.fn = map_live(lambda t: langid_table(t, identifier(config)))

    def __call__(self, table: pa.Table) -> pa.Table:
        return self.fn(table)


def langid(ds: ray.data.Dataset, cfg: LangIdConfig | None = None) -> ray.data.Dataset:
    cfg = cfg or LangIdConfig()
    try:
        model_path(cfg.model)  # fail in the driver with one clear line, not in every worker
    except ValueError as err:
        raise UserError(str(err)) from None
    if cfg.actors is None:
        fn = map_live(lambda t: langid_table(t, identifier(cfg)))
        return ds.map_batches(fn, batch_format="pyarrow", batch_size=cfg.batch_size, zero_copy_batch=True)
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    return ds.map_batches(
        LangIdActor,
        fn_constructor_args=(cfg,),
        batch_size=cfg.batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=cfg.actors),
        num_cpus=actor_cpus(cpus, cfg.actors),
    )


def actor_cpus(cpus: int, actors: int) -> float:
    """CPU slots per actor: all but one slot, shared by the actors (at most 1 each).

    Actors that held every slot would leave the read and write tasks
    unschedulable and the run would hang (on a 1- or 2-CPU Ray it does); the
    spare slot keeps them moving, and reading is light next to fastText.
    """
    return min(1.0, (cpus - 1) / actors)
