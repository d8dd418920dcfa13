"""verify(): a sound folder passes; each kind of damage is named with its shard."""

import os
import shutil

import pyarrow as pa
import pytest
from shard_fixtures import documents, write_folder

from pentaglot_reader import manifest as mf
from pentaglot_reader.format import MANIFEST_NAME, TokenizerInfo
from pipeline.shards.verify import verify
from pipeline.shards.writer import write_shards
from pipeline.storage import Storage


@pytest.fixture()
def folder(tmp_path):
    out = str(tmp_path / "shards")
    manifest = write_folder(out, documents(120))
    return out, manifest


def _first_shard(folder):
    out, manifest = folder
    return os.path.join(out, manifest["shards"][0]["path"]), manifest["shards"][0]["path"]


def test_sound_folder_has_no_problems_and_consistent_totals(folder):
    out, manifest = folder
    assert verify(Storage(), out) == []
    assert manifest["totals"]["rows"] == 120
    assert len(manifest["shards"]) > 3  # the small target split pieces into several shards
    assert manifest["totals"]["tokens"] == sum(manifest["totals"]["tokens_by_lang"].values())


def test_flipped_byte_in_token_data_is_a_checksum_problem(folder):
    path, name = _first_shard(folder)
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(path, "wb").write(bytes(data))
    problems = verify(Storage(), folder[0])
    assert any(p.startswith(f"{name}: sha256") for p in problems), problems


def test_truncated_shard_is_named(folder):
    path, name = _first_shard(folder)
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(size - 100)
    assert verify(Storage(), folder[0]) == [f"{name}: truncated: {size - 100} bytes, manifest says {size}"]


def test_missing_shard_and_extra_file_are_named(folder):
    path, name = _first_shard(folder)
    os.remove(path)
    shutil.copy(os.path.join(folder[0], MANIFEST_NAME), os.path.join(folder[0], "stray.arrow"))
    problems = verify(Storage(), folder[0])
    assert f"{name}: missing" in problems
    assert any(p.startswith("stray.arrow: extra file") for p in problems)


def test_missing_manifest_means_not_committed(folder):
    os.remove(os.path.join(folder[0], MANIFEST_NAME))
    [problem] = verify(Storage(), folder[0])
    assert "missing; the folder was never committed" in problem


def test_wrong_tokenizer_is_named(folder):
    problems = verify(Storage(), folder[0], tokenizer_sha256="0" * 64)
    assert len(problems) == 1 and "not the given one" in problems[0]


def test_shard_from_another_tokenizer_is_named(folder, tmp_path):
    out, manifest = folder
    entry = manifest["shards"][0]
    other = TokenizerInfo.from_dict({**manifest["tokenizer"], "sha256": "f" * 64})
    table = pa.table({"id": ["x"], "lang": ["en"], "n_tokens": pa.array([1], pa.int32()),
                      "tokens": pa.array([[5]], pa.large_list(pa.uint16()))})
    [written] = write_shards(Storage(), str(tmp_path / "other"), 0, table, other, 1 << 20)
    shutil.copy(tmp_path / "other" / written.path, os.path.join(out, entry["path"]))
    manifest["shards"][0] = {**entry, **{k: getattr(written, k) for k in ("bytes", "sha256", "rows", "tokens")}}
    Storage().write_bytes(os.path.join(out, MANIFEST_NAME), mf.dumps(manifest))
    problems = verify(Storage(), out)
    assert any(entry["path"] in p and "written with tokenizer ffffffffffff" in p for p in problems), problems


def test_token_id_at_or_above_vocab_size_is_named(tmp_path):
    info = TokenizerInfo(sha256="a" * 64, vocab_size=100, bos_id=1, eos_id=2, pad_id=-1, unk_id=0)
    table = pa.table({"id": ["x", "y"], "lang": ["en", "en"], "n_tokens": pa.array([2, 1], pa.int32()),
                      "tokens": pa.array([[5, 99], [100]], pa.large_list(pa.uint16()))})
    out = str(tmp_path / "ids")
    entries = write_shards(Storage(), out, 0, table, info, 1 << 20)
    Storage().write_bytes(os.path.join(out, MANIFEST_NAME), mf.dumps(mf.build_manifest(info, "m", {}, entries)))
    assert verify(Storage(), out) == [f"{entries[0].path}: token id 100 is not below the vocab size 100"]


def test_same_documents_give_identical_bytes_and_pieces_are_cut_in_input_order(tmp_path):
    docs = documents(90)
    a = write_folder(str(tmp_path / "a"), docs)
    b = write_folder(str(tmp_path / "b"), docs)
    assert [s["sha256"] for s in a["shards"]] == [s["sha256"] for s in b["shards"]]
    strip = lambda m: {k: v for k, v in m.items() if k != mf.TIMESTAMP_KEY}  # noqa: E731
    assert mf.dumps(strip(a)) == mf.dumps(strip(b))
    names = [s["path"] for s in a["shards"]]
    assert names == sorted(names) and {n[:11] for n in names} == {"shard-00000", "shard-00001", "shard-00002"}
    ids = [i for s in a["shards"] for i in pa.ipc.open_file(str(tmp_path / "a" / s["path"])).read_all()["id"].to_pylist()]
    assert ids == docs["id"].to_pylist()
