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


def get(code: str) -> Language:
    """The row for ``code``; languages outside the table get Latin-script defaults."""
    return LANGUAGES.get(code) or Language(code, code, True, 0.65, LATIN_TERMINALS)
