"""The redact stage: personal data replaced by typed placeholders (``<EMAIL>``, ``<PHONE>``, ...).

Output column ``pii_found``: the types found in the document, one entry per
value (null when none), so counts per type and language are one explode and
group-by away; the values themselves are never written: not in a column, not
in stage.json, not in a log line.  A ``reject`` type rejects the document
with ``drop_reason`` ``pii:<type>`` and redacts it as well, since rejected/
is written too; a ``keep`` type is counted and left in place.

Phone regions come from the ``lang`` column when there is one (langid ran
before); without it every configured region is tried.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.pii_config import PII_TYPES, RedactConfig
from filters.pii_scan import scan
from filters.spans import replace_spans
from pipeline.documents import TEXT, map_live, reject
from pipeline.resources import ResourcesConfig, StageResources, task_options
from pipeline.stage_io import StageReport
from pipeline.stages.per_document import per_document
from pipeline.stages.stage_readback import LANG, add_to_stage_json, exploded
from pipeline.storage import Storage

PII_FOUND = "pii_found"
PLACEHOLDERS = [f"<{kind}>" for kind in PII_TYPES]


def redact_table(table: pa.Table, cfg: RedactConfig) -> pa.Table:
    """Annotate live rows with pii_found; redact and reject by each type's action."""
    texts = pc.fill_null(table[TEXT], "").combine_chunks()
    langs = table[LANG].cast(pa.string()).to_pylist() if LANG in table.column_names else [None] * table.num_rows
    found = scan(texts, langs, cfg)
    actions = np.array([cfg.actions[kind] for kind in PII_TYPES])
    action = actions[found.kind]
    if PII_FOUND in table.column_names:
        table = table.drop_columns([PII_FOUND])
    table = table.append_column(PII_FOUND, per_document(table.num_rows, found.doc, pa.array(PII_TYPES, pa.string()).take(pa.array(found.kind))))
    hide = action != "keep"
    placeholders = [PLACEHOLDERS[k] for k in found.kind[hide]]
    redacted = replace_spans(texts, found.doc[hide], found.start[hide], found.end[hide], placeholders)
    table = table.set_column(table.column_names.index(TEXT), table.schema.field(TEXT), redacted)
    rejecting = action == "reject"
    if not rejecting.any():
        return table
    # The first rejecting type of a document (PII_TYPES order) names the reason.
    first = np.full(table.num_rows, len(PII_TYPES))
    np.minimum.at(first, found.doc[rejecting], found.kind[rejecting])
    reasons = pa.array([f"pii:{PII_TYPES[k].lower()}" if k < len(PII_TYPES) else None for k in first], pa.string())
    return reject(table, pc.is_valid(reasons), reasons)


def redact(ds: ray.data.Dataset, cfg: RedactConfig | None = None, res: StageResources | None = None) -> ray.data.Dataset:
    """Each task reserves ``res`` (``resources.redact``)."""
    cfg = cfg or RedactConfig()
    fn = map_live(lambda t: redact_table(t, cfg))
    opts = task_options(res or ResourcesConfig().redact)
    return ds.map_batches(fn, batch_format="pyarrow", batch_size=cfg.batch_size, zero_copy_batch=True, **opts)


def write_pii_report(report: StageReport, storage: Storage) -> None:
    """Counts per type and language, and documents with any (stage.json ``pii``)."""
    by_type: dict[str, dict[str, int]] = {}
    documents = 0
    for table in exploded(report, storage, PII_FOUND):
        grouped = table.group_by(["value", LANG]).aggregate([([], "count_all")])
        for kind, lang, n in zip(grouped["value"].to_pylist(), grouped[LANG].to_pylist(), grouped["count_all"].to_pylist()):
            row = by_type.setdefault(kind, {})
            row[lang] = row.get(lang, 0) + n
        documents += len(pc.unique(table["row"]))
    summary = {
        "documents": documents,
        "by_type": {kind: {"total": sum(row.values()), "by_language": dict(sorted(row.items()))} for kind, row in sorted(by_type.items())},
    }
    add_to_stage_json(report, storage, "pii", summary)
