"""Run files: a piece's token rows grouped by hash bucket, between the two tokenize phases.

Shards must not depend on how the input was laid out in files (an upstream
stage's part files differ from run to run and between clusters), so a shard
holds one hash bucket of document ids, sorted by id.  Phase one writes each
piece's rows as one run file, an Arrow IPC file with one record batch per
bucket; phase two reads batch ``b`` of every run (a footer lookup and one
range read each), sorts the bucket by id and cuts it into shards.  Tokens
are moved with one slice per document, which measured ~12x faster than
Arrow's list ``take``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters.hashing import string_partition
from pentaglot_reader.format import ID, SOURCE, TOKENS, TokenizerInfo, shard_schema
from pipeline.storage import Storage


def buckets_of(ids: pa.ChunkedArray | pa.Array, num_buckets: int) -> np.ndarray:
    """Bucket of each id: its string hash modulo ``num_buckets``."""
    return string_partition(ids, num_buckets)


def take_rows(table: pa.Table, order: np.ndarray) -> pa.Table:
    """``table.take(order)``, with the token lists gathered by numpy slices."""
    tokens = table[TOKENS].combine_chunks()
    offsets = tokens.offsets.to_numpy()
    values = tokens.values.to_numpy(zero_copy_only=False)
    starts, stops = offsets[order], offsets[order + 1]
    pieces = [values[a:b] for a, b in zip(starts.tolist(), stops.tolist())]
    gathered = np.concatenate(pieces) if pieces else values[:0]
    new_offsets = np.concatenate([[0], np.cumsum(stops - starts)]).astype(np.int64)
    rest = table.drop_columns([TOKENS]).take(pa.array(order))
    column = pa.LargeListArray.from_arrays(pa.array(new_offsets), pa.array(gathered))
    return rest.append_column(TOKENS, column).select(table.column_names)


def run_schema(info: TokenizerInfo) -> pa.Schema:
    """The shard schema with ``source`` as plain strings: an IPC file holds one dictionary per column, and
    the shard writer encodes each shard's own (``pipeline.shards.writer``)."""
    schema = shard_schema(info)
    return schema.set(schema.get_field_index(SOURCE), pa.field(SOURCE, pa.string()))


def write_run(storage: Storage, uri: str, table: pa.Table, num_buckets: int, info: TokenizerInfo) -> int:
    """Write ``table`` as one batch per bucket; returns the batches' IPC bytes (what ``read_bucket`` reads back)."""
    buckets = buckets_of(table[ID], num_buckets)
    order = np.argsort(buckets, kind="stable")
    grouped = take_rows(table, order)
    bounds = np.searchsorted(buckets[order], np.arange(num_buckets + 1))
    schema = run_schema(info)
    grouped = grouped.select(schema.names).cast(schema)
    empty = pa.RecordBatch.from_pylist([], schema=schema)
    written = 0
    with storage.open_output(uri) as f, pa.ipc.new_file(f.stream, schema) as writer:
        for b in range(num_buckets):  # exactly one batch per bucket, so batch b is bucket b
            batches = grouped.slice(bounds[b], bounds[b + 1] - bounds[b]).combine_chunks().to_batches()
            batch = batches[0] if batches else empty
            writer.write_batch(batch)
            written += pa.ipc.get_record_batch_size(batch)
    return written


def read_bucket(storage: Storage, runs: list[str], bucket: int) -> tuple[pa.Table, int]:
    """Every run's rows of ``bucket``, sorted by id: the bucket's content, whatever the run layout.

    Also returns the IPC bytes of the batches read, for the progress line:
    the measure ``write_run`` returns, which (unlike ``nbytes``: a written slice
    may carry a validity buffer the file drops) is the same on both sides.
    """
    batches = []
    for uri in runs:
        with storage.open_input(uri, random_access=True) as handle:
            batches.append(pa.ipc.open_file(handle).get_batch(bucket))
    table = pa.Table.from_batches(batches)  # every run has the run schema
    order = pc.sort_indices(table, sort_keys=[(ID, "ascending")]).to_numpy()
    return take_rows(table, order), sum(pa.ipc.get_record_batch_size(b) for b in batches)
