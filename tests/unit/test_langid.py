"""Language ID: labels, model errors, chunking, script and lexicon corrections, real text."""

import json

import numpy as np
import pytest

from filters import spelling
from filters.function_words import COMMON_WORDS
from filters.langid import (
    LangIdConfig,
    WORD_ODDS,
    LanguageIdentifier,
    _sample_of,
    _Tokens,
    chunk_documents,
    load_model,
    parse_label,
)


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def ident(model):
    return LanguageIdentifier(LangIdConfig(), model=model)


def decide(ident, texts):
    r = ident.identify(texts)
    return [lang if ok else reason for lang, ok, reason in zip(r.lang, r.accepted, r.drop_reason)]


def test_parse_label_understands_both_label_styles():
    assert parse_label("__label__ko") == ("ko", None)
    assert parse_label("__label__kor_Hang") == ("ko", "Hang")
    assert parse_label("__label__cmn_Hani") == ("zh", "Hani")
    assert parse_label("__label__yue") == ("yue", None)


def test_missing_or_bad_model_path_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist; pass --model"):
        load_model(str(tmp_path / "missing.bin"))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a fastText model"):
        load_model(str(junk))


class GlotStyleModel:
    """A stand-in for a GlotLID model: ISO 639-3 + script labels, list-only predict."""

    def predict(self, texts, k=1):
        assert isinstance(texts, list) and not any("\n" in t for t in texts)
        labels = [("__label__spa_Latn", "__label__por_Latn") if "hola" in t else ("__label__eng_Latn", "__label__spa_Latn") for t in texts]
        return [lab[:k] for lab in labels], [np.array([0.9, 0.1][:k]) for _ in texts]


def test_glotlid_style_labels_map_to_table_codes():
    ident = LanguageIdentifier(LangIdConfig(), model=GlotStyleModel())
    r = ident.identify(["hola amigo, ¿cómo estás?", "hello there,\nmy friend"])
    assert r.lang == ["es", "en"] and r.accepted.all()


def test_chunks_are_bounded_newline_free_and_spread():
    long = "\n".join(f"line {i} " + "word " * 30 for i in range(2000))
    chunks, owner = chunk_documents(["short\ntext", long, ""], chunk_chars=400, max_chunks=8)
    assert chunks[0] == "short text" and owner.tolist().count(1) == 8 and owner.tolist().count(2) == 1
    assert all(len(c) <= 400 and "\n" not in c for c in chunks)
    starts = [int(c.split()[1]) for c in chunks[1:9]]  # each sample starts at a line
    assert starts[0] == 0 and starts[-1] > 1700 and starts == sorted(starts)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("오늘은 날씨가 정말 좋아서 공원에 산책을 다녀왔습니다.", "ko"),
        ("大韓民國 憲法 第1條 대한민국은 民主共和國이다.", "ko"),  # Korean with hanja
        ("今日は天気がとても良いので、公園を散歩しました。", "ja"),
        ("国立国会図書館は東京都千代田区永田町に所在する日本の国立図書館である。", "ja"),  # heavy kanji
        ("今天天气很好，我们去公园散步了。", "zh"),
        ("今天天氣很好，我們去公園散步了。", "zh"),
        ("The weather was lovely today, so we went for a walk in the park.", "en"),
        ("Hoy hizo muy buen tiempo, así que fuimos a pasear por el parque.", "es"),
    ],
)
def test_positive_per_language(ident, text, lang):
    assert decide(ident, [text]) == [lang]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Hoje o tempo estava muito bom, então fomos passear no parque.", "lang:pt"),
        ("Avui ha fet molt bon temps, així que hem anat a passejar pel parc.", "lang:ca"),
        ("Heute war das Wetter sehr schön, also sind wir im Park spazieren gegangen.", "lang:de"),
        ("佢哋琴日喺公園度行咗好耐。", "lang:yue"),
        ("侬今朝到啥地方去？阿拉一道去公园白相。", "lang:wuu"),
        ("", "lang:und"),
        ("😀😀😀 12345 678 https://example.com/123 #@!", "lang:und"),
    ],
)
def test_negative_cases(ident, text, reason):
    assert decide(ident, [text]) == [reason]


