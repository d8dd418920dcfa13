"""One hash bucket of token rows to one or more shard files, without Ray.

A bucket's rows come sorted by id (``pipeline.shards.runs``) and are cut where
the running size crosses a multiple of the target, so the files depend only
on which documents the bucket holds, not on how the input was laid out.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pentaglot_reader.format import ID, LANG, N_TOKENS, SHARD_SUFFIX, SOURCE, TokenizerInfo, shard_schema
from pentaglot_reader.manifest import ShardEntry
from pipeline.storage import Storage, join

# Per-row overhead on disk besides the tokens: list offset, n_tokens, the
# offsets of the two string columns (their characters are counted separately)
# and the source's dictionary index (its dictionary is a few paths a shard).
_ROW_OVERHEAD = 8 + 4 + 4 + 4 + 4


def shard_name(bucket: int, part: int) -> str:
    return f"shard-{bucket:05d}-{part:04d}{SHARD_SUFFIX}"


def split_points(row_bytes: np.ndarray, target_bytes: int) -> np.ndarray:
    """Row indices where a new shard starts (always including 0).

    A row goes to the shard its first byte falls in, so a shard exceeds the
    target by at most its last row, and a row larger than the target sits
    alone instead of being split.
    """
    if len(row_bytes) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(row_bytes)[:-1]])
    chunk = starts // target_bytes
    return np.flatnonzero(np.concatenate([[True], chunk[1:] != chunk[:-1]]))


def _row_bytes(table: pa.Table, itemsize: int) -> np.ndarray:
    text_bytes = pc.add(pc.binary_length(table[ID]), pc.binary_length(table[LANG]))
    return (
        table[N_TOKENS].to_numpy().astype(np.int64) * itemsize
        + text_bytes.to_numpy().astype(np.int64)
        + _ROW_OVERHEAD
    )


def _counts_by_lang(table: pa.Table) -> tuple[dict[str, int], dict[str, int]]:
    grouped = table.group_by(LANG).aggregate([(N_TOKENS, "sum"), (N_TOKENS, "count")])
    langs = grouped[LANG].to_pylist()
    tokens = grouped[f"{N_TOKENS}_sum"].to_pylist()
    docs = grouped[f"{N_TOKENS}_count"].to_pylist()
    order = np.argsort(langs)
    return {langs[i]: int(tokens[i]) for i in order}, {langs[i]: int(docs[i]) for i in order}


def _with_source(table: pa.Table) -> pa.Table:
    """``source`` dictionary-encoded in row order, so the dictionary, like the rows, depends only on the
    documents and not on how runs or chunks held them; token rows built by hand (tests, benchmarks,
    other tools) may leave it out: it is then unknown."""
    if SOURCE not in table.column_names:
        return table.append_column(SOURCE, pa.nulls(table.num_rows, pa.string()).dictionary_encode())
    return table.set_column(table.column_names.index(SOURCE), SOURCE, table[SOURCE].combine_chunks().dictionary_encode())


def serialize_shard(table: pa.Table, info: TokenizerInfo) -> pa.Buffer:
    """The bytes of one shard: a single uncompressed record batch in IPC file format."""
    schema = shard_schema(info)
    table = _with_source(table)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table.select(schema.names).cast(schema).combine_chunks())
    return sink.getvalue()


def write_shard(storage: Storage, out: str, name: str, table: pa.Table, info: TokenizerInfo) -> ShardEntry:
    """Write one shard atomically and describe it for the manifest."""
    data = serialize_shard(table, info)
    with storage.open_output(join(out, name)) as f:
        f.write(data)
    tokens_by_lang, docs_by_lang = _counts_by_lang(table)
    return ShardEntry(
        path=name,
        rows=table.num_rows,
        tokens=int(pc.sum(table[N_TOKENS]).as_py() or 0),
        bytes=data.size,
        sha256=hashlib.sha256(data).hexdigest(),
        tokens_by_lang=tokens_by_lang,
        docs_by_lang=docs_by_lang,
    )


def write_shards(
    storage: Storage, out: str, bucket: int, table: pa.Table, info: TokenizerInfo, target_bytes: int
) -> list[ShardEntry]:
    """A bucket's token rows, in their order, as shards named by bucket and part number."""
    if table.num_rows == 0:
        return []
    cuts = list(split_points(_row_bytes(table, info.dtype.itemsize), target_bytes)) + [table.num_rows]
    return [
        write_shard(storage, out, shard_name(bucket, part), table.slice(a, b - a), info)
        for part, (a, b) in enumerate(zip(cuts[:-1], cuts[1:]))
    ]
