import pytest

from pipeline.errors import UserError
from pipeline.storage import Storage


def test_expand_file_folder_glob(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.jsonl", "b.jsonl.gz", "sub/c.jsonl", "sub/d.txt"):
        (tmp_path / name).write_text("x")
    storage = Storage()
    assert [f.uri for f in storage.expand([str(tmp_path / "a.jsonl")])] == [str(tmp_path / "a.jsonl")]
    assert len(storage.expand([str(tmp_path)])) == 4
    globbed = storage.expand([str(tmp_path / "**" / "*.jsonl")])
    assert [f.uri.rsplit("/", 1)[-1] for f in globbed] == ["a.jsonl", "c.jsonl"]  # ** spans zero or more folders
    assert len(storage.expand([str(tmp_path / "*.jsonl*")])) == 2


def test_missing_path_and_empty_glob_are_user_errors(tmp_path):
    storage = Storage()
    with pytest.raises(UserError, match="does not exist"):
        storage.expand([str(tmp_path / "nope")])
    with pytest.raises(UserError, match="no input files"):
        storage.expand([str(tmp_path / "*.parquet")])


def test_atomic_write_publishes_only_on_success(tmp_path):
    storage = Storage()
    target = tmp_path / "out" / "file.bin"
    storage.write_bytes(str(target), b"hello")
    assert target.read_bytes() == b"hello"
    with pytest.raises(RuntimeError):
        with storage.open_output(str(target)) as f:
            f.write(b"partial")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"hello"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_exists_and_delete(tmp_path):
    storage = Storage()
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    assert storage.exists(str(tmp_path / "d"))
    storage.delete(str(tmp_path / "d"))
    assert not storage.exists(str(tmp_path / "d"))
