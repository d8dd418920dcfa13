"""Quality rules: CJK-aware units, each rule's reason, real text kept, junk rejected."""

import json

import numpy as np
import pytest

from filters.quality import QualityConfig, _ngram_counts, drop_reasons, signals

EN = (
    "The committee met on Tuesday to discuss the new budget for the city library. "
    "Members agreed that the reading rooms need more space, and that the children's section "
    "should be open on weekends. The proposal will be presented to the council next month, "
    "where it is expected to pass with broad support from both parties.\n"
    "Local residents have asked for longer opening hours for years. A survey last spring found "
    "that most of them would visit more often if the library stayed open in the evening."
)
ZH = (
    "北京市图书馆昨天举行了新馆开放仪式，吸引了大批市民前来参观。新馆的阅览室面积比旧馆扩大了一倍，"
    "儿童阅读区也将在周末对外开放。馆长表示，图书馆计划在明年增加夜间开放时间，以满足上班族的阅读需求。"
    "许多读者认为，这是一项受欢迎的改变。"
)
JA = (
    "市立図書館の新館が昨日開館し、多くの市民が見学に訪れた。新館の閲覧室は旧館の二倍の広さがあり、"
    "児童向けの読書コーナーも週末に開放される。館長は、来年から夜間の開館時間を延長する計画があると述べた。"
    "多くの利用者がこの変更を歓迎している。"
)
KO = (
    "시립도서관의 새 건물이 어제 문을 열었고 많은 시민들이 구경하러 왔다. 새 건물의 열람실은 예전보다 두 배 넓어졌으며 "
    "어린이 독서 공간도 주말에 개방된다. 관장은 내년부터 야간 개관 시간을 늘릴 계획이라고 말했다. "
    "많은 이용자들이 이 변화를 환영하고 있다."
)
ES = (
    "El comité se reunió el martes para discutir el nuevo presupuesto de la biblioteca de la ciudad. "
    "Los miembros acordaron que las salas de lectura necesitan más espacio y que la sección infantil "
    "debería abrir los fines de semana. La propuesta se presentará al consejo el próximo mes, donde se "
    "espera que sea aprobada con un amplio apoyo de los dos partidos."
)


def reasons(texts, langs, **cfg):
    return drop_reasons(texts, langs, QualityConfig(**cfg))[0]


def test_clean_prose_passes_in_every_language():
    assert reasons([EN, ZH, JA, KO, ES], ["en", "zh", "ja", "ko", "es"]) == [None] * 5


def test_length_is_characters_for_cjk_and_words_for_latin():
    sig = signals([ZH, EN], ["zh", "en"])
    assert sig["length"][0] > 100  # characters, not the handful of whitespace "words"
    assert sig["length"][1] == len(EN.split())
    assert reasons([ZH[:60], EN[:120]], ["zh", "en"]) == ["quality:min_length", "quality:min_length"]


def test_terminal_punctuation_counts_cjk_full_stops():
    assert signals([ZH, JA], ["zh", "ja"])["terminal_punct"].tolist() == [1.0, 1.0]
    no_punct = "\n".join(["北京市图书馆昨天举行了新馆开放仪式吸引了大批市民前来参观"] * 2 + ["新馆的阅览室面积比旧馆扩大了一倍儿童阅读区也将在周末对外开放"] * 2)
    assert reasons([no_punct], ["zh"], rules=["terminal_punct"]) == ["quality:terminal_punct"]


def test_duplicate_lines_and_repeated_character_ngrams():
    repeated = "\n".join(["本店商品全场五折优惠，欢迎光临选购。"] * 12)
    assert reasons([repeated], ["zh"], rules=["dup_lines"]) == ["quality:dup_lines"]
    paragraphs = "\n\n".join([JA, KO.replace(". ", ".\n"), JA])  # the repeated paragraph spans several lines
    assert signals([paragraphs], ["ja"])["dup_paragraphs"][0] == pytest.approx(2 / 3)
    spam = "欢迎光临本店欢迎光临本店" * 30 + "。"
    assert reasons([spam], ["zh"], rules=["top_ngram", "dup_ngram"]) == ["quality:top_ngram"]
    assert reasons([spam], ["zh"], rules=["dup_ngram"]) == ["quality:dup_ngram"]
    words = ("buy cheap shoes online today " * 40).strip() + "."
    assert reasons([words], ["en"], rules=["top_ngram"]) == ["quality:top_ngram"]


def test_symbol_digit_and_url_ratios():
    junk = ["😀😀😀 !!! ??? ### ~~~ *** 😀😀😀 " * 10, "12345 67890 " * 30, "see https://example.com/" + "a" * 300]
    got = reasons(junk, ["en"] * 3, rules=["symbol_ratio", "digit_ratio", "url_ratio"])
    assert got == ["quality:symbol_ratio", "quality:digit_ratio", "quality:url_ratio"]


