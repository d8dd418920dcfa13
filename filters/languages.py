"""The language table: every per-language setting lives here, one row per language.

Stages read their per-language knobs (LID threshold, shingle unit, quality
thresholds, sentence ends) from this table instead of scattering language
checks through the code, so adding a language is adding a row.  Values are
defaults; the run config can override them per language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

# Sentence-final punctuation, full- and half-width, shared by the rows below.
LATIN_TERMINALS = (".", "!", "?", '"', "'", "”", "’", ")", ":", ";", "…")
CJK_TERMINALS = ("。", "！", "？", "」", "』", "）", "…", "．", "!", "?", ".", "”", "\"")


@dataclass(frozen=True)
class Language:
    """Settings for one language.

    ``spaced`` says whether words are separated by spaces; it decides whether
    word-based rules make sense at all (they don't for zh/ja).
    """

    code: str
    name: str
    spaced: bool
    lid_threshold: float
    terminals: tuple[str, ...]
    # Near-dup shingles: "char" n-grams or "word" n-grams of this size.  Measured
    # (benchmarks/dedup_quality.py): character 5-grams beat word 3/5-grams for
    # ko, en and es too (typos and re-wrapping break whole words), so they are
    # the default for every language.
    shingle_unit: str = "char"
    shingle_size: int = 5
    # Language ID: ISO 15924 scripts the language is written in (script-aware
    # correction), and close neighbours lid.176 confuses it with, told apart by
    # frequent words (filters/function_words.py) and spelling (filters/spelling.py).
    scripts: tuple[str, ...] = ("Latn",)
    confusables: tuple[str, ...] = ()
    # Probability down to which the model's top label is kept when no neighbour
    # has more word or spelling evidence (None: below the threshold, the
    # language's own evidence must outweigh some neighbour's).
    lid_floor: float | None = None
    # Confusables the model barely tells from this language (lid.176 reads 11.5%
    # of Galician sentences as Spanish at 0.65, 0.2% of Portuguese): below the
    # score threshold, words or spelling must favour the language over each of
    # these, not merely not disfavour it.
    blind_neighbours: tuple[str, ...] = ()
    # Quality: minimum document length, counted in "word"s or "char"s (letters
    # and digits, no spaces or punctuation), and the unit of repeated n-grams.
    length_unit: str = "word"
    min_length: int = 50
    ngram_unit: str = "word"
    extra: dict = field(default_factory=dict)

    def with_overrides(self, **changes) -> "Language":
        return replace(self, **changes)


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", True, 0.65, LATIN_TERMINALS, confusables=("ca", "gl", "pt", "it", "es"), lid_floor=0.3),
    "es": Language(
        "es", "Spanish", True, 0.65, LATIN_TERMINALS + ("¡", "¿"), confusables=("pt", "gl", "ca", "it"),
        blind_neighbours=("gl",),
    ),
    "ko": Language(
        "ko", "Korean", True, 0.65, LATIN_TERMINALS + ("。", "！", "？"), scripts=("Hang",),
        length_unit="char", min_length=100,
    ),
    "zh": Language(
        "zh", "Chinese", False, 0.65, CJK_TERMINALS, shingle_unit="char", shingle_size=5,
        scripts=("Hans", "Hant", "Hani"), length_unit="char", min_length=100, ngram_unit="char",
    ),
    "ja": Language(
        "ja", "Japanese", False, 0.65, CJK_TERMINALS, shingle_unit="char", shingle_size=5,
        scripts=("Jpan",), length_unit="char", min_length=100, ngram_unit="char",
    ),
}

DEFAULT_LANGUAGES = ("ko", "en", "zh", "ja", "es")

# The 176 labels of fastText's lid.176 (the default model), as codes: a
# language list is checked against them when the config loads, so a typo or a
# code the model never outputs is an error instead of a language whose every
# document is silently rejected.  tests/unit/test_languages.py checks this
# equals the shipped model's labels.
LID176_CODES = frozenset(
    """
    af als am an ar arz as ast av az azb ba bar bcl be bg bh bn bo bpy br bs bxr ca cbk ce ceb ckb co cs cv cy da
    de diq dsb dty dv el eml en eo es et eu fa fi fr frr fy ga gd gl gn gom gu gv he hi hif hr hsb ht hu hy ia id
    ie ilo io is it ja jbo jv ka kk km kn ko krc ku kv kw ky la lb lez li lmo lo lrc lt lv mai mg mhr min mk ml mn
    mr mrj ms mt mwl my myv mzn nah nap nds ne new nl nn no oc or os pa pam pfl pl pms pnb ps pt qu rm ro ru rue sa
    sah sc scn sco sd sh si sk sl so sq sr su sv sw ta te tg th tk tl tr tt tyv ug uk ur uz vec vep vi vls vo wa war
    wuu xal xmf yi yo yue zh
    """.split()
)


def check_lid176_codes(codes: list[str]) -> list[str]:
    """``codes`` unchanged, or a ValueError naming the first one lid.176 doesn't output, with the valid ones."""
    unknown = [code for code in codes if code not in LID176_CODES]
    if unknown:
        raise ValueError(
            f"{unknown[0]!r} is not a language lid.176 knows (the top-level 'languages' sets this list too); "
            f"use one of its codes: {' '.join(sorted(LID176_CODES))}; or set langid.model to a model that outputs it"
        )
    return codes


def get(code: str) -> Language:
    """The row for ``code``; languages outside the table get Latin-script defaults."""
    return LANGUAGES.get(code) or Language(code, code, True, 0.65, LATIN_TERMINALS)
