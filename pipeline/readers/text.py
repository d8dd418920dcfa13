"""Plain text: a document per file, or a document per non-empty line."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.readers.lines import Lines
from pipeline.readers.records import finish_documents, quarantine_rows


def _utf8_error(raw: bytes) -> str | None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"invalid UTF-8 at byte {err.start}"
    return None


def parse_text_lines(lines: Lines, source: str, line_base: int | None) -> list[pa.Table]:
    """One document per non-blank line.

    The text column is built straight from the buffer with Arrow offsets (no
    per-line Python objects) when the buffer is valid UTF-8, which is the
    common case; otherwise lines are checked one by one.
    """
    if not len(lines):
        return []
    if _utf8_error(lines.buf) is None:
        offsets = np.empty(len(lines) + 1, dtype=np.int64)
        offsets[:-1] = lines.starts
        offsets[-1] = lines.ends[-1]
        spans = pa.LargeStringArray.from_buffers(len(lines), pa.py_buffer(offsets), pa.py_buffer(lines.buf))
        # A span runs to the next kept line's start: drop the newline and any blank lines.
        text = pc.utf8_rtrim(spans, characters="\r\n\t ")
        return [finish_documents(pa.table({"text": text}), source, lines.offsets, "text", "id")]
    good = []
    bad = []
    for i in range(len(lines)):
        error = _utf8_error(lines.raw(i))
        (bad if error else good).append((i, error))
    out = []
    if good:
        idx = np.array([i for i, _ in good])
        text = pa.array([lines.raw(i).decode("utf-8").rstrip("\r") for i in idx], pa.large_string())
        out.append(finish_documents(pa.table({"text": text}), source, lines.offsets[idx], "text", "id"))
    if bad:
        idx = np.array([i for i, _ in bad])
        line_numbers = [None if line_base is None else line_base + int(lines.index[i]) + 1 for i in idx]
        out.append(
            quarantine_rows(source, lines.offsets[idx].tolist(), line_numbers, [e for _, e in bad], [lines.raw(i) for i in idx])
        )
    return out


def parse_text_file(data: bytes, source: str) -> list[pa.Table]:
    """The whole file is one document whose id is its path."""
    error = _utf8_error(data)
    if error:
        return [quarantine_rows(source, [0], [None], [error], [data])]
    table = pa.table({"text": pa.array([data.decode("utf-8")], pa.large_string()), "id": [source]})
    return [finish_documents(table, source, np.array([0]), "text", "id")]
