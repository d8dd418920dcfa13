"""sentencepiece training: every setting reaches the trainer, progress, refusal, determinism."""

from __future__ import annotations

import json
import random

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

from tokenizer_training.train import TokenizerConfig, progress_line, train_tokenizer

WORDS = {
    "en": "the data team trains a tokenizer on text from many sources every week".split(),
    "es": "el equipo entrena un tokenizador con textos de muchas fuentes cada semana".split(),
    "ko": "데이터 팀은 매주 여러 출처의 텍스트로 토크나이저를 학습합니다".split(),
    "ja": ["データ", "チーム", "は", "毎週", "多く", "の", "文章", "で", "学習", "します"],
    "zh": ["数据", "团队", "每周", "用", "很多", "来源", "的", "文本", "训练", "分词器"],
}
SAMPLING_FIELDS = {"languages", "alpha", "shares", "char_budget", "max_memory_gb", "seed"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A few hundred KB of five-language lines with digits and runs of spaces."""
    rng = random.Random(0)
    lines = []
    for i in range(3000):
        lang = list(WORDS)[i % 5]
        sep = "" if lang in ("ja", "zh") else " "
        words = [rng.choice(WORDS[lang]) for _ in range(rng.randint(5, 15))]
        lines.append(sep.join(words) + f" {rng.randint(0, 99999)}" + ("    end" if i % 7 == 0 else ""))
    path = tmp_path_factory.mktemp("sample") / "sample.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n_chars = sum(len(line) for line in lines)
    return path, {"settings": {}, "total": {"sampled_chars": n_chars}, "languages": {}}


def _train(sample, out, **overrides):
    path, report = sample
    cfg = TokenizerConfig(vocab_size=700, num_threads=2, **overrides)
    messages: list[str] = []
    result = train_tokenizer(path, out, cfg, report, progress=messages.append)
    return cfg, result, messages


def _proto(model_path) -> model_pb2.ModelProto:
    proto = model_pb2.ModelProto()
    proto.ParseFromString(open(model_path, "rb").read())
    return proto


def test_every_setting_reaches_the_trainer(sample, tmp_path):
    # Every trainer setting away from its default, so a dropped one shows.
    overrides = dict(
        model_type="unigram", character_coverage=0.9999, byte_fallback=False, split_digits=False,
        normalization="nmt_nfkc", remove_extra_whitespaces=True, allow_whitespace_only_pieces=False,
        add_dummy_prefix=True, max_piece_length=8, max_sentence_bytes=2048, unk_id=3, bos_id=0, eos_id=1,
        pad_id=2, special_tokens=["<|user|>", "<|tool|>"], whitespace_tokens=["\n", "\t"],
    )
    cfg, result, _ = _train(sample, tmp_path, **overrides)
    proto = _proto(result["model"])
    trainer, normalizer = proto.trainer_spec, proto.normalizer_spec
    seen = {
        "vocab_size": trainer.vocab_size,
        "model_type": model_pb2.TrainerSpec.ModelType.Name(trainer.model_type).lower(),
        "character_coverage": pytest.approx(trainer.character_coverage),
        "byte_fallback": trainer.byte_fallback,
        "split_digits": trainer.split_digits,
        "normalization": normalizer.name,
        "remove_extra_whitespaces": normalizer.remove_extra_whitespaces,
        "allow_whitespace_only_pieces": trainer.allow_whitespace_only_pieces,
        "add_dummy_prefix": normalizer.add_dummy_prefix,
        "max_piece_length": trainer.max_sentencepiece_length,
        "max_sentence_bytes": trainer.max_sentence_length,
        "unk_id": trainer.unk_id,
        "bos_id": trainer.bos_id,
        "eos_id": trainer.eos_id,
        "pad_id": trainer.pad_id,
        "special_tokens": list(trainer.user_defined_symbols)[:2],
        "whitespace_tokens": list(trainer.user_defined_symbols)[2:],
        "num_threads": trainer.num_threads,
    }
    assert set(seen) == set(TokenizerConfig.model_fields) - SAMPLING_FIELDS
    assert seen == {name: getattr(cfg, name) for name in seen}
    settings = json.loads((tmp_path / "trainer_settings.json").read_text())
    assert settings["vocab_size"] == 700 and settings["model_type"] == "unigram"
    sp = spm.SentencePieceProcessor(model_file=result["model"])
    assert "<|user|>" in sp.encode("<|user|>hola", out_type=str)


def test_defaults_train_a_lossless_tokenizer_and_report_progress(sample, tmp_path):
    cfg, result, messages = _train(sample, tmp_path)
    assert any("estimated peak memory" in m for m in messages)
    assert any(m.lstrip("[ ").split("s]")[0].isdigit() for m in messages)  # a timed trainer step
    sp = spm.SentencePieceProcessor(model_file=result["model"])
    text = "  데이터   팀은 2024년 ｶﾀｶﾅ 🙂 分词器"
    assert sp.decode(sp.encode(text)) == text  # whitespace, width and rare chars survive
    assert [sp.pad_id(), sp.unk_id(), sp.bos_id(), sp.eos_id()] == [3, 0, 1, 2]
    assert sp.encode("123456", out_type=str) == list("123456")
    assert sp.encode("<|im_start|>데이터", out_type=str)[0] == "<|im_start|>"
    # line breaks, tabs and the ideographic space are pieces, not byte fallback
    assert sp.encode("팀은\n\n데이터\n\tend\u3000", out_type=str) == ["팀은", "\n\n", "데이터", "\n", "\t", "end", "\u3000"]
    for name in ("tokenizer.model", "tokenizer.vocab", "trainer_settings.json", "sample_report.json", "trainer.log"):
        assert (tmp_path / name).is_file()
    again = _train(sample, tmp_path / "again")[1]
    assert [p.piece for p in _proto(again["model"]).pieces] == [p.piece for p in _proto(result["model"]).pieces]


def test_memory_guard_refuses_before_training(sample, tmp_path):
    with pytest.raises(ValueError, match="tokenizer.char_budget"):
        _train(sample, tmp_path, max_memory_gb=0.01)
    assert not (tmp_path / "tokenizer.model").exists()


def test_config_rejects_clashing_ids_and_unknown_keys():
    with pytest.raises(ValueError, match="must differ"):
        TokenizerConfig(pad_id=0)
    with pytest.raises(ValueError):
        TokenizerConfig(vocab=1000)


def test_progress_line_reports_the_latest_trainer_step():
    log = "Loaded all 12 sentences\nEM sub_iter=0 size=900 obj=1\nEM sub_iter=1 size=800 obj=1\n"
    assert progress_line(log) == "unigram EM: pruning to 800 pieces"
    assert progress_line("Merged: freq=5 merges=300 piece=ab") == "bpe: 300 merges"
    assert progress_line("nothing yet") is None
