"""Evaluation sets as items: local JSONL, Parquet, CSV, or a Hugging Face ``datasets`` folder.

An item may have several text fields (a question and its choices); each field
is indexed on its own, so an n-gram never spans two fields and a document that
copies only the question still shares most of the item's n-grams.  A list
field (choices) contributes each element.  Nothing is fetched: a Hugging Face
set is read from a folder already on disk (``save_to_disk`` output or a
``datasets`` cache folder, both Arrow IPC stream files, or the hub's Parquet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from filters.decontam_config import EvalSetConfig

_SUFFIXES = {".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet", ".csv": "csv", ".arrow": "hf"}


class EvalSetError(ValueError):
    """An evaluation set can't be read as configured (the message names the file and what to do)."""


@dataclass(frozen=True)
class EvalItems:
    """Field texts of every item of every set, and which item each belongs to.

    ``labels[i]`` is ``"<set>:<item id>"``; ``sets[i]`` indexes ``set_names``.
    """

    texts: pa.Array  # one row per (item, field value)
    owner: np.ndarray  # item index of each text
    labels: list[str]
    sets: np.ndarray
    set_names: list[str]


def _read_one(path: Path, fmt: str) -> pa.Table:
    if fmt == "jsonl":
        return pajson.read_json(path)
    if fmt == "parquet":
        return pq.read_table(path)
    if fmt == "csv":
        return pacsv.read_csv(path)
    with pa.memory_map(str(path)) as source:
        try:
            return pa.ipc.open_stream(source).read_all()
        except pa.ArrowInvalid:
            return pa.ipc.open_file(source).read_all()


def _files(cfg: EvalSetConfig) -> list[tuple[Path, str]]:
    path = Path(cfg.path)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and not p.name.startswith(("state", "dataset_info", "cache-")))
        files = [(p, _SUFFIXES[p.suffix] if cfg.format in ("auto", "hf") else cfg.format) for p in found]
    elif path.is_file():
        fmt = _SUFFIXES.get(path.suffix) if cfg.format == "auto" else cfg.format
        if fmt is None:
            raise EvalSetError(f"{path}: unknown eval set format; name it .jsonl, .parquet or .csv, or set format")
        files = [(path, fmt)]
    else:
        raise EvalSetError(f"{path}: eval set not found; give a local file or a local Hugging Face datasets folder")
    if not files:
        raise EvalSetError(f"{path}: no .arrow, .parquet, .jsonl or .csv files in this folder")
    return files


def _field_texts(table: pa.Table, name: str, where: Path) -> tuple[pa.Array, np.ndarray]:
    """The field's strings and the row each came from (lists flattened)."""
    if name not in table.column_names:
        raise EvalSetError(f"{where}: no field '{name}' (fields: {', '.join(table.column_names)}); set the eval set's fields")
    column = table[name].combine_chunks()
    rows = np.arange(len(column))
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        rows = pc.list_parent_indices(column).to_numpy()
        column = pc.list_flatten(column)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise EvalSetError(f"{where}: field '{name}' is {column.type}, not text or a list of texts")
    valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
    return pc.cast(column.filter(pa.array(valid)), pa.large_string()), rows[valid]


def read_eval_sets(configs: list[EvalSetConfig]) -> EvalItems:
    """All items of all sets, in set, file and row order."""
    texts, owners, labels, sets = [], [], [], []
    for set_index, cfg in enumerate(configs):
        row_base = 0
        for path, fmt in _files(cfg):
            try:
                table = _read_one(path, fmt)
            except (pa.ArrowInvalid, OSError) as err:
                raise EvalSetError(f"{path}: not readable as {fmt} ({str(err).splitlines()[0]})") from None
            first = len(labels)
            for name in cfg.fields:
                values, rows = _field_texts(table, name, path)
                texts.append(values)
                owners.append(rows + first)
            if cfg.id_field is not None:
                if cfg.id_field not in table.column_names:
                    raise EvalSetError(f"{path}: no id field '{cfg.id_field}'; set the eval set's id_field")
                ids = [str(v) for v in table[cfg.id_field].to_pylist()]
            else:
                ids = [str(row_base + i) for i in range(table.num_rows)]
            labels += [f"{cfg.label}:{i}" for i in ids]
            sets += [set_index] * table.num_rows
            row_base += table.num_rows
    if not texts:
        return EvalItems(pa.array([], pa.large_string()), np.zeros(0, np.int64), [], np.zeros(0, np.int32), [])
    return EvalItems(
        pa.concat_arrays(texts),
        np.concatenate(owners).astype(np.int64),
        labels,
        np.asarray(sets, dtype=np.int32),
        [c.label for c in configs],
    )
