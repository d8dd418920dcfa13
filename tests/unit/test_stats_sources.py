"""What PATH is: stage folder, run folder, token shards, raw corpus, or a clear error."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from shard_fixtures import documents, write_folder

from pipeline.errors import UserError
from pipeline.stats.sources import detect
from pipeline.storage import Storage


def make_stage(folder, name, inputs, kept_rows=2, rejected_rows=1, clusters=False):
    (folder / "kept").mkdir(parents=True)
    (folder / "rejected").mkdir()
    pq.write_table(pa.table({"text": ["x"] * kept_rows}), folder / "kept" / "part-00000.parquet")
    pq.write_table(pa.table({"text": ["y"] * rejected_rows, "drop_reason": [f"{name}:bad"] * rejected_rows}), folder / "rejected" / "part-00000.parquet")
    files = {
        "kept": [{"path": "kept/part-00000.parquet", "rows": kept_rows, "bytes": 1}],
        "rejected": [{"path": "rejected/part-00000.parquet", "rows": rejected_rows, "bytes": 1}],
        "quarantine": [],
    }
    stage = {"stage": name, "inputs": inputs, "files": files}
    if clusters:
        (folder / "clusters").mkdir()
        pq.write_table(pa.table({"id": ["a"], "cluster_id": ["a"], "keep": [True]}), folder / "clusters" / "kept-part-00000.parquet")
        stage["clusters"] = {"rows": 1, "files": [{"path": "clusters/kept-part-00000.parquet", "rows": 1}]}
    (folder / "stage.json").write_text(json.dumps(stage))


def test_stage_folder_reads_the_files_its_stage_json_lists(tmp_path):
    make_stage(tmp_path / "dedup", "dedup", ["raw/"], clusters=True)
    for leftover in ("kept/part-99999.parquet", "clusters/rejected-part-99999.parquet"):
        (tmp_path / "dedup" / leftover).write_bytes(b"leftover of a crashed writer")
    src = detect(str(tmp_path / "dedup"), Storage())
    assert src.kind == "stage" and src.stages == ["dedup"]
    assert [(p.split("/")[-2:], stage) for p, stage in src.documents] == [
        (["kept", "part-00000.parquet"], "dedup"),
        (["rejected", "part-00000.parquet"], "dedup"),
    ]
    assert len(src.clusters) == 1


def test_run_folder_counts_kept_documents_of_the_final_stage_only(tmp_path):
    make_stage(tmp_path / "normalize", "normalize", ["raw.jsonl"])
    make_stage(tmp_path / "langid", "langid", [str(tmp_path / "normalize")])
    make_stage(tmp_path / "dedup", "dedup", [str(tmp_path / "langid") + "/"])
    src = detect(str(tmp_path), Storage())
    assert src.kind == "run" and src.stages == ["normalize", "langid", "dedup"]
    kept = [(p, stage) for p, stage in src.documents if "/kept/" in p]
    assert kept == [(str(tmp_path / "dedup" / "kept" / "part-00000.parquet"), "dedup")]
    assert [stage for p, stage in src.documents if "/rejected/" in p] == ["normalize", "langid", "dedup"]


def test_token_shards_are_found_through_their_manifest(tmp_path):
    manifest = write_folder(str(tmp_path / "shards"), documents(20))
    src = detect(str(tmp_path / "shards"), Storage())
    assert src.kind == "shards" and len(src.shards) == manifest["totals"]["shards"]


def test_anything_else_is_a_raw_corpus(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "hi"}\n')
    assert detect(str(tmp_path / "a.jsonl"), Storage()).kind == "raw"
    assert detect(str(tmp_path), Storage()).kind == "raw"


def test_unusable_paths_are_clear_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        detect(str(tmp_path / "nope"), Storage())
    (tmp_path / "half" / "kept").mkdir(parents=True)
    with pytest.raises(UserError, match="interrupted"):
        detect(str(tmp_path / "half"), Storage())
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(UserError, match="manifest.json"):
        detect(str(tmp_path / "bad"), Storage())
