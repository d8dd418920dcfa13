"""tokenizer.json export: same ids as sentencepiece on text in all five languages."""

from __future__ import annotations

import pytest
import sentencepiece as spm

from tokenizer_training.hf_export import export_tokenizer_json
from tokenizer_training.train import TokenizerConfig, train_tokenizer

tokenizers = pytest.importorskip("tokenizers")

TEXTS = [
    "The Universal Declaration of Human Rights was adopted in 1948.",
    "Todos los seres humanos nacen libres e iguales en dignidad y derechos.",
    "모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다.",
    "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。",
    "人人生而自由，在尊严和权利上一律平等。",
    "  indented   text with\ttabs, emoji 🙂 and ｶﾀｶﾅ  ",
    "chat: hello <|im_start|> 안녕하세요 <|im_end|> done",
    "<|im_start|>user\n오늘 날씨 어때?<|im_end|>",
]


@pytest.fixture(scope="module", params=["bpe", "unigram"])
def model(request, tmp_path_factory, corpora_text):
    out = tmp_path_factory.mktemp(request.param)
    sample = out / "sample.txt"
    sample.write_text(corpora_text, encoding="utf-8")
    report = {"settings": {}, "total": {"sampled_chars": len(corpora_text)}, "languages": {}}
    cfg = TokenizerConfig(vocab_size=5000, model_type=request.param, num_threads=2)
    train_tokenizer(sample, out, cfg, report, progress=lambda _: None)
    return out / "tokenizer.model"


@pytest.fixture(scope="module")
def corpora_text(corpora) -> str:
    """UDHR in the five languages plus Tatoeba lines: a few hundred KB of real text."""
    parts = [(corpora / "udhr" / f"udhr_{c}.txt").read_text(encoding="utf-8") for c in ("eng", "spa", "kor", "jpn", "cmn_hans")]
    for code in ("kor", "jpn", "cmn", "spa"):
        parts.append((corpora / "tatoeba_laser_v1" / f"tatoeba.{code}-eng.{code}").read_text(encoding="utf-8"))
    return "\n".join(parts)


def test_ids_match_sentencepiece_in_all_five_languages(model, corpora_text, tmp_path):
    path = export_tokenizer_json(model, tmp_path / "tokenizer.json")
    hf = tokenizers.Tokenizer.from_file(str(path))
    sp = spm.SentencePieceProcessor(model_file=str(model))
    lines = [line for line in corpora_text.splitlines() if line.strip()]
    checked = TEXTS + lines
    hf_ids = [e.ids for e in hf.encode_batch(checked, add_special_tokens=False)]
    mismatches = [t for t, ids in zip(checked, hf_ids) if ids != sp.encode(t)]
    assert len(checked) > 4000 and mismatches == []
    assert hf.decode(sp.encode(TEXTS[2])) == TEXTS[2]