def test_function_words_per_language():
    keywords = {
        "en": "cheap flights hotels deals booking travel insurance car rental " * 8,
        "zh": "手机 电脑 平板 耳机 充电器 数据线 键盘 鼠标 显示器 音箱 " * 8,
        "ja": "スマホ パソコン タブレット イヤホン 充電器 ケーブル キーボード マウス " * 8,
        "ko": "스마트폰 노트북 태블릿 이어폰 충전기 케이블 키보드 마우스 모니터 " * 8,
        "es": "vuelos baratos hoteles ofertas reservas seguros coches alquiler " * 8,
    }
    langs = list(keywords)
    assert reasons(list(keywords.values()), langs, rules=["function_words"]) == ["quality:function_words"] * 5
    assert reasons([EN, ZH, JA, KO, ES], ["en", "zh", "ja", "ko", "es"], rules=["function_words"]) == [None] * 5


@pytest.mark.parametrize(
    "lang, footer",
    [
        ("en", "We use cookies to improve your experience. Accept all cookies\nPrivacy Policy\nAll rights reserved\nHome | About | Contact | Blog"),
        ("es", "Utilizamos cookies propias y de terceros.\nPolítica de privacidad\nTodos los derechos reservados\nInicio | Contacto | Blog"),
        ("ko", "이 사이트는 쿠키를 사용합니다.\n개인정보처리방침\n무단 전재 및 재배포 금지\n로그인 | 회원가입 | 고객센터"),
        ("zh", "本网站使用cookie以改善体验。\n隐私政策\n版权所有 © 2024\n首页 | 新闻 | 联系我们 | 关于"),
        ("ja", "当サイトはクッキーを使用しています。\nプライバシーポリシー\n無断転載を禁じます\nホーム | ニュース | お問い合わせ"),
    ],
)
def test_boilerplate_lines_in_each_language(lang, footer):
    short_body = {"en": EN[:200], "es": ES[:200], "ko": KO[:80], "zh": ZH[:60], "ja": JA[:60]}[lang]
    assert reasons([short_body + "\n" + footer], [lang], rules=["boilerplate"]) == ["quality:boilerplate"]
    long_body = {"en": EN, "es": ES, "ko": KO, "zh": ZH, "ja": JA}[lang] * 3
    assert reasons([long_body + "\n" + footer.splitlines()[2]], [lang], rules=["boilerplate"]) == [None]


def test_empty_and_emoji_only_documents_are_rejected_not_crashing():
    got = reasons(["", "😀😀😀", "   \n  "], ["en", "zh", "ja"])
    assert all(r is not None and r.startswith("quality:") for r in got)


def test_first_failed_rule_wins_and_rules_can_be_disabled():
    short_junk = "12345 67890"
    assert reasons([short_junk], ["en"]) == ["quality:min_length"]
    assert reasons([short_junk], ["en"], rules=["digit_ratio"]) == ["quality:digit_ratio"]
    with pytest.raises(ValueError, match="unknown quality rule"):
        QualityConfig(rules=["no_such_rule"])


def test_per_language_min_length_override():
    assert reasons([ZH], ["zh"], min_length={"zh": 10_000}, rules=["min_length"]) == ["quality:min_length"]


def test_signals_are_deterministic_and_aligned():
    texts = [EN, ZH, "", JA]
    a, b = signals(texts, ["en", "zh", "en", "ja"]), signals(texts, ["en", "zh", "en", "ja"])
    assert all(np.array_equal(a[k], b[k]) and len(a[k]) == 4 for k in a)


def test_real_documents_mostly_kept(corpora):
    def texts(path, n=150):
        return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()[:n]]

    cases = {
        "ja": [t for t in texts(corpora / "jsquad_v1.3" / "jsquad-v1.3.valid.contexts.jsonl") if len(t) >= 150],
        "zh": texts(corpora / "cmrc2018" / "cmrc2018_dev.contexts.jsonl"),
        "es": texts(corpora / "xquad" / "xquad.es.contexts.jsonl"),
        "en": texts(corpora / "xquad" / "xquad.en.contexts.jsonl"),
    }
    for lang, docs in cases.items():
        got = reasons(docs, [lang] * len(docs))
        assert got.count(None) / len(docs) >= 0.8, (lang, [r for r in got if r][:5])


def test_ten_megabyte_document():
    text = ("これは非常に長い日本語の文書です。" * 20 + "\n") * 10000
    assert len(text.encode()) > 10_000_000
    got, sig = drop_reasons([text, JA], ["ja", "ja"])
    assert sig["length"][0] == 3_200_000 and sig["dup_lines"][0] == 1.0
    assert got == ["quality:dup_lines", None]


def test_ngram_counts_match_a_plain_count_within_each_document():
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 4, 3000)
    doc = np.sort(rng.integers(0, 40, 3000))
    for n in (1, 3, 5):
        starts, count = _ngram_counts(ids, doc, n)
        grams = [(int(doc[s]), tuple(ids[s : s + n])) for s in starts]
        expected = {g: grams.count(g) for g in set(grams)}
        assert all(doc[s] == doc[s + n - 1] for s in starts)
        assert len(starts) == sum(max(int((doc == d).sum()) - n + 1, 0) for d in range(40))
        assert count.tolist() == [expected[g] for g in grams]
    starts, count = _ngram_counts(ids[:2], doc[:2], 5)
    assert len(starts) == len(count) == 0
