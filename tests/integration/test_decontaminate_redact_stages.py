"""The decontaminate and redact stages on the shared local Ray: CLI, both index transports, run steps."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.runner import Runner
from pipeline.config import load_config
from run_helpers import write_config

pytestmark = pytest.mark.ray

ITEM_EN = "The committee approved the new harbour bridge after eleven years of debate between the two coastal towns."
ITEM_JA = "港をまたぐ新しい橋は、二つの沿岸の町の間で十一年にわたる議論の末、委員会によって承認された。"
ITEM_KO_Q, ITEM_KO_A = "두 해안 마을 사이의 새 다리는 십일 년의 논쟁 끝에 위원회의 승인을 받았다.", "위원회는 다리를 승인하지 않았다."
DOCS = [
    {"id": "en-copy", "text": f"News digest.\n{ITEM_EN.upper()}\nMore later.", "lang": "en"},
    {"id": "ja-copy", "text": f"今日のニュース。{ITEM_JA.replace('、', ', ')}以上です。", "lang": "ja"},
    {"id": "ko-copy", "text": f"오늘의 소식. {ITEM_KO_Q}  {ITEM_KO_A} 끝.", "lang": "ko"},
    {"id": "en-clean", "text": "The committee approved the budget. Bridges and towns are nice in spring.", "lang": "en"},
    {"id": "pii", "text": "Write to jane.doe@example.com or call 010-1234-5678.", "lang": "ko"},
]
EVAL = [
    {"qid": "q-en", "question": ITEM_EN, "choices": ["yes", "no"]},
    {"qid": "q-ja", "question": ITEM_JA, "choices": ["はい", "いいえ"]},
    {"qid": "q-ko", "question": ITEM_KO_Q, "choices": [ITEM_KO_A]},
    {"qid": "q-unseen", "question": "An item nobody copied into the corpus, long enough to have word eight-grams.", "choices": []},
]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _rows(out: Path, kind: str) -> list[dict]:
    files = sorted((out / kind).glob("*.parquet"))
    return sorted((r for f in files for r in pq.read_table(f).to_pylist()), key=lambda r: r["id"])


@pytest.fixture()
def inputs(tmp_path):
    return _jsonl(tmp_path / "in.jsonl", DOCS), _jsonl(tmp_path / "eval.jsonl", EVAL)


@pytest.mark.parametrize("transport", ["broadcast", "shuffle"])
def test_decontaminate_rejects_copies_and_reports_per_set(ray_session, tmp_path, inputs, transport):
    docs, eval_set = inputs
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"input": "x", "output": "y", "decontaminate": {"index_transport": transport, "num_partitions": 3}}))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["decontaminate", str(docs), str(out), "--eval-set", str(eval_set), "--fields", "question,choices", "--item-id-field", "qid", "--config", str(config)])
    assert result.exit_code == 0, result.output
    rejected = _rows(out, "rejected")
    assert {r["id"]: r["contaminated_by"] for r in rejected} == {"en-copy": ["eval:q-en"], "ja-copy": ["eval:q-ja"], "ko-copy": ["eval:q-ko"]}
    assert {r["drop_reason"] for r in rejected} == {"contamination"}
    assert [r["contaminated_by"] for r in _rows(out, "kept")] == [None, None]
    stage = json.loads((out / "stage.json").read_text())
    assert stage["contamination"] == {"eval": {"items": 4, "items_seen": 3, "documents_hit": 3}}
    assert "eval: 3 of 4 items seen, 3 documents hit" in result.output


def test_mask_keeps_the_document_and_replaces_only_the_item(ray_session, tmp_path, inputs):
    docs, eval_set = inputs
    out = tmp_path / "out"
    args = ["decontaminate", str(docs), str(out), "--eval-set", str(eval_set), "--fields", "question", "--action", "mask"]
    assert CliRunner().invoke(main, args).exit_code == 0
    kept = {r["id"]: r for r in _rows(out, "kept")}
    assert kept["en-copy"]["text"] == "News digest.\n<EVAL>.\nMore later."
    assert kept["en-copy"]["contaminated_by"] == ["eval:0"]
    assert kept["en-clean"]["text"] == DOCS[3]["text"]


def test_decontaminate_errors_are_one_line(ray_session, tmp_path, inputs):
    docs, eval_set = inputs
    result = CliRunner().invoke(main, ["decontaminate", str(docs), str(tmp_path / "o"), "--eval-set", str(eval_set)])
    assert result.exit_code == 2 and "no field 'text'" in result.output and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["decontaminate", str(docs), str(tmp_path / "o")])
    assert result.exit_code == 2 and "--eval-set" in result.output


def test_redact_writes_no_original_value_anywhere(ray_session, tmp_path, inputs):
    docs, _ = inputs
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["redact", str(docs), str(out), "--reject", "email"])
    assert result.exit_code == 0, result.output
    rejected = _rows(out, "rejected")
    assert [(r["id"], r["text"], r["drop_reason"], r["pii_found"]) for r in rejected] == [
        ("pii", "Write to <EMAIL> or call <PHONE>.", "pii:email", ["EMAIL", "PHONE"])
    ]
    assert {r["id"]: r["text"] for r in _rows(out, "kept")} == {d["id"]: d["text"] for d in DOCS if d["id"] != "pii"}
    stage = json.loads((out / "stage.json").read_text())
    assert stage["pii"] == {"documents": 1, "by_type": {"EMAIL": {"total": 1, "by_language": {"ko": 1}}, "PHONE": {"total": 1, "by_language": {"ko": 1}}}}
    for path in [*out.rglob("*"), *tmp_path.glob("*.log")]:
        if path.is_file():
            data = path.read_bytes()
            assert b"jane.doe" not in data and b"1234-5678" not in data, path
    assert "jane.doe" not in result.output and "1234-5678" not in result.output


def test_run_steps_resume_and_report(ray_session, tmp_path, inputs):
    _, eval_set = inputs
    out = tmp_path / "run"
    path = write_config(
        tmp_path, str(out), steps=["normalize", "decontaminate", "redact", "stats"],
        input=[str(_jsonl(tmp_path / "docs.jsonl", DOCS))],
        decontaminate={"eval_sets": [{"path": str(eval_set), "fields": ["question"], "id_field": "qid"}]},
    )
    report = Runner(load_config(path), echo=lambda _: None).run()
    counts = {s["step"]: s["counts"] for s in report["steps"] if "counts" in s}
    assert counts["decontaminate"] == {"read": 5, "kept": 2, "rejected": 3, "quarantined": 0}
    assert counts["redact"] == {"read": 2, "kept": 2, "rejected": 0, "quarantined": 0}
    stats = json.loads((out / "stats" / "corpus" / "stats.json").read_text())
    assert stats["contamination"]["eval"]["documents_hit"] == 3 and stats["pii"]["by_type"]["PHONE"]["total"] == 1
    again = Runner(load_config(path), echo=lambda _: None).run()
    assert [s["resumed"] for s in again["steps"]] == [True, True, True, True]
    _jsonl(eval_set, EVAL[:1])  # the eval set changed: decontaminate and later steps are redone
    third = Runner(load_config(path), echo=lambda _: None).run()
    assert [s["resumed"] for s in third["steps"]] == [True, False, False, False]