@pytest.mark.parametrize(
    "text",
    [
        "No podemos ir.",  # "no" before a verb: Spanish negation (gl/pt "no" is "in the")
        "Lo siento.",  # lid.176 alone is unsure; "lo" and the ie diphthong are Spanish
        "Me gusta el pescado.",
        "Ellos no quieren venir hoy.",
        "¿Dónde está mi llave?",
        "Usted tiene razón.",
        "Quisiera verlo.",  # infinitive + lo: gl says velo
        "Debo decirle.",
        "Huele raro.",  # ue diphthong opening the sentence (gl/pt cheira)
        "Algún día.",  # algún is Spanish as much as Galician
        "Apenas comí.",
    ],
)
def test_short_spanish_is_kept(ident, text):
    assert decide(ident, [text]) == ["es"]


@pytest.mark.parametrize(
    "text",
    [
        "Xa comemos unha empanada.",  # gl: xa, unha
        "O can está na casa.",  # gl: articles o/na
        "Non sei se virá mañá.",
        "Tiña moita fame.",
        "Falou coa súa nai.",  # gl: -ou, coa
        "Desista dessa ideia.",  # pt: dessa, ss
        "Ele chegou cedo.",
        "Ahir vaig veure la teva germana.",  # ca: vaig + infinitive
        "Tinc por dels gossos.",
        "Ho has fet molt bé.",
        "Estábaa chamando.",  # gl: clitic a joined to a stressed verb
        "Vendeuno barato.",  # gl: preterite -eu + clitic no
        "Levantouse cedo.",
        "Estaven contents.",  # ca: imperfect -aven (lid.176 says English)
        "No ho entenc.",  # ca: 1st person -c
    ],
)
def test_iberian_neighbours_are_not_spanish(ident, text):
    got = decide(ident, [text])[0]
    assert got in ("lang:gl", "lang:pt", "lang:ca"), got


def test_english_full_of_spanish_names_stays_english(ident):
    text = "President José María Aznar met Felipe González in Madrid and Sebastián Piñera in Santiago."
    assert decide(ident, [text]) == ["en"]


def _margin(text, ours, theirs):
    chunks, owner = chunk_documents([text], 400, 8)
    return spelling.margin(spelling.cue_counts(chunks, owner, 1), ours, theirs)[0]


@pytest.mark.parametrize(
    "text, ours, theirs",
    [
        ("el niño pequeño", "es", "pt"),  # ñ
        ("¿vienes?", "es", "ca"),  # ¿ and the ie diphthong
        ("las canciones", "es", "gl"),  # -ciones (gl -cións)
        ("ayer llegó", "es", "pt"),  # -ó preterite, initial ll
        ("não sei", "pt", "es"),  # nasal vowel
        ("o trabalho", "pt", "gl"),  # lh
        ("la col·lecció", "ca", "es"),  # l·l
        ("l'home i d'aigua", "ca", "es"),  # elision
        ("vaig menjar", "ca", "es"),  # va + infinitive
        ("a xente", "gl", "es"),  # word-initial x
        ("falou e comeu", "gl", "es"),  # -ou/-eu
        ("viches", "gl", "es"),  # -ches
        ("levantouse e chamoume", "gl", "es"),  # preterite + joined clitic
        ("gústalle, pedíronlle", "gl", "es"),  # lle after a stressed verb
        ("sobre a cadeira", "gl", "es"),  # article a after a preposition
        ("estás a durmir", "gl", "es"),  # estar a + infinitive
        ("durmiu e bebeu", "gl", "en"),  # -eu/-iu: not English
        ("dormien i parlaven", "ca", "es"),  # imperfect -ien/-aven
        ("no ho entenc", "ca", "es"),  # -c
        ("la gente", "es", "gl"),  # g before e (gl xente)
        ("Cuesta poco", "es", "gl"),  # ue diphthong, capitalised at a sentence start
        ("sin hacerlo", "es", "gl"),  # infinitive + lo
    ],
)
def test_spelling_cues_point_the_right_way(text, ours, theirs):
    assert _margin(text, ours, theirs) > 0
    assert _margin(text, theirs, ours) < 0


def test_spelling_cues_ignore_capitalised_names_and_shared_spellings():
    assert _margin("Tom, Matt, Emma", "es", "pt") == 0  # a name's -m or tt says nothing
    assert _margin("tem um bem", "pt", "es") > 0  # a lowercase word ending in -m does
    assert _margin("el niño", "es", "gl") == 0  # Galician writes ñ too
    assert _margin("", "es", "pt") == 0


def _cue_hits(text, why_starts):
    (j,) = [j for j, c in enumerate(spelling.CUES) if c.why.startswith(why_starts)]
    chunks, owner = chunk_documents([text], 400, 8)
    return spelling.cue_counts(chunks, owner, 1)[0, j]


