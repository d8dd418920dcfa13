"""Checking one shard's bytes against what its manifest entry promises.

A training job trusts the manifest; this is what earns that trust, shard by
shard.  Each problem is one line naming the shard and what is wrong, so
``pentaglot verify`` prints them, and the reader and the export refuse a
damaged shard with the same words.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

from pentaglot_reader import manifest as mf
from pentaglot_reader.format import FORMAT_VERSION, N_TOKENS, TOKENS, TokenizerInfo, info_from_schema, numpy_view


def token_arrays(batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    """Zero-copy numpy views of a shard batch's flat token values and int64 offsets."""
    tokens = batch.column(batch.schema.get_field_index(TOKENS))
    offsets = np.frombuffer(tokens.buffers()[1], dtype=np.int64)[tokens.offset : tokens.offset + len(tokens) + 1]
    values = numpy_view(tokens.values)
    return values, offsets


def check_shard(data: pa.Buffer, entry: mf.ShardEntry, tokenizer: TokenizerInfo, level: str = "full") -> list[str]:
    """Problems in one shard's bytes, one line each, naming the shard.

    ``level`` trades cost for coverage: "quick" is O(rows) and reads only the
    footer, metadata and offsets (catches truncated, foreign and mislabelled
    shards); "structure" also scans every token (ids below the vocab size,
    consistent lists); "full" also compares the sha256, the only check that
    catches a flipped bit inside a token buffer.
    """
    name = entry.path
    if data.size != entry.bytes:
        kind = "truncated" if data.size < entry.bytes else "size mismatch"
        return [f"{name}: {kind}: {data.size} bytes, manifest says {entry.bytes}"]
    problems = []
    if level == "full":
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.sha256:
            problems.append(f"{name}: sha256 {digest[:12]}… does not match the manifest ({entry.sha256[:12]}…)")
    try:
        reader = pa.ipc.open_file(data)
        version, info = info_from_schema(reader.schema)
        batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
    except (pa.ArrowInvalid, ValueError) as err:
        return problems + [f"{name}: unreadable as an Arrow IPC file ({err})"]
    if version != FORMAT_VERSION:
        problems.append(f"{name}: format version {version}, expected {FORMAT_VERSION}")
    if info.sha256 != tokenizer.sha256:
        problems.append(f"{name}: written with tokenizer {info.sha256[:12]}…, manifest says {tokenizer.sha256[:12]}…")
    rows = sum(b.num_rows for b in batches)
    if rows != entry.rows:
        problems.append(f"{name}: {rows} rows, manifest says {entry.rows}")
    n_tokens = 0
    for batch in batches:
        try:
            batch.validate(full=level != "quick")
        except pa.ArrowInvalid as err:
            problems.append(f"{name}: corrupt record batch ({err})")
            continue
        values, offsets = token_arrays(batch)
        counts = numpy_view(batch.column(batch.schema.get_field_index(N_TOKENS)))
        if not np.array_equal(np.diff(offsets), counts):
            problems.append(f"{name}: n_tokens disagrees with the token lists")
        if level != "quick" and offsets[-1] > offsets[0]:
            top = int(values[offsets[0] : offsets[-1]].max())
            if top >= tokenizer.vocab_size:
                problems.append(f"{name}: token id {top} is not below the vocab size {tokenizer.vocab_size}")
        n_tokens += int(offsets[-1] - offsets[0])
    if n_tokens != entry.tokens:
        problems.append(f"{name}: {n_tokens} tokens, manifest says {entry.tokens}")
    return problems
