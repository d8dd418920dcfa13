"""Script profile: shares per writing system, Simplified vs Traditional, batch alignment."""

import numpy as np
import pyarrow as pa
import pytest

from filters import script


def test_each_script_is_counted_in_its_own_category():
    prof = script.profile(["한국어", "ひらがなカタカナ", "漢字", "Latin", "Русский", "123", "!?。", " \t\n"])
    expected = [script.HANGUL, script.KANA, script.HAN, script.LATIN, script.OTHER, script.DIGIT, script.SYMBOL, script.SPACE]
    for row, category in enumerate(expected):
        assert prof.counts[row, category] == prof.n_chars[row] > 0


def test_shares_are_over_letters_and_rows_stay_aligned():
    texts = ["한국어 漢字 text", "", "😀 123 https://x.y/z"]
    prof = script.profile(texts)
    assert prof.n_chars.tolist() == [len(t) for t in texts]
    assert prof.share(script.HANGUL)[0] == pytest.approx(3 / 9)
    assert prof.share(script.HAN)[0] == pytest.approx(2 / 9)
    assert prof.share(script.LATIN)[1] == 0.0  # empty document: no division by zero


@pytest.mark.parametrize(
    "text, expected",
    [
        ("这是一个简单的测试，我们说汉语。", "Hans"),
        ("這是一個簡單的測試，我們說漢語。", "Hant"),
        ("日本語の文章です。", "Jpan"),
        # Japanese with heavy kanji still carries enough kana
        ("国立国会図書館は東京都千代田区永田町に所在する日本の国立図書館である。", "Jpan"),
        # Korean with hanja stays Korean
        ("大韓民國 憲法 제1조 대한민국은 민주공화국이다.", "Hang"),
        ("The quick brown fox.", "Latn"),
        ("😀😀 12345 !!!", "Zyyy"),
        ("", "Zyyy"),
        ("中文", "Hani"),  # no variant-only character: undecided
        ("世界人権宣言", "Jpan"),  # kanji only, but 権 is a Japanese-only form
        ("第１条", "Hani"),  # valid Chinese and Japanese alike
    ],
)
def test_script_codes(text, expected):
    assert script.profile([text]).script()[0] == expected


def test_chinese_quoting_a_japanese_title_stays_chinese():
    text = "《熊猫小熊猫》是由高畑勋执导、宫崎骏负责剧本的动画作品，为东京ムービー的剧场用中编动画作品，在日本上映后广受欢迎。"
    assert script.profile([text]).script()[0] == "Hans"


def test_variant_lists_do_not_overlap_and_are_pairs():
    assert len(script.SIMPLIFIED_ONLY) == len(script.TRADITIONAL_ONLY)
    lists = [set(script.SIMPLIFIED_ONLY), set(script.TRADITIONAL_ONLY), set(script.JAPANESE_ONLY)]
    assert not (lists[0] & lists[1]) and not (lists[0] & lists[2]) and not (lists[1] & lists[2])


def test_arrow_input_with_nulls_matches_list_input():
    texts = ["abc", None, "한글"]
    a = script.profile(pa.array(texts, pa.large_string()))
    b = script.profile(["abc", "", "한글"])
    assert np.array_equal(a.counts, b.counts)


def test_udhr_simplified_and_traditional(corpora):
    hans = (corpora / "udhr" / "udhr_cmn_hans.txt").read_text(encoding="utf-8").splitlines()
    hant = (corpora / "udhr" / "udhr_cmn_hant.txt").read_text(encoding="utf-8").splitlines()
    assert script.profile(["\n".join(hans)]).script()[0] == "Hans"
    assert script.profile(["\n".join(hant)]).script()[0] == "Hant"
    lines = script.profile(hans + hant).script()
    wrong = sum(s == "Hant" for s in lines[: len(hans)]) + sum(s == "Hans" for s in lines[len(hans) :])
    assert wrong == 0
