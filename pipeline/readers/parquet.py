"""Parquet input: row groups are the unit of work, so big files split across tasks.

A text cell over ``reader.max_record_bytes`` is quarantined with its size like
an over-long JSONL line; Parquet decodes a page whole, so the cell is read once.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.readers.records import finish_documents, quarantine_rows, too_long_error
from pipeline.readers.tally import Seen


def _rows_quarantined(source: str, positions: np.ndarray, error: str) -> pa.Table:
    """Quarantine rows for whole Parquet rows: no line number, no raw record to show."""
    n = len(positions)
    return quarantine_rows(source, positions.tolist(), [None] * n, [error] * n, [b""] * n)


def parse_parquet(handle, source: str, row_groups: list[int] | None, text_field: str, id_field: str, max_record: int, seen: Seen):
    """Yield document tables (and quarantine rows for rows without text) per row group.

    ``seen`` counts each row group's rows from the file's metadata; a file
    without the text column is one unreadable record.
    """
    pf = pq.ParquetFile(handle)
    if text_field not in pf.schema_arrow.names:
        seen.add(1)
        columns = ", ".join(pf.schema_arrow.names[:8])
        yield _rows_quarantined(source, np.array([0]), f"no column '{text_field}' (columns: {columns})")
        return
    groups = range(pf.num_row_groups) if row_groups is None else row_groups
    starts = np.concatenate(([0], np.cumsum([pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)])))
    for group in groups:
        table = pf.read_row_group(group)
        seen.add(starts[group + 1] - starts[group])
        positions = np.arange(starts[group], starts[group + 1], dtype=np.int64)
        text = table[text_field]
        if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
            yield _rows_quarantined(source, positions, f"'{text_field}' is {text.type}, not a string")
            continue
        missing = text.is_null().to_numpy(zero_copy_only=False)
        if missing.any():
            yield _rows_quarantined(source, positions[missing], f"'{text_field}' is null")
        sizes = pc.fill_null(pc.binary_length(text), 0).to_numpy()
        long = sizes > max_record
        if long.any():
            errors = [too_long_error(int(size), max_record) for size in sizes[long]]
            n = len(errors)
            yield quarantine_rows(source, positions[long].tolist(), [None] * n, errors, [b""] * n, sizes[long].tolist())
        if missing.any() or long.any():
            keep = ~(missing | long)
            table = table.filter(pa.array(keep))
            positions = positions[keep]
        if table.num_rows:
            yield finish_documents(table, source, positions, text_field, id_field)


def row_group_count(handle) -> int:
    return pq.ParquetFile(handle).num_row_groups