def test_new_cues_leave_look_alike_words_alone():
    # English -ouse/-ause words are not Galician preterites with a clitic.
    assert _cue_hits("my house, a spouse, the warehouse, because", "gl preterite") == 0
    assert _cue_hits("levantouse", "gl preterite") > 0
    assert _cue_hits("el próximo taxi, máximo, taxis, oxígeno, óxido, aproximadamente", "x between vowels") == 0
    assert _cue_hits("hoxe baixo dixo axiña paxaro caixa", "x between vowels") == 6 * 1.5
    # English raven/heaven and Spanish bien/quien/alguien are not Catalan imperfects.
    assert _cue_hits("the raven in heaven; bien, quien, alguien", "Catalan imperfect") == 0
    # Spanish -lle nouns carry no accent; gl clitics follow a stressed syllable.
    assert _cue_hits("la calle del valle", "gl clitics") == 0
    # gue/gui is hard g everywhere; a capitalised name is not Spanish spelling.
    assert _cue_hits("sigue, guinda, Los Ángeles", "g before e/i") == 0
    # -eu/-iu is no English ending (bureau, lieu end in a vowel + u).
    assert _margin("bureau lieu", "en", "gl") == 0


def test_word_lists_share_what_the_languages_share():
    iberian = ("es", "pt", "gl", "ca")
    for word in ("de", "que", "no", "se", "casa", "sobre"):
        assert all(word in COMMON_WORDS[lang] for lang in iberian), word
    # Spanish o/os/e/ten are valid but twenty times as frequent as Galician/Portuguese words.
    assert not {"o", "os", "e", "ten"} & COMMON_WORDS["es"]
    assert {"la", "los", "y", "muy"} <= COMMON_WORDS["es"] - COMMON_WORDS["gl"] - COMMON_WORDS["pt"]


def test_names_inside_a_sentence_count_for_no_language():
    text = "Alí vive en Nova York. Tom dijo que Alí canta. ¿Ves a Mata?"
    tokens = _Tokens([text], np.array([0]), 1)
    names = [w for w, name in zip(tokens.flat.to_pylist(), tokens.name) if name]
    # Sentence-initial Alí and Tom may be words; Nova, York, the second Alí and Mata are names.
    assert names == ["nova", "york", "alí", "mata"]
    assert tokens.member("gl")[tokens.name].sum() == 0


def test_rarer_spanish_words_weigh_by_their_frequency_ratio():
    tokens = _Tokens(["sal o entra", "sal de casa"], np.array([0, 1]), 2)
    # "o" is Spanish too, fifteen times rarer than in Galician: log(15)/log(WORD_ODDS) of a word for gl.
    assert tokens.margin("gl", "es")[0] == pytest.approx(np.log(15) / np.log(WORD_ODDS))
    assert tokens.margin("gl", "es")[1] == 0


def test_lexicon_reads_an_even_share_of_every_chunk_cut_after_a_word():
    chunks = ["uno dos tres", "four five six", "siete", "ocho nueve diez"]
    owner = np.array([0, 0, 1, 2])
    got, got_owner = _sample_of(chunks, owner, np.array([True, False, True]), budget=16)
    assert got == ["uno dos", "four", "ocho nueve diez"] and got_owner.tolist() == [0, 0, 2]


def test_script_column_and_traditional_setting(model):
    texts = ["今天天气很好，我们去公园散步了。", "今天天氣很好，我們去公園散步了。"]
    kept = LanguageIdentifier(LangIdConfig(), model=model).identify(texts)
    assert list(kept.script) == ["Hans", "Hant"] and kept.accepted.all()
    strict = LanguageIdentifier(LangIdConfig(keep_traditional=False), model=model)
    assert decide(strict, texts) == ["zh", "lang:zh-Hant"]


def test_cantonese_kept_as_chinese_when_asked(model):
    ident = LanguageIdentifier(LangIdConfig(keep_cantonese=True), model=model)
    assert decide(ident, ["佢哋琴日喺公園度行咗好耐。"]) == ["zh"]


def test_languages_setting_rejects_the_rest(model):
    ident = LanguageIdentifier(LangIdConfig(languages=["ko"]), model=model)
    assert decide(ident, ["오늘은 날씨가 좋다.", "The weather is nice today, isn't it?"]) == ["ko", "lang:en"]


