"""The document table contract shared by every stage (see DESIGN.md, "Data contracts").

Rows flow through a stage in one Arrow table.  Three kinds live side by side:

* live rows: ``drop_reason`` and ``error`` both null; stages annotate these;
* rejected rows: ``drop_reason`` set by some stage; later stages pass them through;
* quarantine rows: ``error`` set by a reader (unparseable input); ``text`` is null.

Keeping all three in one stream is what lets a single streaming pass end in
kept/ + rejected/ + quarantine/ without reading the input twice.
"""

from __future__ import annotations

import json
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

ID = "id"
TEXT = "text"
SOURCE = "source"
DROP_REASON = "drop_reason"
ERROR = "error"
# Quarantine rows also carry where the bad record was: byte offset and (when the
# reader knows it) 1-based line number, a prefix of the raw record and its size.
OFFSET = "offset"
LINE = "line"
RAW = "raw"
RECORD_BYTES = "record_bytes"

BASE_SCHEMA = pa.schema(
    [
        pa.field(ID, pa.string()),
        pa.field(TEXT, pa.large_string()),
        pa.field(SOURCE, pa.string()),
        pa.field(DROP_REASON, pa.string()),
        pa.field(ERROR, pa.string()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field(ID, pa.string()),
        pa.field(SOURCE, pa.string()),
        pa.field(OFFSET, pa.int64()),
        pa.field(LINE, pa.int64()),
        pa.field(ERROR, pa.string()),
        pa.field(RAW, pa.large_string()),
        pa.field(RECORD_BYTES, pa.int64()),
    ]
)


def ensure_base_columns(table: pa.Table) -> pa.Table:
    """Add any missing contract column as nulls, so stages can rely on them."""
    for field in BASE_SCHEMA:
        if field.name not in table.column_names:
            table = table.append_column(field, pa.nulls(table.num_rows, field.type))
        elif table.schema.field(field.name).type != field.type:
            idx = table.column_names.index(field.name)
            table = table.set_column(idx, field, table.column(field.name).cast(field.type))
    return table


def live_mask(table: pa.Table) -> pa.ChunkedArray:
    """True for rows that no stage has rejected and no reader quarantined."""
    table = ensure_base_columns(table)
    return pc.and_(pc.is_null(table[DROP_REASON]), pc.is_null(table[ERROR]))


def concat(tables: list[pa.Table]) -> pa.Table:
    """Concatenate tables whose columns differ (stage-added columns are null elsewhere).

    An input field whose type differs between files (``"score": 3`` in one,
    ``"score": "high"`` in another) is carried as JSON text, the same rule the
    JSONL reader applies between records, instead of failing the block.
    """
    tables = [t for t in tables if t is not None]
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.concat_tables(_clashing_as_json(tables), promote_options="permissive")


def _clashing_as_json(tables: list[pa.Table]) -> list[pa.Table]:
    types: dict[str, set] = {}
    for table in tables:
        for f in table.schema:
            if not pa.types.is_null(f.type):
                types.setdefault(f.name, set()).add(f.type)
    clashing = {name for name, seen in types.items() if len(seen) > 1}
    out = []
    for table in tables:
        for name in clashing & set(table.column_names):
            values = [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in table[name].to_pylist()]
            table = table.set_column(table.column_names.index(name), name, pa.array(values, pa.string()))
        out.append(table)
    return out


def map_live(fn: Callable[[pa.Table], pa.Table]) -> Callable[[pa.Table], pa.Table]:
    """Apply ``fn`` to live rows only; rejected and quarantine rows pass through.

    ``fn`` gets a table of live rows and returns it annotated (same rows, extra
    columns, ``drop_reason`` set where it rejects).  The result's row order puts
    live rows first; nothing downstream depends on order.
    """

    def wrapped(table: pa.Table) -> pa.Table:
        table = ensure_base_columns(table)
        mask = live_mask(table)
        if pc.all(mask).as_py() is not False:  # the usual batch: nothing to split off, nor to copy
            return fn(table)
        live = table.filter(mask)
        rest = table.filter(pc.invert(mask))
        out = fn(live) if live.num_rows else fn(live.slice(0, 0))
        return concat([out, rest]) if rest.num_rows else out

    return wrapped


def reject(table: pa.Table, mask, reason) -> pa.Table:
    """Set ``drop_reason`` where ``mask`` is true and no reason is set yet.

    ``reason`` is a string or a string array aligned with the table.  The first
    rule that rejects a row wins, so reasons stay stable when rules are added.
    """
    table = ensure_base_columns(table)
    current = table[DROP_REASON]
    if isinstance(reason, str):
        reason = pa.scalar(reason, pa.string())
    mask = pc.fill_null(mask, False)
    new = pc.if_else(pc.and_(mask, pc.is_null(current)), reason, current)
    idx = table.column_names.index(DROP_REASON)
    return table.set_column(idx, pa.field(DROP_REASON, pa.string()), new)
