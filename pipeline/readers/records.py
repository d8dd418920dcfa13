"""Building document and quarantine tables from parsed records."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.documents import DROP_REASON, ERROR, ID, LINE, OFFSET, QUARANTINE_SCHEMA, RAW, RECORD_BYTES, SOURCE, TEXT

RAW_PREFIX_CHARS = 300


def generated_ids(source: str, positions: np.ndarray) -> pa.Array:
    """Stable ids for records without one: ``<source>@<byte offset or row index>``."""
    return pc.binary_join_element_wise(pa.scalar(source), pa.array(positions).cast(pa.string()), "@")


def finish_documents(table: pa.Table, source: str, positions: np.ndarray, text_field: str, id_field: str) -> pa.Table:
    """Rename the configured fields to the contract's names and fill ids.

    Records whose id field is missing or null get a generated id; other input
    fields are carried through unchanged.  A ``source`` the record already has
    is kept (a stage output read back still names the original file, and a
    corpus's own source field, e.g. a newspaper, stays the grouping key);
    records without one get the file they came from.
    """
    names = table.column_names
    if id_field in names:
        given = table[id_field]
        if not (pa.types.is_string(given.type) or pa.types.is_large_string(given.type)):
            given = given.cast(pa.string())
        ids = pc.coalesce(given.cast(pa.string()), generated_ids(source, positions))
        table = table.drop_columns([id_field])
    else:
        ids = generated_ids(source, positions)
    text = table[text_field].cast(pa.large_string())
    file_source = pa.array([source] * table.num_rows, pa.string())
    sources = pc.coalesce(table[SOURCE].cast(pa.string()), file_source) if SOURCE in names else file_source
    rest = table.drop_columns(sorted({text_field, ID, TEXT, SOURCE, DROP_REASON, ERROR} & set(table.column_names)))
    n = table.num_rows
    head = pa.table(
        {
            ID: ids,
            TEXT: text,
            SOURCE: sources,
            DROP_REASON: pa.nulls(n, pa.string()),
            ERROR: pa.nulls(n, pa.string()),
        }
    )
    for name in rest.column_names:
        head = head.append_column(name, rest[name])
    return head


def quarantine_rows(source: str, offsets, lines, errors: list[str], raws: list[bytes], sizes=None) -> pa.Table:
    """Rows for records that could not be parsed: where they were and why.

    A record's size is its raw length unless ``sizes`` says otherwise (a
    skipped record's raw is only its first bytes); unknown when no raw is given.
    """
    n = len(errors)
    sizes = sizes if sizes is not None else [len(r) if r else None for r in raws]
    raw_text = [r[: RAW_PREFIX_CHARS * 4].decode("utf-8", "replace")[:RAW_PREFIX_CHARS] for r in raws]
    return pa.table(
        {
            ID: generated_ids(source, np.asarray(offsets, dtype=np.int64)) if n else pa.array([], pa.string()),
            SOURCE: pa.array([source] * n, pa.string()),
            OFFSET: pa.array(offsets, pa.int64()),
            LINE: pa.array(lines, pa.int64()),
            ERROR: pa.array(errors, pa.string()),
            RAW: pa.array(raw_text, pa.large_string()),
            RECORD_BYTES: pa.array(sizes, pa.int64()),
        },
        schema=QUARANTINE_SCHEMA,
    )


def too_long_error(size: int, limit: int) -> str:
    return f"record of {size:,} bytes is over reader.max_record_bytes ({limit:,}); skipped"


def too_long(source: str, offset: int, line: int | None, size: int, limit: int, head: bytes = b"") -> pa.Table:
    """The quarantine row of a record over ``reader.max_record_bytes``, skipped without being held whole."""
    return quarantine_rows(source, [offset], [line], [too_long_error(size, limit)], [head], sizes=[size])
