"""JSONL records into document rows, bad records into quarantine rows.

Fast path: pyarrow's C++ JSON reader parses a whole buffer at once.  It fails
the buffer on the first bad record, so only then do we fall back to parsing that
buffer line by line in Python to find which records are bad; clean input never
pays for the per-line loop.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

from pipeline.readers.lines import Lines
from pipeline.readers.records import finish_documents, quarantine_rows


def _is_text_type(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _fast(lines: Lines, text_field: str) -> pa.Table | None:
    """Parse the buffer with pyarrow, or None when any record needs a closer look."""
    try:
        table = pj.read_json(
            pa.BufferReader(lines.buf),
            read_options=pj.ReadOptions(use_threads=False, block_size=max(len(lines.buf) + 1, 1 << 16)),
            parse_options=pj.ParseOptions(newlines_in_values=False, unexpected_field_behavior="infer"),
        )
        # The JSON reader does not check UTF-8 inside strings; a full validation does.
        table.validate(full=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.num_rows != len(lines) or text_field not in table.column_names:
        return None
    if not _is_text_type(table.schema.field(text_field).type) or table[text_field].null_count:
        return None
    return table


def _slow(lines: Lines, text_field: str, line_base: int | None, source: str):
    """Per-record parse of a buffer known to hold at least one bad record."""
    good: list[dict] = []
    good_pos: list[int] = []
    bad_pos: list[int] = []
    bad_line: list[int | None] = []
    errors: list[str] = []
    raws: list[bytes] = []
    for i in range(len(lines)):
        raw = lines.raw(i)
        try:
            obj = json.loads(raw.decode("utf-8"))
            if not isinstance(obj, dict):
                raise ValueError(f"not a JSON object (got {type(obj).__name__})")
            if text_field not in obj:
                raise ValueError(f"no '{text_field}' field")
            if not isinstance(obj[text_field], str):
                raise ValueError(f"'{text_field}' is {type(obj[text_field]).__name__}, not a string")
        except UnicodeDecodeError as err:
            error = f"invalid UTF-8 at byte {err.start} of the line"
        except json.JSONDecodeError as err:
            # json's messages may end in "at" already ("Unterminated string starting at")
            error = f"malformed JSON: {err.msg}{'' if err.msg.endswith(' at') else ' at'} column {err.colno}"
        except ValueError as err:
            error = str(err)
        else:
            good.append(obj)
            good_pos.append(int(lines.offsets[i]))
            continue
        bad_pos.append(int(lines.offsets[i]))
        bad_line.append(None if line_base is None else line_base + int(lines.index[i]) + 1)
        errors.append(error)
        raws.append(raw)
    return good, np.asarray(good_pos, dtype=np.int64), quarantine_rows(source, bad_pos, bad_line, errors, raws)


def _table_from_records(records: list[dict]) -> pa.Table:
    """Records to Arrow; fields whose types clash between records become JSON strings."""
    try:
        return pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        keys = list(dict.fromkeys(k for r in records for k in r))
        cols = {}
        for key in keys:
            values = [r.get(key) for r in records]
            try:
                cols[key] = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                cols[key] = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values])
        return pa.table(cols)


def parse_jsonl(lines: Lines, source: str, text_field: str, id_field: str, line_base: int | None) -> list[pa.Table]:
    """Document rows and quarantine rows for one buffer of JSONL lines."""
    if not len(lines):
        return []
    table = _fast(lines, text_field)
    if table is not None:
        return [finish_documents(table, source, lines.offsets, text_field, id_field)]
    good, positions, bad = _slow(lines, text_field, line_base, source)
    out = [bad] if bad.num_rows else []
    if good:
        docs = _table_from_records(good)
        out.insert(0, finish_documents(docs, source, positions, text_field, id_field))
    return out

