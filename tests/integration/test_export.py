"""`pentaglot export --format megatron`: read back by megatron-core's own IndexedDataset."""

import json
import os
import shutil
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from shard_fixtures import documents, tokenizer_model, write_folder

from pentaglot_reader import manifest as mf
from pentaglot_reader.batches import TokenBatches
from pentaglot_reader.format import MANIFEST_NAME, TokenizerInfo
from pentaglot_reader.mixture import Mixture
from pentaglot_reader.shards import TokenShards
from pipeline.cli import main
from pipeline.errors import UserError
from pipeline.export.job import EXPORT_MANIFEST, run_export
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.writer import write_shards
from pipeline.storage import Storage

pytestmark = pytest.mark.ray
megatron = pytest.importorskip("megatron.core.datasets.indexed_dataset")

N_DOCS = 230


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("export") / "shards")
    write_folder(out, documents(N_DOCS), TokenizeConfig(special_tokens="none"))
    return out


def _source_docs(shards_folder: str, provenance: pa.Table) -> np.ndarray:
    """Global document index of each exported sequence, from its provenance row."""
    reader = TokenShards(shards_folder)
    first = {e.path: int(reader.first_doc[i]) for i, e in enumerate(reader.entries)}
    return np.array([first[s] for s in provenance["shard"].to_pylist()]) + provenance["row"].to_numpy()


def _assert_round_trip(shards_folder: str, out: str, name: str) -> np.ndarray:
    """Every sequence equals its source document, in tokens, count and dtype; returns the source documents."""
    reader = TokenShards(shards_folder)
    dataset = megatron.IndexedDataset(os.path.join(out, name))
    provenance = pq.read_table(os.path.join(out, f"{name}.provenance.parquet"))
    docs = _source_docs(shards_folder, provenance)
    assert len(dataset) == provenance.num_rows == len(docs)
    assert provenance["sequence"].to_pylist() == list(range(len(dataset)))
    for i, doc in enumerate(docs.tolist()):
        assert np.array_equal(dataset[i], reader.doc(doc)), (name, i)
    assert np.array_equal(dataset.sequence_lengths, reader.lengths[docs])
    assert list(dataset.document_indices) == list(range(len(dataset) + 1))
    return docs


def test_per_language_and_merged_exports_round_trip_through_megatron(ray_session, shards, tmp_path):
    reader = TokenShards(shards)
    report = run_export(shards, str(tmp_path / "langs"))
    names = sorted(d["name"] for d in report.manifest["datasets"])
    assert names == sorted(reader.lang_names) and report.manifest["dtype"] == "uint16"
    seen = []
    for name in names:
        docs = _assert_round_trip(shards, str(tmp_path / "langs"), name)
        assert set(reader.lang_of(docs)) == {name}
        seen.extend(docs.tolist())
        assert megatron.IndexedDataset(str(tmp_path / "langs" / name)).index.dtype == np.uint16
    assert sorted(seen) == list(range(N_DOCS))

    run_export(shards, str(tmp_path / "merged"), per_language=False)
    docs = _assert_round_trip(shards, str(tmp_path / "merged"), "merged")
    assert sorted(docs.tolist()) == list(range(N_DOCS))
    provenance = pq.read_table(tmp_path / "merged" / "merged.provenance.parquet")
    source_of = dict(zip(*(documents(N_DOCS)[c].to_pylist() for c in ("id", "source"))))
    assert sorted(provenance["id"].to_pylist()) == sorted(source_of)
    assert provenance["source"].to_pylist() == [source_of[i] for i in provenance["id"].to_pylist()]


