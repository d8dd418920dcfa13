"""Sampling math and training-line splitting (pure, no Ray)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from tokenizer_training.sampling import (
    allocate_chars,
    keep_mask,
    keep_probabilities,
    language_weights,
    sample_batch,
    sample_report,
    split_long_line,
    training_lines,
)

CORPUS = {"en": 8_000_000, "ko": 1_000_000, "ja": 125_000}


def test_alpha_shares_follow_size_to_the_power_alpha():
    shares = language_weights(CORPUS, alpha=1 / 3)
    # Cube roots: 200, 100, 50 -> 4/7, 2/7, 1/7.
    assert shares["en"] == pytest.approx(4 / 7)
    assert shares["ko"] == pytest.approx(2 / 7)
    assert shares["ja"] == pytest.approx(1 / 7)


def test_alpha_zero_is_uniform_and_one_is_natural():
    assert list(language_weights(CORPUS, 0.0).values()) == pytest.approx([1 / 3] * 3)
    natural = language_weights(CORPUS, 1.0)
    assert natural["en"] == pytest.approx(8_000_000 / 9_125_000)


def test_explicit_shares_override_alpha_and_drop_unlisted_languages():
    shares = language_weights(CORPUS, alpha=0.3, shares={"ko": 3, "en": 1})
    assert shares == {"en": pytest.approx(0.25), "ja": 0.0, "ko": pytest.approx(0.75)}


def test_allocation_caps_small_languages_and_respreads_the_rest():
    weights = language_weights(CORPUS, alpha=0.0)
    targets = allocate_chars(CORPUS, weights, char_budget=1_000_000)
    # ja has only 125k: it gives all of it, en and ko split the remaining 875k.
    assert targets == {"en": 437_500, "ja": 125_000, "ko": 437_500}
    probs = keep_probabilities(CORPUS, targets)
    assert probs == {"en": pytest.approx(437_500 / 8_000_000), "ja": 1.0, "ko": pytest.approx(0.4375)}


def test_budget_above_corpus_keeps_everything():
    weights = language_weights(CORPUS, alpha=0.5)
    assert allocate_chars(CORPUS, weights, char_budget=10**9) == CORPUS


def test_sampled_shares_converge_to_alpha_shares():
    rng = np.random.default_rng(0)
    sizes = {"en": 20_000, "ko": 5_000, "zh": 1_250}  # documents of 100 chars
    chars = {lang: n * 100 for lang, n in sizes.items()}
    weights = language_weights(chars, alpha=0.5)
    probs = keep_probabilities(chars, allocate_chars(chars, weights, char_budget=300_000))
    langs = np.repeat(list(sizes), list(sizes.values()))
    ids = pa.array([f"doc-{i}-{rng.integers(1 << 30)}" for i in range(len(langs))])
    kept = keep_mask(ids, np.array([probs[lang] for lang in langs]), seed=7)
    got = {lang: int(kept[langs == lang].sum()) * 100 for lang in sizes}
    total = sum(got.values())
    assert total == pytest.approx(300_000, rel=0.05)
    for lang in sizes:
        assert got[lang] / total == pytest.approx(weights[lang], abs=0.02)


def test_keep_mask_is_deterministic_and_seeded():
    ids = pa.array([f"id{i}" for i in range(1000)])
    p = np.full(1000, 0.5)
    assert (keep_mask(ids, p, 1) == keep_mask(ids, p, 1)).all()
    assert (keep_mask(ids, p, 1) != keep_mask(ids, p, 2)).any()


def test_long_korean_line_is_split_at_sentence_ends_under_the_byte_limit():
    sentence = "한국어 문장은 한 글자가 세 바이트입니다. "
    line = (sentence * 400).strip()
    pieces = split_long_line(line, 4192)
    assert len(line.encode()) > 4192 * 5
    assert all(len(p.encode()) <= 4192 for p in pieces)
    assert all(p.endswith("다.") for p in pieces)
    assert " ".join(pieces) == line


def test_cjk_without_spaces_splits_after_full_stops_and_long_runs_hard_cut():
    line = "日本語の文です。" * 300 + "あ" * 5000
    pieces = split_long_line(line, 1000)
    assert all(len(p.encode()) <= 1000 for p in pieces)
    assert "".join(pieces) == line
    assert pieces[0].endswith("。")


def test_a_limit_below_one_character_is_refused():
    with pytest.raises(ValueError, match="max_bytes"):
        split_long_line("가나다", 2)


def test_training_lines_split_documents_drop_blank_lines_and_cut_long_ones():
    texts = pa.array(["first line\n\n  \nsecond line", None, "x" * 50 + " " + "y" * 50 + "\nlast", "short\r\nline"])
    lines = training_lines(texts, max_bytes=64)
    assert lines["text"].to_pylist() == ["first line", "second line", "x" * 50, "y" * 50, "last", "short", "line"]
    assert lines["doc"].to_pylist() == [0, 0, 2, 2, 2, 3, 3]
    assert lines["split"].to_pylist() == [False, False, True, True, False, False, False]


def test_sample_batch_keeps_by_language_probability_and_marks_document_starts():
    table = pa.table(
        {
            "id": [f"d{i}" for i in range(6)],
            "text": ["a\nb", "c", "가\n나", "다", "x", "y"],
            "lang": ["en", "en", "ko", "ko", "pt", None],
        }
    )
    out = sample_batch(table, {"en": 1.0, "ko": 1.0, "zh": 1.0}, seed=0, max_bytes=100)
    assert out["text"].to_pylist() == ["a", "b", "c", "가", "나", "다"]
    assert out["lang"].to_pylist() == ["en", "en", "en", "ko", "ko", "ko"]
    assert out["doc_start"].to_pylist() == [True, False, True, True, False, True]
    assert sample_batch(table, {"en": 0.0}, seed=0, max_bytes=100).num_rows == 0


def test_sample_report_totals_and_shares():
    report = sample_report(
        corpus={"en": {"docs": 10, "chars": 1000}, "ko": {"docs": 5, "chars": 400}},
        sampled={"en": {"docs": 3, "chars": 300, "lines": 6, "split_lines": 0},
                 "ko": {"docs": 5, "chars": 100, "lines": 5, "split_lines": 1}},
        weights={"en": 0.6, "ko": 0.4},
        targets={"en": 300, "ko": 200},
        probabilities={"en": 0.3, "ko": 0.5},
        settings={"alpha": 0.3},
    )
    assert report["total"]["sampled_chars"] == 400
    assert report["languages"]["en"]["share"] == 0.75
    assert report["languages"]["ko"]["split_lines"] == 1
