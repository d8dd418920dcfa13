import unicodedata

import pyarrow as pa
import pytest

from filters.normalize import NormalizeConfig, is_empty, normalize_text


def norm(texts, **cfg):
    return normalize_text(pa.array(texts, pa.large_string()), NormalizeConfig(**cfg)).to_pylist()


def test_nfc_composes_hangul_and_dakuten():
    decomposed = unicodedata.normalize("NFD", "한국어 が ガ")
    assert decomposed != "한국어 が ガ"
    assert norm([decomposed]) == ["한국어 が ガ"]


def test_nfc_keeps_fullwidth_and_ideographic_space_nfkc_folds_them():
    text = "ＡＢＣ　ｶﾀｶﾅ"
    assert norm([text]) == [text]
    assert norm([text], form="NFKC") == ["ABC カタカナ"]


def test_invisible_and_control_characters_removed():
    assert norm(["a\u200bb\ufeffc\u00add\x07e\x00f"]) == ["abcdef"]


def test_zero_width_joiner_kept_for_emoji_sequences():
    family = "👨\u200d👩\u200d👧"
    assert norm([family]) == [family]


def test_whitespace_collapsed_line_breaks_kept():
    assert norm(["  a \t  b  \r\n\r\n\r\n\r\n  c  "]) == ["a b\n\nc"]
    assert norm(["a\n\n\n\nb"], max_blank_lines=0) == ["a\nb"]


def test_settings_can_turn_steps_off():
    assert norm(["a\x07  b"], remove_control=False, collapse_whitespace=False) == ["a\x07  b"]


def test_null_and_empty():
    out = normalize_text(pa.array([None, " \u200b ", "x"], pa.large_string()), NormalizeConfig())
    assert is_empty(out).to_pylist() == [True, True, False]


def test_unknown_setting_is_rejected():
    with pytest.raises(Exception, match="fomr"):
        NormalizeConfig(fomr="NFC")
