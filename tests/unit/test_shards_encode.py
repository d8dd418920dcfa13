"""Encoding documents: exact round trip, the BOS/EOS policy, the language column."""

import io

import pyarrow as pa
import pytest
import sentencepiece as spm
from shard_fixtures import SENTENCES, documents, tokenizer_model

from pipeline.shards.config import TokenizeConfig
from pipeline.shards.encode import Encoder


def _decode(encoder: Encoder, table: pa.Table, strip: int = 0) -> list[str]:
    return [encoder.sp.decode(ids[strip:] if strip else ids) for ids in table["tokens"].to_pylist()]


def test_round_trip_decodes_to_the_text_in_all_five_languages():
    docs = documents(25)
    encoder = Encoder(tokenizer_model(), TokenizeConfig(special_tokens="none"))
    tokens = encoder.encode_table(docs)
    assert _decode(encoder, tokens) == docs["text"].to_pylist()
    assert tokens["n_tokens"].to_pylist() == [len(t) for t in tokens["tokens"].to_pylist()]
    assert tokens["tokens"].type.value_type == pa.uint16()


@pytest.mark.parametrize(
    "policy, first, last",
    [("eos", None, "eos"), ("bos", "bos", None), ("both", "bos", "eos"), ("none", None, None)],
)
def test_special_token_policy_is_applied_exactly(policy, first, last):
    encoder = Encoder(tokenizer_model(), TokenizeConfig(special_tokens=policy))
    plain = Encoder(tokenizer_model(), TokenizeConfig(special_tokens="none")).encode_table(documents(3))
    got = encoder.encode_table(documents(3))
    ids = {"bos": encoder.info.bos_id, "eos": encoder.info.eos_id}
    for base, row in zip(plain["tokens"].to_pylist(), got["tokens"].to_pylist()):
        expected = ([ids[first]] if first else []) + base + ([ids[last]] if last else [])
        assert row == expected


def test_eos_policy_with_a_model_without_eos_is_a_clear_error():
    model = io.BytesIO()
    lines = [s for sents in SENTENCES.values() for s in sents] * 10
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines), model_writer=model, vocab_size=300, eos_id=-1,
        hard_vocab_limit=False, character_coverage=1.0, minloglevel=2,
    )
    with pytest.raises(ValueError, match="needs a eos token but the model has none"):
        Encoder(model.getvalue(), TokenizeConfig(special_tokens="eos"), where="x.model")
    Encoder(model.getvalue(), TokenizeConfig(special_tokens="bos"))


def test_not_a_model_is_a_clear_error():
    with pytest.raises(ValueError, match="bad.model: not a sentencepiece model"):
        Encoder(b"not a model", TokenizeConfig(), where="bad.model")


def test_missing_or_null_language_becomes_und_and_null_text_is_empty():
    encoder = Encoder(tokenizer_model(), TokenizeConfig(special_tokens="none"))
    no_lang = encoder.encode_table(pa.table({"id": ["a"], "text": pa.array(["hello"], pa.large_string())}))
    assert no_lang["lang"].to_pylist() == ["und"]
    nulls = encoder.encode_table(
        pa.table({"id": ["a", "b"], "text": pa.array([None, "x"], pa.large_string()), "lang": [None, "en"]})
    )
    assert nulls["lang"].to_pylist() == ["und", "en"]
    assert nulls["n_tokens"].to_pylist()[0] == 0
