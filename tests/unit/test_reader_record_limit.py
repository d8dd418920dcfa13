"""``reader.max_record_bytes``: a record over it is quarantined with its size, never held in memory."""

import gzip
import io
import json
import random
import tracemalloc

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from pipeline.config import ReaderConfig
from pipeline.documents import ERROR
from pipeline.readers.datasource import DocumentDatasource
from pipeline.readers.lines import LongRecord, iter_line_chunks
from pipeline.storage import Storage

LIMIT = 4096


def read_all(paths, split_bytes=None, **cfg) -> pa.Table:
    storage = Storage()
    source = DocumentDatasource(storage.expand([str(p) for p in paths]), ReaderConfig(**cfg), storage)
    if split_bytes:  # below the config's floor, to cut this small file into many ranges
        source.reader = source.reader.model_copy(update={"split_bytes": split_bytes, "task_bytes": split_bytes})
    return pa.concat_tables([b for task in source.get_read_tasks(8) for b in task()], promote_options="permissive")


def split(table):
    bad = table.filter(table[ERROR].is_valid())
    return table.filter(table[ERROR].is_null()), sorted(bad.to_pylist(), key=lambda r: r["offset"])


def mixed_jsonl(n=1000, long_every=100, long_size=20_000):
    """Normal records with one over the limit every ``long_every``: (bytes, kept texts, long records' (offset, line, size))."""
    out, kept, long, offset = [], [], [], 0
    for i in range(n):
        text = ("가" * long_size) if i % long_every == 7 else f"record {i} " + "x" * (i % 50)
        line = json.dumps({"text": text}, ensure_ascii=False).encode()
        if len(line) > LIMIT:
            long.append((offset, i + 1, len(line)))
        else:
            kept.append(text)
        out.append(line + b"\n")
        offset += len(line) + 1
    return b"".join(out), kept, long


@pytest.mark.parametrize("suffix,compress", [(".jsonl", bytes), (".jsonl.gz", gzip.compress), (".jsonl.zst", zstandard.compress)])
def test_over_long_jsonl_records_are_quarantined_with_offset_line_and_size(tmp_path, suffix, compress):
    data, kept, long = mixed_jsonl()
    (tmp_path / f"a{suffix}").write_bytes(compress(data))
    docs, bad = split(read_all([tmp_path], max_record_bytes=LIMIT))
    assert sorted(docs["text"].to_pylist()) == sorted(kept)  # the records around them are kept
    assert [(r["offset"], r["line"], r["record_bytes"]) for r in bad] == long
    assert all(f"record of {size:,} bytes is over reader.max_record_bytes (4,096)" in r["error"] for r, (_, _, size) in zip(bad, long))
    assert bad[0]["raw"].startswith('{"text": "가가')  # the record's first characters, for a person to recognise it


def test_byte_range_splits_quarantine_each_long_record_once(tmp_path):
    data, kept, long = mixed_jsonl(n=3000, long_every=37)
    (tmp_path / "big.jsonl").write_bytes(data)
    docs, bad = split(read_all([tmp_path], max_record_bytes=LIMIT, split_bytes=50_000))
    assert sorted(docs["text"].to_pylist()) == sorted(kept)
    assert [(r["offset"], r["record_bytes"]) for r in bad] == [(o, s) for o, _, s in long]


@pytest.mark.parametrize("seed", range(5))
def test_line_chunks_match_a_plain_split_for_any_chunk_size_and_range(seed):
    """The streaming cut (long lines scanned past chunk by chunk) against ``bytes.split``."""
    rng = random.Random(seed)
    lines = [b"y" * rng.choice([0, 1, 5, 30, 99, 100, 101, 250, 1000]) for _ in range(300)]
    lines[-1] = b"z" * (250 if seed % 3 else 5)  # the last line, with or without its newline, short or long
    data = b"\n".join(lines) + (b"\n" if seed % 2 else b"")
    limit = rng.randrange(len(data) // 2, len(data) + 1) if seed > 2 else None
    got = []
    for piece in iter_line_chunks(io.BytesIO(data), 0, limit, max_record=100, chunk_bytes=rng.choice([7, 64, 333])):
        if isinstance(piece, LongRecord):
            got.append((piece.offset, piece.size, "long"))
        else:
            buf, offset = piece
            got += [(offset + i, len(x), "ok") for i, x in _offsets(buf.removesuffix(b"\n").split(b"\n"))]
    expect, offset = [], 0
    for line in lines:
        if limit is None or offset < limit:
            expect.append((offset, len(line), "long" if len(line) > 100 else "ok"))
        offset += len(line) + 1
    assert got == expect


def _offsets(parts):
    at = 0
    for part in parts:
        yield at, part
        at += len(part) + 1


def test_gzip_bomb_line_is_skipped_in_bounded_memory(tmp_path):
    """A 256 MB line that compresses to ~250 KB: read with a few tens of MB, then the next record."""
    path = tmp_path / "bomb.jsonl.gz"
    size = 256 << 20
    with gzip.open(path, "wb", compresslevel=9) as f:
        f.write(b'{"text": "before"}\n{"text": "')
        for _ in range(size >> 20):
            f.write(b"A" * (1 << 20))
        f.write(b'"}\n{"text": "after"}\n')
    tracemalloc.start()
    try:
        docs, bad = split(read_all([path]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert docs["text"].to_pylist() == ["before", "after"]
    assert [(r["line"], r["record_bytes"]) for r in bad] == [(2, size + len('{"text": ""}'))]
    assert peak < 96 << 20, f"peak {peak >> 20} MB of Python allocations for a {size >> 20} MB line"


def test_plain_text_files_and_lines_over_the_limit(tmp_path):
    (tmp_path / "big.txt").write_text("長" * 2000)  # 6,000 bytes
    (tmp_path / "small.txt").write_text("fine")
    docs, bad = split(read_all([tmp_path], max_record_bytes=LIMIT))
    assert docs["text"].to_pylist() == ["fine"]
    assert [(r["source"].rsplit("/", 1)[-1], r["record_bytes"]) for r in bad] == [("big.txt", 6000)]
    docs, bad = split(read_all([tmp_path / "big.txt"], max_record_bytes=1024, text_unit="line"))
    assert docs.num_rows == 0 and [r["record_bytes"] for r in bad] == [6000]


def test_parquet_cells_over_the_limit(tmp_path):
    texts = ["short", "z" * 5000, None, "also short"]
    pq.write_table(pa.table({"text": texts, "n": [0, 1, 2, 3]}), tmp_path / "a.parquet")
    docs, bad = split(read_all([tmp_path], max_record_bytes=LIMIT))
    assert sorted(docs["text"].to_pylist()) == ["also short", "short"]
    assert sorted((r["offset"], r["record_bytes"]) for r in bad) == [(1, 5000), (2, None)]
