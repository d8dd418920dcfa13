"""The langid stage on Ray: an actor pool, one fastText model per actor.

Loading lid.176 takes a moment and its memory is per process, so the model
lives in actors that Ray feeds Arrow batches; the decision itself is
``filters.langid`` (pure, unit-tested without Ray).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.langid import LangIdConfig, LanguageIdentifier, model_path, result_columns
from pipeline.documents import TEXT, map_live, reject
from pipeline.errors import UserError
from pipeline.resources import StageResources, actor_options


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
        self.identifier = LanguageIdentifier(config)
        self.fn = map_live(lambda t: langid_table(t, self.identifier))

    def __call__(self, table: pa.Table) -> pa.Table:
        return self.fn(table)


def langid(ds: ray.data.Dataset, cfg: LangIdConfig | None = None, res: StageResources | None = None) -> ray.data.Dataset:
    """An actor pool sized by ``res`` (``resources.langid``): it grows while batches queue."""
    cfg = cfg or LangIdConfig()
    try:
        model_path(cfg.model)  # fail in the driver with one clear line, not in every actor
    except ValueError as err:
        raise UserError(str(err)) from None
    return ds.map_batches(
        LangIdActor,
        fn_constructor_args=(cfg,),
        batch_size=cfg.batch_size,
        batch_format="pyarrow",
        **actor_options(res or StageResources()),
    )
