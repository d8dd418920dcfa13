"""Summaries read back from a committed stage's own files, added to its stage.json.

Per-set and per-type counts need a total over the whole output (distinct items
seen across all workers), so they are folded from one or two columns of the
kept/ and rejected/ files after the write, file by file on the driver (a
file's worth of one list column in memory, never the corpus), and stage.json
is rewritten with the summary, as dedup does with its clusters/.
"""

from __future__ import annotations

import json
from typing import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.stage_io import STAGE_FILE, UNKNOWN_LANG, StageReport
from pipeline.storage import Storage, join

LANG = "lang"


def exploded(report: StageReport, storage: Storage, column: str) -> Iterator[pa.Table]:
    """(value, lang) rows of a list column of every kept and rejected file, one table per file."""
    for kind in ("kept", "rejected"):
        for entry in report.data["files"][kind]:
            with storage.open_input(join(report.out, entry["path"]), random_access=True) as f:
                names = pq.read_schema(f).names
                if column not in names:
                    continue
                table = pq.read_table(f, columns=[c for c in (column, LANG) if c in names])
            values = table[column].combine_chunks()
            rows = pc.list_parent_indices(values)
            langs = table[LANG].combine_chunks().cast(pa.string()).take(rows) if LANG in names else pa.nulls(len(rows), pa.string())
            yield pa.table({"value": pc.list_flatten(values), LANG: pc.fill_null(langs, UNKNOWN_LANG), "row": rows, "file": pa.array([entry["path"]] * len(rows), pa.string())})


def add_to_stage_json(report: StageReport, storage: Storage, key: str, value: dict) -> None:
    """Record ``value`` under ``key`` in the committed stage.json (atomic rewrite)."""
    report.data[key] = value
    data = json.dumps(report.data, indent=2, ensure_ascii=False).encode()
    storage.write_bytes(join(report.out, STAGE_FILE), data)
