"""The normalize stage on Ray: a stateless ``map_batches`` over Arrow batches."""

from __future__ import annotations

import pyarrow as pa
import ray

from filters.normalize import NormalizeConfig, is_empty, normalize_text
from pipeline.documents import TEXT, map_live, reject
from pipeline.resources import StageResources, task_options

EMPTY = "normalize:empty"


def normalize_table(table: pa.Table, cfg: NormalizeConfig) -> pa.Table:
    """Normalize the text of live rows; rows left empty are rejected, not dropped."""
    text = normalize_text(table[TEXT], cfg)
    table = table.set_column(table.column_names.index(TEXT), pa.field(TEXT, pa.large_string()), text)
    return reject(table, is_empty(text), EMPTY)


def normalize(ds: ray.data.Dataset, cfg: NormalizeConfig | None = None, res: StageResources | None = None) -> ray.data.Dataset:
    cfg = cfg or NormalizeConfig()
    fn = map_live(lambda t: normalize_table(t, cfg))
    opts = task_options(res or StageResources())
    return ds.map_batches(fn, batch_format="pyarrow", batch_size=None, zero_copy_batch=True, **opts)

