"""Input files planned into units and groups, and read into document tables, without Ray.

Work is planned in *units* (a whole file, a byte range of a big plain file, or
some row groups of a big Parquet file) and units are packed into groups of
about a target size: a 50 GB JSONL file becomes many groups, and a million
1 KB files become a few hundred, not a million.  A group is what one Ray Data
read task (``pipeline.readers.datasource``) or one tokenize actor call reads.

Anything unreadable becomes a quarantine row (see ``pipeline.documents``)
instead of failing the read: a bad record, an empty file, the damaged tail of
a truncated ``.gz``.  Kept apart from the datasource so that a tokenize actor,
which reads groups itself, never imports Ray Data (about a second per actor).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import pyarrow as pa
import zstandard

from pipeline.config import ReaderConfig
from pipeline.documents import concat
from pipeline.progress import report
from pipeline.readers.decompress import DecodedStream
from pipeline.readers.formats import detect
from pipeline.readers.jsonl import parse_jsonl
from pipeline.readers.lines import LongRecord, iter_line_chunks, split_lines
from pipeline.readers.parquet import parse_parquet, row_group_count
from pipeline.readers.records import quarantine_rows, too_long
from pipeline.readers.tally import Seen, TaskCount
from pipeline.readers.text import parse_text_file, parse_text_lines
from pipeline.storage import FileRef, Storage

BLOCK_BYTES = 32 << 20
# Errors that mean the bytes themselves are bad (not that storage failed).
DATA_ERRORS = (EOFError, ValueError, zlib.error, zstandard.ZstdError)


@dataclass(frozen=True)
class Unit:
    """A piece of one file read by one task."""

    file: FileRef
    fmt: str
    compression: str | None
    start: int = 0
    end: int | None = None
    row_groups: tuple[int, ...] | None = None

    @property
    def size(self) -> int:
        return (self.end if self.end is not None else self.file.size) - self.start


def _units(files: list[FileRef], reader: ReaderConfig, storage: Storage, split: int) -> list[Unit]:
    """Files cut into pieces of at most ``split`` bytes where the format allows."""
    units = []
    for ref in files:
        fmt, comp = detect(ref.uri, reader.format)
        line_based = fmt == "jsonl" or (fmt == "text" and reader.text_unit == "line")
        if comp is None and line_based and ref.size > split:
            units += [Unit(ref, fmt, None, s, min(s + split, ref.size)) for s in range(0, ref.size, split)]
        elif comp is None and fmt == "parquet" and ref.size > split:
            with storage.open_input(ref.uri, random_access=True) as handle:
                groups = row_group_count(handle)
            per_unit = max(1, groups * split // ref.size)
            units += [
                Unit(ref, fmt, None, row_groups=tuple(range(g, min(g + per_unit, groups))))
                for g in range(0, groups, per_unit)
            ]
        else:
            units.append(Unit(ref, fmt, comp))
    return units


def plan_groups(files: list[FileRef], reader: ReaderConfig, storage: Storage, target: int) -> list[list[Unit]]:
    """Units packed, in file order, into groups of about ``target`` bytes (one group per task).

    The plan depends only on the files, the reader settings and ``target``,
    so a caller that fixes ``target`` gets the same groups on any cluster.
    """
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    size = 0
    for unit in _units(files, reader, storage, min(reader.split_bytes, max(target, 1 << 20))):
        if current and size + unit.size > target:
            groups.append(current)
            current, size = [], 0
        current.append(unit)
        size += unit.size
    if current:
        groups.append(current)
    return groups


def read_group(units: list[Unit], cfg: ReaderConfig, storage: Storage, progress=None, count_to=None):
    """Yield the tables of a group's units, concatenated up to about ``BLOCK_BYTES`` each.

    ``progress`` (a ``pipeline.progress`` counter) hears of the documents of
    each table read and of each unit's input bytes once it is finished.
    Each unit's records are counted as the reader delimits them, apart from
    the rows its parsers produce; ``count_to`` (see ``pipeline.readers.tally``)
    gets both once the group is read.
    """
    pending: list[pa.Table] = []
    pending_bytes = 0
    count = TaskCount()
    for unit in units:
        seen, produced = Seen(), 0
        for table in read_unit(unit, cfg, storage, seen):
            report(progress, docs=table.num_rows)
            produced += table.num_rows
            pending.append(table)
            pending_bytes += table.nbytes
            if pending_bytes >= BLOCK_BYTES:
                yield concat(pending)
                pending, pending_bytes = [], 0
        report(progress, nbytes=unit.size)
        count.add_unit(unit.file.uri, unit.start, seen.n, produced)
    if pending:
        yield concat(pending)
    if count_to is not None:
        count_to(count)


def read_unit(unit: Unit, cfg: ReaderConfig, storage: Storage, seen: Seen | None = None):
    """Yield document/quarantine tables for one unit; never raises on bad data.

    ``seen`` counts the records delimited (an unreadable span counts as one).
    """
    seen = Seen() if seen is None else seen
    source = unit.file.uri
    try:
        if unit.fmt == "parquet":
            with storage.open_input(source, random_access=True) as handle:
                groups = list(unit.row_groups) if unit.row_groups else None
                yield from parse_parquet(handle, source, groups, cfg.text_field, cfg.id_field, cfg.max_record_bytes, seen)
            return
        with storage.open_input(source, random_access=unit.start > 0) as raw:
            stream = DecodedStream(raw, unit.compression) if unit.compression else raw
            if unit.fmt == "text" and cfg.text_unit == "file":
                tables = _empty_or(_read_text_file(stream, source, cfg.max_record_bytes), source)
                seen.add(1)  # once read: a file that fails to read counts once, as its quarantine row below
                yield from tables
                return
            yield from _read_lines(stream, unit, cfg, source, seen)
    except DATA_ERRORS as err:  # damaged data is quarantined; I/O errors fail the task so Ray retries it
        seen.add(1)
        yield quarantine_rows(source, [unit.start], [None], [f"unreadable: {type(err).__name__}: {err}"], [b""])


def _read_text_file(stream, source: str, limit: int) -> list[pa.Table]:
    """A whole file as one document, unless it is over ``limit``: then only its size is read."""
    data = stream.read(limit + 1)
    if len(data) <= limit:
        return parse_text_file(data, source)
    size, head = len(data), data[: 1 << 12]
    del data
    while chunk := stream.read(BLOCK_BYTES):
        size += len(chunk)
    return [too_long(source, 0, None, size, limit, head)]


def _empty_or(tables: list[pa.Table], source: str) -> list[pa.Table]:
    if tables:
        return tables
    return [quarantine_rows(source, [0], [None], ["empty file"], [b""])]


def _next_line_start(stream, start: int, probe: int = 1 << 16) -> int | None:
    """Position of the first line beginning at or after ``start`` (None at end of file)."""
    stream.seek(start - 1)
    position = start - 1
    while True:
        chunk = stream.read(probe)
        if not chunk:
            return None
        newline = chunk.find(b"\n")
        if newline >= 0:
            stream.seek(position + newline + 1)
            return position + newline + 1
        position += len(chunk)


def _read_lines(stream, unit: Unit, cfg: ReaderConfig, source: str, seen: Seen):
    start = unit.start
    if start > 0:
        # A range starts at the first line beginning at or after its start byte.
        start = _next_line_start(stream, start)
        if start is None or (unit.end is not None and start >= unit.end):
            return
    line_base = 0 if unit.start == 0 else None
    produced = False
    position = start
    try:
        for chunk in iter_line_chunks(stream, start, unit.end, cfg.max_record_bytes):
            if isinstance(chunk, LongRecord):
                seen.add(1)
                line_base = None if line_base is None else line_base + 1
                yield too_long(source, chunk.offset, line_base, chunk.size, cfg.max_record_bytes, chunk.head)
                produced, position = True, chunk.offset + chunk.size + 1
                continue
            buf, offset = chunk
            lines = split_lines(buf, offset)
            seen.add(len(lines))
            if unit.fmt == "jsonl":
                tables = parse_jsonl(lines, source, cfg.text_field, cfg.id_field, line_base)
            else:
                tables = parse_text_lines(lines, source, line_base)
            produced = produced or bool(tables)
            yield from tables
            if line_base is not None:
                line_base += lines.newlines
            position = offset + len(buf)
    except DATA_ERRORS as err:
        # A truncated or corrupt compressed stream: keep what was read, quarantine the rest.
        produced = True
        seen.add(1)
        yield quarantine_rows(source, [position], [None if line_base is None else line_base + 1], [f"unreadable remainder: {err}"], [b""])
    if not produced and unit.start == 0:
        seen.add(1)
        yield quarantine_rows(source, [0], [None], ["empty file"], [b""])
