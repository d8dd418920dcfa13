"""A stage's paths and input columns, checked on the driver before Ray starts.

Ray takes seconds to start; a mistyped path, an output folder left from an
earlier try or a stage fed the wrong input are the user's to fix and should be
said at once.  Nothing here imports Ray: the first record's columns are read
from the first file (Parquet footer, first JSON line), never a whole file.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from pipeline.config import ReaderConfig
from pipeline.errors import UserError
from pipeline.readers.decompress import DecodedStream
from pipeline.readers.formats import detect
from pipeline.stage_files import check_output, input_files
from pipeline.storage import FileRef, Storage

LANG = "lang"
NO_LANG = "filter: input has no 'lang' column; run `pentaglot langid` on it first"
# A first line longer than this is read no further: its columns stay unknown.
FIRST_LINE_BYTES = 16 << 20


def _first_line(stream) -> bytes | None:
    buf = b""
    while len(buf) < FIRST_LINE_BYTES:
        chunk = stream.read(1 << 16)
        buf += chunk
        if b"\n" in buf or not chunk:
            return buf.split(b"\n", 1)[0]
    return None


def first_columns(files: list[FileRef], reader: ReaderConfig, storage: Storage) -> set[str] | None:
    """The fields of the first input file's records; None when its first record can't tell."""
    if not files:
        return None
    first = files[0]
    fmt, compression = detect(first.uri, reader.format)
    if fmt == "parquet":
        with storage.open_input(first.uri, random_access=True) as handle:
            return set(pq.read_schema(handle).names)
    if fmt == "text":
        return set()  # plain text has no fields of its own
    with storage.open_input(first.uri) as raw:
        try:
            line = _first_line(DecodedStream(raw, compression) if compression else raw)
            record = json.loads(line) if line else None
        except (ValueError, EOFError):
            return None  # a bad first line is quarantined by the reader, not judged here
    return set(record) if isinstance(record, dict) else None


def require_lang(files: list[FileRef], reader: ReaderConfig, storage: Storage) -> None:
    """Quality rules are per language: their input must have gone through langid."""
    columns = first_columns(files, reader, storage)
    if columns is not None and LANG not in columns:
        raise UserError(NO_LANG)


def check_stage_input(
    stage: str, inputs: list[str], out: str, reader: ReaderConfig | None, storage: Storage, overwrite: bool
) -> list[FileRef]:
    """The input files of a stage, once its paths and columns are known to be right."""
    if any(i.rstrip("/") == out.rstrip("/") for i in inputs):
        raise UserError(f"{out}: output is also an input; choose another output path")
    files = input_files(inputs, storage)
    check_output(out, storage, overwrite)
    if stage == "filter":
        require_lang(files, reader or ReaderConfig(), storage)
    return files
