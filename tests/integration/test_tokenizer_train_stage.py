"""``pentaglot tokenizer train`` / ``eval`` end to end on a tiny corpus, on the shared local Ray."""

from __future__ import annotations

import json
import random

import pytest
import sentencepiece as spm
from click.testing import CliRunner

from pipeline.commands.tokenizer import group

pytestmark = pytest.mark.ray

# Latin text needs real function words for language ID; CJK text is random
# syllables from a small block, which script detection alone identifies.
LATIN = {
    "en": "the river and the cloud of a morning in the village is where the teacher walks".split(),
    "es": "el río y la nube de una mañana en el pueblo es donde el maestro camina".split(),
}
CJK_BLOCKS = {"ko": (0xAC00, 60), "ja": (0x3041, 50), "zh": (0x4E00, 80)}
DOCS_PER_LANG = {"en": 800, "es": 400, "ko": 200, "ja": 100, "zh": 100}


def _sentence(rng: random.Random, lang: str) -> str:
    n = rng.randint(4, 10)
    if lang in LATIN:
        return " ".join(rng.choice(LATIN[lang]) for _ in range(n)) + "."
    start, size = CJK_BLOCKS[lang]
    words = ["".join(chr(start + rng.randrange(size)) for _ in range(rng.randint(1, 3))) for _ in range(n)]
    return (" ".join(words) + ".") if lang == "ko" else ("".join(words) + "。")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """JSONL documents with a lang column; one Korean document is a single 9 KB line."""
    rng = random.Random(1)
    rows = []
    for lang, n in DOCS_PER_LANG.items():
        for i in range(n):
            text = "\n".join(" ".join(_sentence(rng, lang) for _ in range(3)) for _ in range(2))
            rows.append({"id": f"{lang}-{i}", "text": text, "lang": lang})
    rows.append({"id": "ko-long", "text": " ".join(_sentence(rng, "ko") for _ in range(150)), "lang": "ko"})
    path = tmp_path_factory.mktemp("corpus") / "docs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _run(*args):
    return CliRunner().invoke(group, list(args), catch_exceptions=False)


def _train(corpus, out):
    result = _run("train", "--input", str(corpus), "--out", str(out), "--vocab-size", "800",
                  "--alpha", "0.5", "--char-budget", "150000")
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.fixture(scope="module")
def trained(ray_session, corpus, tmp_path_factory):
    return _train(corpus, tmp_path_factory.mktemp("tok") / "tokenizer")


def test_same_corpus_config_and_seed_give_the_same_bytes(trained, corpus, tmp_path):
    again, _ = _train(corpus, tmp_path / "again")
    for name in ("sample.txt", "tokenizer.model", "tokenizer.vocab", "trainer_settings.json"):
        assert (again / name).read_bytes() == (trained[0] / name).read_bytes(), name


def test_train_writes_model_settings_and_a_balanced_sample_report(trained):
    out, output = trained
    for name in ("tokenizer.model", "tokenizer.vocab", "trainer_settings.json", "sample_report.json", "sample.txt"):
        assert (out / name).is_file(), name
    assert (out / "tokenizer.json").is_file() == ("tokenizer.json: tokenizer.json" in output)
    assert "estimated peak memory" in output and "trained in" in output
    report = json.loads((out / "sample_report.json").read_text())
    langs = report["languages"]
    assert set(langs) == set(DOCS_PER_LANG)
    assert langs["en"]["corpus_docs"] == 800 and langs["ko"]["corpus_docs"] == 201
    # alpha 0.5 on this corpus: en's share falls below its natural ~0.5, ko's rises above ~0.13.
    natural = {k: v["corpus_chars"] / report["total"]["corpus_chars"] for k, v in langs.items()}
    assert langs["en"]["share"] < natural["en"] - 0.05
    assert langs["ko"]["share"] > natural["ko"]
    for row in langs.values():
        assert row["share"] == pytest.approx(row["target_chars"] / report["total"]["sampled_chars"], abs=0.05)
    assert report["total"]["sampled_chars"] == pytest.approx(150_000, rel=0.1)
    assert sp_vocab(out) == 800


def sp_vocab(out) -> int:
    return spm.SentencePieceProcessor(model_file=str(out / "tokenizer.model")).GetPieceSize()


def test_the_long_korean_line_is_split_not_skipped(trained):
    out, _ = trained
    report = json.loads((out / "sample_report.json").read_text())
    if report["languages"]["ko"]["keep_probability"] == 1.0:
        assert report["languages"]["ko"]["split_lines"] >= 3
    assert max(len(line.encode()) for line in (out / "sample.txt").read_text().splitlines()) <= 4192
    assert "too long" not in (out / "trainer.log").read_text()


def test_memory_guard_refuses_with_the_setting_to_change(ray_session, corpus, tmp_path):
    result = CliRunner().invoke(group, ["train", "--input", str(corpus), "--out", str(tmp_path / "t"),
                                        "--max-memory-gb", "0.001"])
    assert result.exit_code == 2
    assert "tokenizer.char_budget" in result.output and "--max-memory-gb" in result.output
    assert not (tmp_path / "t" / "tokenizer.model").exists()


def test_eval_compares_tokenizers_with_parity_json_and_chart(ray_session, trained, tmp_path):
    out, _ = trained
    parallel = [
        {"id": "p-en", "text": "the data team trains a tokenizer", "lang": "en", "parallel_set": "toy", "parallel_id": "1"},
        {"id": "p-ko", "text": "데이터 팀은 토크나이저를 학습합니다", "lang": "ko", "parallel_set": "toy", "parallel_id": "1"},
        {"id": "p-ja", "text": "データチームは学習します", "lang": "ja", "parallel_set": "toy", "parallel_id": "1"},
    ]
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in parallel), encoding="utf-8")
    model = str(out / "tokenizer.model")
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "tokenizer.model").write_bytes((out / "tokenizer.model").read_bytes())
    result = _run("eval", "--model", model, "--compare", str(tmp_path / "copy" / "tokenizer.model"),
                  "--input", str(path), "--json", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    assert set(report["tokenizers"]) == {"tokenizer/tokenizer", "copy/tokenizer"}
    sp = spm.SentencePieceProcessor(model_file=model)
    expected = len(sp.encode(parallel[1]["text"])) / len(sp.encode(parallel[0]["text"]))
    for tok in report["tokenizers"].values():
        assert tok["languages"]["ko"]["parity"]["toy"] == pytest.approx(expected, abs=1e-6)
    assert "parity" in result.output


def test_languages_are_identified_when_the_input_has_no_lang_column(ray_session, corpus, tmp_path):
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    bare = tmp_path / "bare.jsonl"
    bare.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n"
                            for r in rows[::5]), encoding="utf-8")
    result = _run("train", "--input", str(bare), "--out", str(tmp_path / "t"), "--vocab-size", "800",
                  "--char-budget", "100000")
    report = json.loads((tmp_path / "t" / "sample_report.json").read_text()) if result.exit_code == 0 else None
    assert report is not None, result.output
    assert {lang for lang, row in report["languages"].items() if row["corpus_docs"]} == set(DOCS_PER_LANG)