def test_every_exported_sequence_names_its_input_file_through_tokenize(ray_session, tmp_path):
    """Records with no source of their own: the reader names their file, the shards and the export keep it."""
    from pipeline.stages.tokenize import run_tokenize

    model = tmp_path / "tiny.model"
    model.write_bytes(tokenizer_model())
    rows = documents(40).drop_columns(["source"]).to_pylist()
    files = {}
    for part in range(2):
        path = tmp_path / "docs" / f"part-{part}.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[part::2]), encoding="utf-8")
        files.update({r["id"]: str(path) for r in rows[part::2]})
    config = TokenizeConfig(tokenizer=str(model), special_tokens="eos", buckets=2, min_pieces=2, threads=1)
    run_tokenize([str(tmp_path / "docs")], str(tmp_path / "shards"), config)
    run_export(str(tmp_path / "shards"), str(tmp_path / "out"), per_language=False)
    provenance = pq.read_table(tmp_path / "out" / "merged.provenance.parquet")
    assert sorted(provenance["id"].to_pylist()) == sorted(files)
    assert provenance["source"].to_pylist() == [files[i] for i in provenance["id"].to_pylist()]


def _handmade_folder(out: str, vocab: int, lists: list[list[int]], langs: list[str]) -> None:
    info = TokenizerInfo(sha256="c" * 64, vocab_size=vocab, bos_id=1, eos_id=2, pad_id=-1, unk_id=0)
    table = pa.table({
        "id": [f"d{i}" for i in range(len(lists))], "lang": langs,
        "n_tokens": pa.array([len(t) for t in lists], pa.int32()),
        "tokens": pa.array(lists, pa.large_list(pa.from_numpy_dtype(info.dtype))),
    })
    entries = write_shards(Storage(), out, 0, table, info, 1 << 20)
    Storage().write_bytes(os.path.join(out, MANIFEST_NAME), mf.dumps(mf.build_manifest(info, "m", {}, entries)))


@pytest.mark.parametrize("vocab, dtype", [(100_000, np.int32), (65_520, np.int32), (65_499, np.uint16)])
def test_megatron_dtype_follows_the_vocab_size_and_long_documents_stay_whole(ray_session, tmp_path, vocab, dtype):
    rng = np.random.default_rng(0)
    long_doc = rng.integers(0, vocab, size=5000).tolist()  # longer than any training sequence below
    lists = [long_doc, [vocab - 1, 3], [4, 5, 6], [], [7]]
    _handmade_folder(str(tmp_path / "shards"), vocab, lists, ["en", "en", "ko", "ja", "en"])
    report = run_export(str(tmp_path / "shards"), str(tmp_path / "out"))
    assert report.manifest["dtype"] == np.dtype(dtype).name
    assert report.manifest["skipped"] == {"ja": "no tokens: Megatron cannot memory-map an empty .bin"}
    en = megatron.IndexedDataset(str(tmp_path / "out" / "en"))
    assert en.index.dtype == dtype and len(en) == 3
    assert [en[i].tolist() for i in range(3)] == [long_doc, [vocab - 1, 3], [7]]
    seq_len = 1024
    for offset in range(0, 5000, seq_len):  # how GPTDataset reads a sample out of a long document
        assert en.get(0, offset, min(seq_len, 5000 - offset)).tolist() == long_doc[offset : offset + seq_len]
    assert not os.path.exists(tmp_path / "out" / "ja.bin")
    run_export(str(tmp_path / "shards"), str(tmp_path / "merged"), per_language=False)
    merged = megatron.IndexedDataset(str(tmp_path / "merged" / "merged"))
    assert sorted(merged[i].tolist() for i in range(len(merged))) == sorted(lists)  # the empty document too


