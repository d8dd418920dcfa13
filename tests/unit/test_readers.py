"""Every reader format and every bad-input case, without Ray: read tasks run in-process."""

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from pipeline.config import ReaderConfig
from pipeline.documents import ERROR
from pipeline.readers import units
from pipeline.readers.datasource import DocumentDatasource
from pipeline.readers.units import plan_groups, read_group
from pipeline.readers.tally import TaskCount
from pipeline.stage_io import check_counts
from pipeline.storage import Storage


def read_all(paths, **cfg) -> pa.Table:
    storage = Storage()
    files = storage.expand([str(p) for p in paths])
    source = DocumentDatasource(files, ReaderConfig(**cfg), storage)
    tables = [block for task in source.get_read_tasks(4) for block in task()]
    return pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})


def docs(table):
    return table.filter(table[ERROR].is_null()) if ERROR in table.column_names else table


def bad(table):
    return table.filter(table[ERROR].is_valid()).to_pylist()


def jsonl(records):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


RECORDS = [{"text": f"문서 {i} 本文 text", "id": f"d{i}", "meta": {"n": i}} for i in range(50)]


@pytest.mark.parametrize("suffix,compress", [(".jsonl", bytes), (".jsonl.gz", gzip.compress), (".jsonl.zst", zstandard.compress)])
def test_jsonl_plain_and_compressed(tmp_path, suffix, compress):
    path = tmp_path / f"a{suffix}"
    path.write_bytes(compress(jsonl(RECORDS)))
    table = read_all([path])
    assert sorted(table["id"].to_pylist()) == sorted(r["id"] for r in RECORDS)
    assert set(table["text"].to_pylist()) == {r["text"] for r in RECORDS}
    assert table["source"][0].as_py() == str(path)
    assert "meta" in table.column_names  # unused input fields are carried through
    assert not bad(table)


def test_text_and_id_fields_configurable_and_missing_ids_are_stable(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl([{"body": "first"}, {"body": "second", "key": 7}]))
    table = read_all([path], text_field="body", id_field="key")
    rows = sorted(table.select(["id", "text"]).to_pylist(), key=lambda r: r["text"])
    assert rows == [{"id": f"{path}@0", "text": "first"}, {"id": "7", "text": "second"}]
    assert read_all([path], text_field="body", id_field="key")["id"].to_pylist() == table["id"].to_pylist()


def test_parquet_with_row_groups_split_across_tasks(tmp_path):
    path = tmp_path / "a.parquet"
    table = pa.table({"content": [f"doc {i}" for i in range(1000)], "n": list(range(1000))})
    pq.write_table(table, path, row_group_size=100)
    storage = Storage()
    source = DocumentDatasource(storage.expand([str(path)]), ReaderConfig(text_field="content", split_bytes=1 << 20), storage)
    source.reader = source.reader.model_copy(update={"split_bytes": 1000})  # force a split on this small file
    tasks = source.get_read_tasks(8)
    out = pa.concat_tables([b for t in tasks for b in t()], promote_options="permissive")
    assert out.num_rows == 1000 and len(set(out["id"].to_pylist())) == 1000
    assert sorted(out["text"].to_pylist()) == sorted(table["content"].to_pylist())


def test_plain_text_per_file_and_per_line(tmp_path):
    (tmp_path / "a.txt").write_text("첫 줄\n\n둘째 줄\r\n")
    (tmp_path / "b.txt").write_text("another file")
    per_file = read_all([tmp_path])
    assert sorted(per_file["text"].to_pylist()) == ["another file", "첫 줄\n\n둘째 줄\r\n"]
    assert set(per_file["id"].to_pylist()) == {str(tmp_path / "a.txt"), str(tmp_path / "b.txt")}
    per_line = read_all([tmp_path / "a.txt"], text_unit="line")
    assert per_line["text"].to_pylist() == ["첫 줄", "둘째 줄"]


def test_large_file_byte_ranges_lose_and_repeat_nothing(tmp_path):
    path = tmp_path / "big.jsonl"
    records = [{"text": "x" * (i % 97) + f" {i}"} for i in range(20000)]
    path.write_bytes(jsonl(records))
    storage = Storage()
    source = DocumentDatasource(storage.expand([str(path)]), ReaderConfig(), storage)
    source.reader = source.reader.model_copy(update={"split_bytes": 50_000, "task_bytes": 50_000})
    tasks = source.get_read_tasks(100)
    assert len(tasks) > 10
    out = pa.concat_tables([b for t in tasks for b in t()])
    assert sorted(out["text"].to_pylist()) == sorted(r["text"] for r in records)
    assert len(set(out["id"].to_pylist())) == len(records)


def test_many_small_files_are_grouped_into_few_tasks(tmp_path):
    for i in range(300):
        (tmp_path / f"f{i:03d}.jsonl").write_bytes(jsonl([{"text": f"doc {i}"}]))
    storage = Storage()
    source = DocumentDatasource(storage.expand([str(tmp_path)]), ReaderConfig(), storage)
    tasks = source.get_read_tasks(4)
    assert len(tasks) <= 4
    assert sum(b.num_rows for t in tasks for b in t()) == 300


