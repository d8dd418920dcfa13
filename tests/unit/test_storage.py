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


SECRET_URIS = ["s3://AKIAEXAMPLEKEY:wJalrXUtnFEMIsecret@bucket/in/", "s3://AKIAEXAMPLEKEY@bucket/in/x.jsonl"]


@pytest.mark.parametrize("uri", SECRET_URIS)
def test_uris_carrying_credentials_are_refused_without_repeating_them(uri):
    storage = Storage()
    for call in (lambda: storage.expand([uri]), lambda: storage.stat(uri), lambda: storage.open_output(uri), lambda: storage.open_input(uri)):
        with pytest.raises(UserError, match="credentials in a URI are refused") as err:
            call()
        assert "AKIAEXAMPLEKEY" not in str(err.value) and "wJalrXUtnFEMIsecret" not in str(err.value)
        assert "s3://…@bucket/…" in str(err.value)


def test_an_endpoint_url_with_credentials_is_a_config_error_that_hides_them():
    from pipeline.config import RunConfig, validate

    data = {"input": ["x"], "output": "y", "storage": {"endpoint_url": "http://minio:Sup3rSecret@127.0.0.1:9000"}}
    with pytest.raises(UserError) as err:
        validate(RunConfig, data, "run.yaml")
    assert str(err.value).startswith("run.yaml: storage.endpoint_url: credentials in a URI are refused")
    assert "Sup3rSecret" not in str(err.value) and "minio" not in str(err.value)