SPANISH = (
    "El gobierno anunció ayer nuevas medidas para mejorar el transporte público en la ciudad.",
    "Los vecinos del barrio se reunieron para hablar de los problemas de tráfico y ruido.",
    "La escuela abrirá sus puertas el próximo lunes con nuevos profesores y más alumnos.",
)
ENGLISH = (
    "The minister said that the plan would be ready before the end of the year.",
    "Local residents met last night to discuss the traffic and the noise in the area.",
    "The school will open its doors next Monday with new teachers and more pupils.",
)


@pytest.mark.parametrize("lines", [20, 200, 2000])
@pytest.mark.parametrize("where", [0.0, 0.33, 0.5, 0.66, 1.0])
@pytest.mark.parametrize("main, quoted, code", [(SPANISH, ENGLISH, "es"), (ENGLISH, SPANISH, "en")])
def test_foreign_quote_of_ten_percent_does_not_flip_the_document(ident, main, quoted, code, lines, where):
    """Wherever the quote sits, even on one of the few chunks the model and the lexicon read."""
    body = [main[i % len(main)] for i in range(lines)]
    quote = [quoted[i % len(quoted)] for i in range(lines // 10)]
    at = int(where * lines)
    assert decide(ident, ["\n".join(body[:at] + quote + body[at:])]) == [code]


def test_ten_megabyte_document_is_decided_on_a_bounded_sample(ident):
    text = ("これは非常に長い日本語の文書です。" * 20 + "\n") * 10000
    assert len(text.encode()) > 10_000_000
    assert decide(ident, [text]) == ["ja"]
    cfg = ident.config
    chunks, _ = chunk_documents([text], cfg.chunk_chars, cfg.max_chunks)
    assert len(chunks) == cfg.max_chunks and sum(map(len, chunks)) <= cfg.max_chunks * cfg.chunk_chars


def test_same_input_same_output(ident):
    texts = ["Hola, ¿qué tal?", "今日は", "오늘", "hello world"]
    a, b = ident.identify(texts), ident.identify(texts)
    assert a.lang == b.lang and np.array_equal(a.score, b.score)


def _lines(path, n):
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:n]


def test_real_sentences_recall_and_hard_negatives(ident, corpora):
    laser = corpora / "tatoeba_laser_v1"
    for l3, lang, least in (("kor", "ko", 0.99), ("jpn", "ja", 0.99), ("cmn", "zh", 0.97), ("spa", "es", 0.96)):
        got = decide(ident, _lines(laser / f"tatoeba.{l3}-eng.{l3}", 300))
        assert got.count(lang) / len(got) >= least, (l3, got.count(lang))
        if lang == "zh":
            assert "ja" not in got  # Chinese is never read as Japanese
    for l3 in ("por", "cat", "glg"):
        got = decide(ident, _lines(laser / f"tatoeba.{l3}-eng.{l3}", 300))
        assert got.count("es") / len(got) <= 0.05, (l3, got.count("es"))


def test_iberian_paragraphs_are_not_spanish(ident, corpora):
    """Past 200 characters the lexicon runs only where the model sees a neighbour: it must, in real text."""
    laser = corpora / "tatoeba_laser_v1"
    for l3 in ("por", "cat", "glg"):
        lines = _lines(laser / f"tatoeba.{l3}-eng.{l3}", 600)
        paragraphs = [" ".join(lines[i : i + 6]) for i in range(0, len(lines), 6)]
        got = decide(ident, paragraphs)
        assert not {"es", "en"} & set(got), (l3, got.count("es"), got.count("en"))


def test_real_documents(ident, corpora):
    def texts(path, n=100):
        return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()[:n]]

    assert set(decide(ident, texts(corpora / "jsquad_v1.3" / "jsquad-v1.3.valid.contexts.jsonl"))) == {"ja"}
    zh = decide(ident, texts(corpora / "cmrc2018" / "cmrc2018_dev.contexts.jsonl"))
    assert zh.count("zh") >= 98 and "ja" not in zh
    assert set(decide(ident, texts(corpora / "xquad" / "xquad.es.contexts.jsonl"))) == {"es"}
    union = [p.read_text(encoding="utf-8") for p in sorted((corpora / "nltk_state_union").glob("19*.txt"))[:10]]
    assert set(decide(ident, union)) == {"en"}


def test_short_latin_text_gets_the_word_check_even_when_the_model_is_sure(ident):
    # lid.176 gives "Tinc fred." (Catalan: I'm cold) to English with no Catalan in its top 3.
    assert decide(ident, ["Tinc fred.", "It is cold.", "Good morning."]) == ["lang:ca", "en", "en"]