def test_bad_records_go_to_quarantine_with_file_line_and_error(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"text": "good one"}\n'
        b'{"text": "broken\n'
        b'{"other": "no text"}\n'
        b'{"text": 42}\n'
        b'["not", "an object"]\n'
        b'{"text": "bad \xff utf8"}\n'
        b"\n"
        b'{"text": "good two"}\n'
    )
    table = read_all([path])
    assert sorted(docs(table)["text"].to_pylist()) == ["good one", "good two"]
    errors = {row["line"]: row["error"] for row in bad(table)}
    assert set(errors) == {2, 3, 4, 5, 6}
    assert "malformed JSON" in errors[2] and "starting at column" in errors[2] and " at at " not in errors[2]
    assert "no 'text' field" in errors[3]
    assert "'text' is int" in errors[4]
    assert "not a JSON object" in errors[5]
    assert "invalid UTF-8" in errors[6]
    assert all(row["source"] == str(path) for row in bad(table))


def test_empty_file_and_truncated_gzip(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    data = gzip.compress(jsonl([{"text": f"line {i} " * 20} for i in range(5000)]))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    table = read_all([tmp_path])
    errors = [row["error"] for row in bad(table)]
    assert "empty file" in errors
    assert any("truncated" in e for e in errors)
    good = docs(table).num_rows
    assert 0 < good < 5000  # everything before the damage is kept


def test_invalid_utf8_plain_text_file_is_quarantined(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"abc \xfe\xff def")
    table = read_all([tmp_path])
    assert [r["error"] for r in bad(table)] == ["invalid UTF-8 at byte 4"]


def test_corrupt_parquet_and_missing_text_column_are_quarantined(tmp_path):
    (tmp_path / "corrupt.parquet").write_bytes(b"PAR1 this is not parquet")
    pq.write_table(pa.table({"body": ["a", "b"]}), tmp_path / "notext.parquet")
    pq.write_table(pa.table({"text": ["fine", None]}), tmp_path / "nulls.parquet")
    table = read_all([tmp_path])
    errors = sorted(r["error"] for r in bad(table))
    assert any(e.startswith("unreadable") for e in errors)
    assert any("no column 'text'" in e for e in errors)
    assert "'text' is null" in errors
    assert docs(table)["text"].to_pylist() == ["fine"]


def counted(paths, **cfg) -> tuple[int, TaskCount]:
    """Rows produced and the reader's own count, read tasks run in-process."""
    storage = Storage()
    reader = ReaderConfig(**cfg)
    total, rows = TaskCount(), 0
    for group in plan_groups(storage.expand([str(p) for p in paths]), reader, storage, 1000):
        rows += sum(t.num_rows for t in read_group(group, reader, storage, count_to=total.merge))
    return rows, total


def test_reader_counts_records_apart_from_what_it_parses(tmp_path):
    (tmp_path / "mixed.jsonl").write_bytes(b'{"text": "a"}\n\n{"text": \n["x"]\n{"text": "b \xff"}\n{"text": "c"}')
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "corrupt.parquet").write_bytes(b"PAR1 this is not parquet")
    pq.write_table(pa.table({"body": ["a", "b"]}), tmp_path / "notext.parquet")
    pq.write_table(pa.table({"text": ["fine", None, "x"]}), tmp_path / "nulls.parquet", row_group_size=2)
    (tmp_path / "doc.txt").write_text("one file, one record\n\nstill the same record")
    rows, count = counted([tmp_path])
    # 5 non-blank lines, an empty file, a corrupt file, a file without text, 3 rows, a whole text file
    assert count.seen == count.produced == rows == 12 and not count.mismatched
    data = gzip.compress(jsonl([{"text": f"line {i} " * 20} for i in range(5000)]))
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    rows, count = counted([tmp_path / "cut.jsonl.gz"])
    assert count.seen == count.produced == rows and 1 < rows < 5000  # the lines before the damage, and the remainder
    (tmp_path / "bad.txt.zst").write_bytes(b"\x28\xb5\x2f\xfd" + b"not zstd" * 8)
    assert counted([tmp_path / "bad.txt.zst"]) == (1, TaskCount(1, 1))  # a text file that cannot be read is one record
    lines, per_line = counted([tmp_path / "doc.txt"], text_unit="line")
    assert lines == per_line.seen == 2


def test_over_long_records_are_counted_records_that_land_in_quarantine(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(jsonl([{"text": "x" * 5000}, {"text": "short"}]))
    (tmp_path / "big.txt").write_text("長" * 2000)
    pq.write_table(pa.table({"text": ["y" * 5000, "ok"]}), tmp_path / "rows.parquet")
    rows, count = counted([tmp_path], max_record_bytes=4096)
    assert count.seen == count.produced == rows == 5 and not count.mismatched


def test_a_reader_that_drops_a_record_fails_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "lossy.jsonl"
    path.write_bytes(jsonl(RECORDS))
    parse = units.parse_jsonl
    monkeypatch.setattr(units, "parse_jsonl", lambda *a: [t.slice(1) for t in parse(*a)])
    rows, count = counted([path])
    assert (count.seen, rows) == (50, 49)
    with pytest.raises(RuntimeError, match=f"normalize: the reader counted 50 records but .* = 49; .*{path} .*50 records read, 49 rows produced"):
        check_counts("normalize", {"kept": rows, "rejected": 0, "quarantined": 0}, count)
