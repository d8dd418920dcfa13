import pyarrow as pa
import pytest

from filters.dedup_normalize import MatchNormalizeConfig, normalize_for_matching
from filters.shingles import codepoints, shingle_hashes
from tests.unit.dedup_reference import shingle_hash, shingles

TEXTS = [
    "Hello, World! This is a small test of word shingles.",
    "你好，世界。今天天气很好，我们去公园散步吧。",
    "東京は日本の首都です。人口は約千四百万人。",
    "서울은 대한민국의 수도이며 가장 큰 도시이다.",
    "El rápido zorro marrón salta sobre el perro perezoso.",
    "",
    "ab",
    "emoji 😀 and astral 𠀋 chars",
]


def _matching(texts):
    return normalize_for_matching(pa.array(texts), MatchNormalizeConfig())


@pytest.mark.parametrize("unit,size", [("char", 5), ("char", 1), ("word", 3), ("word", 5)])
def test_hashes_match_plain_python_reference(unit, size):
    matching = _matching(TEXTS)
    hashes, offsets = shingle_hashes(matching, unit, size)
    for d, text in enumerate(matching.to_pylist()):
        expected = [shingle_hash(s) for s in shingles(text, unit, size)]
        assert hashes[offsets[d] : offsets[d + 1]].tolist() == expected


def test_short_and_empty_texts_get_one_whole_text_shingle():
    matching = _matching(["ab", "", "one two"])
    hashes, offsets = shingle_hashes(matching, "word", 5)
    assert offsets.tolist() == [0, 1, 2, 3]
    assert hashes.tolist() == [shingle_hash("ab"), shingle_hash(""), shingle_hash("one two")]


def test_matching_form_folds_width_case_punctuation_and_wrapping():
    variants = ["ＨＥＬＬＯ，ｗｏｒｌｄ！ 你好。", "hello, world! 你好.", "Hello\n  World -- 你好"]
    assert len(set(_matching(variants).to_pylist())) == 1


def test_char_shingles_ignore_line_wrapping_in_unspaced_text():
    matching = _matching(["今天天气很好我们去公园散步", "今天天气很好\n我们去公园 散步"])
    hashes, offsets = shingle_hashes(matching, "char", 5)
    assert hashes[offsets[0] : offsets[1]].tolist() == hashes[offsets[1] : offsets[2]].tolist()


def test_text_of_only_punctuation_keeps_its_raw_form():
    assert _matching(["!!!", "???", "  "]).to_pylist() == ["!!!", "???", ""]


def test_normalizing_leaves_the_input_column_unchanged():
    texts = pa.array(["Ｈｅｌｌｏ，World！"])
    normalize_for_matching(texts, MatchNormalizeConfig())
    assert texts.to_pylist() == ["Ｈｅｌｌｏ，World！"]


def test_each_fold_can_be_turned_off():
    cfg = MatchNormalizeConfig(nfkc=False, lowercase=False, strip_punctuation=False, collapse_whitespace=False)
    assert normalize_for_matching(pa.array(["Ａb,\n c"]), cfg).to_pylist() == ["Ａb,\n c"]


def test_sliced_input_uses_only_its_rows():
    full = _matching(TEXTS)
    hashes, offsets = shingle_hashes(full.slice(2, 3), "char", 5)
    ref_hashes, ref_offsets = shingle_hashes(_matching(TEXTS[2:5]), "char", 5)
    assert hashes.tolist() == ref_hashes.tolist() and offsets.tolist() == ref_offsets.tolist()


@pytest.mark.parametrize("unit,size", [("sentence", 3), ("char", 0)])
def test_bad_settings_are_rejected(unit, size):
    with pytest.raises(ValueError):
        shingle_hashes(_matching(["text"]), unit, size)


def test_codepoints_of_a_slice_are_the_slice_own():
    texts = pa.array(TEXTS * 3, pa.large_string())
    sliced, copied = codepoints(texts.slice(9, 7)), codepoints(pa.array(TEXTS[1:8], pa.large_string()))
    assert all(a.tolist() == b.tolist() for a, b in zip(sliced, copied))
