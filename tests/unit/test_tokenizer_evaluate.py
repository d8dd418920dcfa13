"""The evaluator reproduces numbers computed by hand on a hand-built tokenizer."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from sentencepiece import sentencepiece_model_pb2 as model_pb2

from tokenizer_training.evaluate import (
    TokenCounter,
    count_rows,
    format_table,
    partial_sums,
    summarize,
    tokenizer_names,
    write_chart,
)

Piece = model_pb2.ModelProto.SentencePiece


def _model(path, byte_fallback: bool):
    """A unigram model whose segmentations are obvious: ▁ab, ▁, a, b, c (+ 256 bytes)."""
    proto = model_pb2.ModelProto()
    proto.trainer_spec.model_type = model_pb2.TrainerSpec.UNIGRAM
    proto.trainer_spec.byte_fallback = byte_fallback
    proto.normalizer_spec.name = "identity"
    proto.normalizer_spec.add_dummy_prefix = True
    proto.normalizer_spec.escape_whitespaces = True
    proto.pieces.add(piece="<unk>", score=0, type=Piece.UNKNOWN)
    proto.pieces.add(piece="<s>", score=0, type=Piece.CONTROL)
    proto.pieces.add(piece="</s>", score=0, type=Piece.CONTROL)
    if byte_fallback:
        for b in range(256):
            proto.pieces.add(piece=f"<0x{b:02X}>", score=0, type=Piece.BYTE)
    for piece, score in [("▁ab", -1.0), ("▁", -2.0), ("a", -3.0), ("b", -3.0), ("c", -3.0)]:
        proto.pieces.add(piece=piece, score=score, type=Piece.NORMAL)
    path.write_bytes(proto.SerializeToString())
    return path


@pytest.fixture()
def counters(tmp_path):
    return [
        TokenCounter(_model(tmp_path / "fb.model", True), "fb"),
        TokenCounter(_model(tmp_path / "nofb.model", False), "nofb"),
    ]


DOCS = pa.table(
    {
        "text": ["ab ab", "ab abc", "ab é", "ab", "abab"],
        "lang": ["en", "es", "es", "en", "ko"],
        "parallel_set": ["pairs", "pairs", None, "doc", "doc"],
        "parallel_id": ["1", "1", None, "d", "d"],
    }
)


def test_segmentations_are_what_the_hand_computation_assumes(counters):
    fb = counters[0].sp
    assert fb.encode("ab abc", out_type=str) == ["▁ab", "▁ab", "c"]
    assert fb.encode("ab é", out_type=str) == ["▁ab", "▁", "<0xC3>", "<0xA9>"]
    assert fb.encode("abab", out_type=str) == ["▁ab", "a", "b"]
    assert counters[1].sp.encode("ab é", out_type=str) == ["▁ab", "▁", "é"]


def test_metrics_equal_the_hand_computed_example(counters):
    report = summarize(partial_sums(count_rows(DOCS, counters)))
    en = report["tokenizers"]["fb"]["languages"]["en"]
    # en: "ab ab" (5 chars, 2 words, 2 tokens) + "ab" (2 chars, 1 word, 1 token).
    assert (en["chars"], en["words"], en["tokens"]) == (7, 3, 3)
    assert en["chars_per_token"] == round(7 / 3, 6)
    assert en["tokens_per_word"] == 1.0
    es = report["tokenizers"]["fb"]["languages"]["es"]
    # es: "ab abc" = 3 tokens; "ab é" = ▁ab ▁ <0xC3> <0xA9> = 4 tokens, 2 bytes fallback; 10 chars, 11 bytes.
    assert (es["chars"], es["bytes"], es["tokens"], es["byte_tokens"]) == (10, 11, 7, 2)
    assert es["bytes_per_token"] == round(11 / 7, 6)
    assert es["byte_fallback_rate"] == round(2 / 7, 6)
    assert es["unk_rate"] == 0.0
    # parity on "pairs": es "ab abc" (3) vs en "ab ab" (2); the unpaired es row is not in it.
    assert es["parity"] == {"pairs": 1.5, "mean": 1.5}
    ko = report["tokenizers"]["fb"]["languages"]["ko"]
    # whole-document set "doc": ko "abab" (3) vs en "ab" (1); ko is spaced: 3 tokens for 1 word.
    assert ko["parity"] == {"doc": 3.0, "mean": 3.0}
    assert ko["tokens_per_word"] == 3.0
    nofb_es = report["tokenizers"]["nofb"]["languages"]["es"]
    # without byte fallback é is one <unk>: es = 3 + 3 tokens, one unknown.
    assert (nofb_es["tokens"], nofb_es["unk_tokens"], nofb_es["unk_rate"]) == (6, 1, round(1 / 6, 6))


def test_sums_of_block_folds_equal_the_whole(counters):
    whole = summarize(count_rows(DOCS, counters))
    folds = pa.concat_tables([partial_sums(count_rows(DOCS.slice(i, 2), counters)) for i in range(0, 5, 2)])
    assert summarize(folds) == whole


def test_chinese_gets_no_tokens_per_word(counters):
    table = pa.table({"text": ["ab"], "lang": ["zh"]})
    assert summarize(count_rows(table, counters[:1]))["tokenizers"]["fb"]["languages"]["zh"]["tokens_per_word"] is None


def test_table_json_and_chart_are_written(counters, tmp_path):
    report = summarize(count_rows(DOCS, counters))
    table = format_table(report)
    assert "p:pairs" in table and "1.500" in table
    json.dumps(report)
    write_chart(report, tmp_path / "chart.png")
    assert (tmp_path / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_names_disambiguate_models_with_the_same_file_name():
    assert tokenizer_names(["a/tokenizer.model", "b/tokenizer.model", "c/x.model"]) == [
        "a/tokenizer", "b/tokenizer", "x"
    ]
    assert tokenizer_names(["a/t.model", "a/t.model"]) == ["a/t#1", "a/t#2"]


def test_line_breaks_are_counted_apart_from_byte_fallback(counters, tmp_path):
    # the hand-built model has no newline piece: "ab\nab" is ▁ab <0x0A> a b
    table = pa.table({"text": ["ab\nab", "ab é"], "lang": ["en", "en"]})
    en = summarize(count_rows(table, counters[:1]))["tokenizers"]["fb"]["languages"]["en"]
    assert counters[0].sp.encode("ab\nab", out_type=str) == ["▁ab", "<0x0A>", "a", "b"]
    assert (en["tokens"], en["newline_tokens"], en["byte_tokens"]) == (8, 1, 2)
    assert en["newline_rate"] == round(1 / 8, 6) and en["byte_fallback_rate"] == round(2 / 8, 6)
    assert "newline%" in format_table(summarize(count_rows(table, counters[:1])))