def test_mixture_export_meets_its_shares_deterministically_and_matches_the_reader(ray_session, shards, tmp_path):
    mixture = Mixture(shares={"ko": 0.75, "en": 0.15, "es": 0.1}, max_epochs={"ko": 4})
    first = run_export(shards, str(tmp_path / "a"), mixture, seed=7).manifest
    second = run_export(shards, str(tmp_path / "b"), mixture, seed=7).manifest
    reached = {row["lang"]: row for row in first["mixture"]["languages"]}
    tokens, docs = {}, []
    for name in ("ko", "en", "es"):
        dataset_docs = _assert_round_trip(shards, str(tmp_path / "a"), name)
        docs.extend(dataset_docs.tolist())
        dataset = megatron.IndexedDataset(str(tmp_path / "a" / name))  # its arrays die with it: keep it alive
        tokens[name] = int(dataset.sequence_lengths.sum())
        for suffix in (".bin", ".idx", ".provenance.parquet"):
            assert (tmp_path / "a" / (name + suffix)).read_bytes() == (tmp_path / "b" / (name + suffix)).read_bytes()
    for name, share in mixture.shares.items():
        assert abs(tokens[name] / sum(tokens.values()) - share) < 0.005
        assert reached[name]["tokens"] == tokens[name] and abs(reached[name]["share"] - tokens[name] / sum(tokens.values())) < 1e-12
    assert reached["ko"]["epochs"] > 1 > reached["en"]["epochs"]
    assert first["mixture"]["languages"] == second["mixture"]["languages"]
    reader = TokenBatches(shards, batch_size=64, seed=7, mixture=mixture)
    epoch0 = np.concatenate([b["docs"] for b in reader])
    assert sorted(epoch0.tolist()) == sorted(docs)  # the reader's epoch 0 is the export


def test_infeasible_mixture_fails_before_any_work(ray_session, shards, tmp_path):
    with pytest.raises(UserError, match=r"ko at a share of 50.00% .* max_epochs allows 1; the best achievable share of ko is 2\d\.\d\d%"):
        run_export(shards, str(tmp_path / "out"), Mixture(shares={"ko": 0.5, "en": 0.5}, max_epochs={"ko": 1}))
    assert not (tmp_path / "out").exists()


def test_cli_export_with_config_mixture_and_a_truncated_shard(ray_session, shards, tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("input: x\noutput: y\nmixture:\n  shares: {ko: 0.6, ja: 0.4}\n  seed: 3\n")
    result = CliRunner().invoke(main, ["export", shards, str(tmp_path / "out"), "--format", "megatron", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "ko      60.00%" in result.output and "Megatron --data-path" in result.output
    manifest = json.loads((tmp_path / "out" / EXPORT_MANIFEST).read_text())
    assert manifest["mixture"]["seed"] == 3 and [d["name"] for d in manifest["datasets"]] == ["ja", "ko"]

    damaged = tmp_path / "damaged"
    shutil.copytree(shards, damaged)
    victim = mf.read_local(str(damaged))["shards"][1]["path"]
    with open(damaged / victim, "r+b") as f:
        f.truncate(os.path.getsize(damaged / victim) - 10)
    result = CliRunner().invoke(main, ["export", str(damaged), str(tmp_path / "out2"), "--format", "megatron"])
    assert result.exit_code == 2 and f"shard {victim}: truncated" in result.output


def test_corrupt_token_bytes_fail_the_export_naming_the_shard(ray_session, shards, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(shards, damaged)
    victim = mf.read_local(str(damaged))["shards"][0]["path"]
    data = bytearray((damaged / victim).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (damaged / victim).write_bytes(bytes(data))
    with pytest.raises(UserError, match=f"shard {victim}: sha256"):
        run_export(str(damaged), str(tmp_path / "out"))
    # no task of the failed export is still writing once it has raised
    written = sorted(p for p in (tmp_path / "out").rglob("*"))
    time.sleep(2)
    assert sorted(p for p in (tmp_path / "out").rglob("*")) == written


def test_hugging_face_datasets_loads_the_shards_in_one_call(shards, tmp_path):
    datasets = pytest.importorskip("datasets")
    from pentaglot_reader.hf import data_files

    ds = datasets.load_dataset("arrow", data_files=data_files(shards), split="train", cache_dir=str(tmp_path / "cache"))
    reader = TokenShards(shards)
    assert ds.num_rows == reader.num_docs
    assert ds["lang"] == reader.lang_of(np.arange(reader.num_docs))
    assert sorted(ds["id"]) == sorted(documents(N_DOCS)["id"].to_pylist())
    for i in range(reader.num_docs):
        assert ds[i]["tokens"] == reader.doc(i).tolist()
