"""The filter stage on Ray: stateless quality rules over Arrow batches."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.quality import QualityConfig, drop_reasons
from pipeline.documents import TEXT, map_live, reject
from pipeline.errors import UserError
from pipeline.preflight import LANG, NO_LANG
from pipeline.resources import StageResources, task_options


def quality_table(table: pa.Table, cfg: QualityConfig) -> pa.Table:
    """Annotate live rows with quality signals and reject the first failed rule."""
    if LANG not in table.column_names:
        raise UserError(NO_LANG)
    langs = pc.fill_null(table[LANG].cast(pa.string()), "").to_pylist()
    reasons, sig = drop_reasons(table[TEXT], langs, cfg)
    # Every signal becomes a column (quality_<name>) so thresholds can be tuned from the output.
    for name, values in sig.items():
        column = f"quality_{name}"
        if column in table.column_names:
            table = table.drop_columns([column])
        table = table.append_column(column, pa.array(np.asarray(values, dtype=np.float32)))
    reasons = pa.array(reasons, pa.string())
    return reject(table, pc.is_valid(reasons), reasons)


def quality(ds: ray.data.Dataset, cfg: QualityConfig | None = None, res: StageResources | None = None) -> ray.data.Dataset:
    cfg = cfg or QualityConfig()
    schema = ds.schema()  # from Parquet metadata, or the first block: fail before any work
    if schema is not None and LANG not in schema.names:
        raise UserError(NO_LANG)
    fn = map_live(lambda t: quality_table(t, cfg))
    opts = task_options(res or StageResources())
    return ds.map_batches(fn, batch_format="pyarrow", batch_size=cfg.batch_size, zero_copy_batch=True, **opts)
