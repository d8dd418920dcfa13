"""Per-language quality rules (Gopher/C4 style) that are right for CJK.

Each rule is named; the first rule a document fails becomes its
``drop_reason`` (``quality:<rule>``), and every signal is also returned as a
column so thresholds can be tuned from the output instead of rerunning.
What makes the rules CJK-correct is where each reads its unit from the
language table: length is counted in characters for ko/zh/ja (an eojeol or a
whole Chinese clause is not a "word"), repeated n-grams are character n-grams
for zh/ja, and terminal punctuation includes 。！？ and closing brackets.

Everything is computed over the whole batch at once: Arrow compute for
splitting and matching, numpy for n-gram hashing and counting.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, field_validator

from filters import boilerplate, languages, script
from filters.function_words import FUNCTION_WORDS
from filters.section import Section

RULES = (
    "min_length", "boilerplate", "symbol_ratio", "digit_ratio", "url_ratio", "function_words",
    "terminal_punct", "dup_lines", "top_ngram", "dup_ngram",
)
# Boilerplate lines are short; longer lines that match are prose about the topic.
BOILERPLATE_MAX_LINE = 120
_PRIME = np.uint64(0x9E3779B97F4A7C15)


class QualityConfig(Section):
    """Settings of the ``filter`` stage (run config section ``quality``)."""

    rules: list[str] = Field(default_factory=lambda: list(RULES), description="rules to apply, in this order")
    min_length: dict[str, int] = Field(default_factory=dict, description="per-language overrides of the table's min_length")
    min_terminal_punct: float = Field(0.12, ge=0, le=1, description="least share of lines ending in terminal punctuation")
    max_dup_lines: float = Field(0.3, ge=0, le=1, description="most share of lines that repeat within the document")
    max_dup_line_chars: float = Field(0.2, ge=0, le=1, description="most share of characters in repeated lines")
    max_dup_paragraphs: float = Field(0.3, ge=0, le=1, description="most share of paragraphs that repeat within the document")
    max_top_ngram: dict[str, dict[int, float]] = Field(
        default_factory=lambda: {"word": {2: 0.20, 3: 0.18, 4: 0.16}, "char": {3: 0.20, 5: 0.16, 8: 0.14}},
        description="per n-gram unit: n -> most share of text covered by the most frequent n-gram",
    )
    max_dup_ngram: dict[str, dict[int, float]] = Field(
        default_factory=lambda: {"word": {5: 0.15, 10: 0.10}, "char": {10: 0.25, 20: 0.20}},
        description="per n-gram unit: n -> most share of text inside n-grams seen more than once",
    )
    max_symbol_ratio: float = Field(0.3, ge=0, le=1, description="most share of punctuation/symbols/emoji among non-space characters")
    max_digit_ratio: float = Field(0.3, ge=0, le=1, description="most share of digits among non-space characters")
    max_url_ratio: float = Field(0.3, ge=0, le=1, description="most share of characters inside URLs")
    min_function_words: int = Field(2, ge=0, description="least occurrences of the language's function words")
    max_boilerplate: float = Field(0.3, ge=0, le=1, description="most share of characters in boilerplate lines")
    batch_size: int = Field(1024, ge=1, description="documents per batch; bounds the n-gram arrays' memory")

    @field_validator("rules")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(RULES))
        if unknown:
            raise ValueError(f"unknown quality rule(s) {unknown}; choose from {list(RULES)}")
        return value

    def min_length_of(self, lang: str) -> int:
        return self.min_length.get(lang, languages.get(lang).min_length)


def _ratio(num, den) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0)


def _per_lang(langs: np.ndarray, value_of) -> np.ndarray:
    """An array with ``value_of(lang)`` at each document of that language."""
    out = np.zeros(len(langs))
    for lang in np.unique(langs):
        out[langs == lang] = value_of(lang)
    return out


def _ngram_counts(ids: np.ndarray, doc: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start of every n-gram that lies inside one document, and how often that
    n-gram occurs in its document.

    ``ids`` is a token (or code point) sequence of all documents back to back
    and ``doc`` its document.  N-grams are hashed with a polynomial over uint64
    (wrapping), the document mixed into the key, and counted from the run
    lengths of one argsort, of only the keys that share a hash bucket: sorting
    every key, as ``np.unique`` with inverse and counts does, was most of the
    filter stage's time.
    """
    m = max(len(ids) - n + 1, 0)
    starts = np.flatnonzero(doc[:m] == doc[n - 1 :])
    symbols = ids.astype(np.uint64) + np.uint64(1)
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):  # contiguous slices: every position at once, cheaper than gathering the starts
            h = h * _PRIME + symbols[j : j + m]
        key = h[starts] ^ (doc[starts].astype(np.uint64) * np.uint64(0xD6E8FEB86659FD93))
    # A key alone in its bucket (top bits, ~4 buckets per key) occurs once;
    # only the others, repeated n-grams and chance neighbours, need sorting.
    bits = max(int(len(key) * 4).bit_length(), 1)
    bucket = (key >> np.uint64(64 - bits)).astype(np.int64)
    maybe = np.flatnonzero(np.bincount(bucket, minlength=1 << bits)[bucket] > 1)
    order = maybe[np.argsort(key[maybe])]
    ordered = key[order]
    bounds = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
    runs = np.diff(bounds)
    count = np.ones(len(key), dtype=np.int64)
    count[order] = np.repeat(runs, runs)
    return starts, count


def _top_ngram_share(ids: np.ndarray, doc: np.ndarray, weight: np.ndarray, total: np.ndarray, n: int) -> np.ndarray:
    """Per document, the share of its characters (``weight``, ``total`` per
    document) covered by its most frequent n-gram."""
    starts, count = _ngram_counts(ids, doc, n)
    top = np.zeros(len(total))
    if len(starts):
        csum = np.concatenate([[0.0], np.cumsum(weight)])
        start_doc = doc[starts]
        first = np.flatnonzero(np.r_[True, start_doc[1:] != start_doc[:-1]])
        top[start_doc[first]] = np.maximum.reduceat(count * (csum[starts + n] - csum[starts]), first)
    return _ratio(top, total)


def _dup_ngram_share(ids: np.ndarray, doc: np.ndarray, weight: np.ndarray, total: np.ndarray, n: int) -> np.ndarray:
    """Per document, the share of its characters inside n-grams it repeats;
    a difference array counts a character covered by overlapping n-grams once."""
    starts, count = _ngram_counts(ids, doc, n)
    dup = starts[count > 1]
    diff = np.bincount(dup, minlength=len(ids) + 1) - np.bincount(dup + n, minlength=len(ids) + 1)
    covered = np.cumsum(diff[:-1]) > 0
    return _ratio(np.bincount(doc, weights=weight * covered, minlength=len(total)), total)


def _pieces(arr: pa.Array, separator: str, regex: bool = False):
    """Lines (or paragraphs) of every document, trimmed: text, document, length, repeated-in-its-document."""
    split = pc.split_pattern_regex(arr, separator) if regex else pc.split_pattern(arr, separator)
    pieces = pc.utf8_trim_whitespace(pc.list_flatten(split))
    doc = pc.list_parent_indices(split).to_numpy().astype(np.int64)
    length = pc.utf8_length(pieces).to_numpy(zero_copy_only=False).astype(np.float64)
    ids = pieces.dictionary_encode().indices.to_numpy(zero_copy_only=False).astype(np.int64)
    _, inverse, counts = np.unique(doc * (int(ids.max(initial=0)) + 1) + ids, return_inverse=True, return_counts=True)
    return pieces, doc, length, (counts[inverse] > 1) & (length > 0)


def _word_sequence(arr: pa.Array):
    tokens = pc.utf8_split_whitespace(pc.utf8_lower(arr))
    flat = pc.list_flatten(tokens)
    ids = flat.dictionary_encode().indices.to_numpy(zero_copy_only=False).astype(np.int64)
    doc = pc.list_parent_indices(tokens).to_numpy().astype(np.int64)
    weight = pc.utf8_length(flat).to_numpy(zero_copy_only=False).astype(np.float64)
    return tokens, flat, ids, doc, weight


def _char_sequence(texts: list[str]):
    """Code points without whitespace: CJK n-grams shouldn't depend on spacing."""
    codes, doc = script.code_points(texts)
    keep = script.categories(codes) != script.SPACE
    return codes[keep].astype(np.int64), doc[keep], np.ones(int(keep.sum()))


def signals(texts, langs, cfg: QualityConfig | None = None) -> dict[str, np.ndarray]:
    """Every quality signal per document (aligned with ``texts``)."""
    cfg = cfg or QualityConfig()
    texts = script.as_list(texts)
    n = len(texts)
    langs = np.asarray(["" if lang is None else lang for lang in langs], dtype=object)
    rows = {lang: languages.get(lang) for lang in np.unique(langs)} if n else {}
    arr = pa.array(texts, pa.large_string())
    prof = script.profile(texts)
    nonspace = prof.n_chars - prof.counts[:, script.SPACE]
    out: dict[str, np.ndarray] = {}

    tokens, flat, ids, word_doc, word_weight = _word_sequence(arr)
    n_words = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    n_chars = nonspace - prof.counts[:, script.SYMBOL]
    by_char = _per_lang(langs, lambda lang: rows[lang].length_unit == "char").astype(bool)
    out["length"] = np.where(by_char, n_chars, n_words)

    # Lines: terminal punctuation, repetition, boilerplate.
    lines, line_doc, line_len, repeated = _pieces(arr, "\n")
    nonempty = line_len > 0
    last = pc.utf8_slice_codeunits(lines, -1)
    line_lang = langs[line_doc]
    terminal = np.zeros(len(line_len), dtype=bool)
    for lang, row in rows.items():
        sel = line_lang == lang
        terminal[sel] = pc.is_in(last, value_set=pa.array(row.terminals, pa.large_string())).to_numpy(zero_copy_only=False)[sel]
    lines_per_doc = np.bincount(line_doc, weights=nonempty, minlength=n)
    chars_per_doc = np.bincount(line_doc, weights=line_len, minlength=n)
    out["terminal_punct"] = _ratio(np.bincount(line_doc, weights=terminal & nonempty, minlength=n), lines_per_doc)
    out["dup_lines"] = _ratio(np.bincount(line_doc, weights=repeated, minlength=n), lines_per_doc)
    out["dup_line_chars"] = _ratio(np.bincount(line_doc, weights=repeated * line_len, minlength=n), chars_per_doc)
    _, para_doc, para_len, para_repeated = _pieces(arr, r"\n\s*\n", regex=True)
    paras_per_doc = np.bincount(para_doc, weights=para_len > 0, minlength=n)
    out["dup_paragraphs"] = _ratio(np.bincount(para_doc, weights=para_repeated, minlength=n), paras_per_doc)
    short = np.flatnonzero((line_len > 0) & (line_len <= BOILERPLATE_MAX_LINE))  # only these can count: match no others
    boiler = np.zeros(len(line_len), dtype=bool)
    boiler[short] = pc.match_substring_regex(lines.take(short), boilerplate.PATTERN, ignore_case=True).to_numpy(zero_copy_only=False)
    out["boilerplate"] = _ratio(np.bincount(line_doc, weights=boiler * line_len, minlength=n), chars_per_doc)

    # Character classes and URLs.
    out["symbol_ratio"] = _ratio(prof.counts[:, script.SYMBOL], nonspace)
    out["digit_ratio"] = _ratio(prof.counts[:, script.DIGIT], nonspace)
    no_urls = pc.utf8_length(pc.replace_substring_regex(arr, script.URL, "")).to_numpy(zero_copy_only=False)
    out["url_ratio"] = _ratio(prof.n_chars - no_urls, prof.n_chars)

    # Function words: whole tokens for spaced languages, substrings otherwise.
    fw = np.zeros(n)
    is_fw = np.zeros(len(flat), dtype=bool)
    for lang, row in rows.items():
        words = FUNCTION_WORDS.get(lang)
        if not words:
            continue
        sel = langs == lang
        if row.spaced and row.length_unit == "word":
            is_fw |= pc.is_in(flat, value_set=pa.array(words, pa.large_string())).to_numpy(zero_copy_only=False) & sel[word_doc]
        else:
            sub = arr.filter(pa.array(sel))
            fw[sel] = sum(pc.count_substring(sub, w).to_numpy(zero_copy_only=False) for w in words)
    out["function_words"] = fw + np.bincount(word_doc, weights=is_fw, minlength=n)

    # Repeated n-grams, in words or characters as the language table says.
    out["top_ngram"] = np.zeros(n)
    out["dup_ngram"] = np.zeros(n)
    char_unit = _per_lang(langs, lambda lang: rows[lang].ngram_unit == "char").astype(bool)
    for unit, docs in (("word", ~char_unit), ("char", char_unit)):
        if not docs.any():
            continue
        if unit == "word":
            keep = docs[word_doc]
            seq = (ids[keep], word_doc[keep], word_weight[keep])
        else:
            seq = _char_sequence([t if d else "" for t, d in zip(texts, docs)])
        total = np.bincount(seq[1], weights=seq[2], minlength=n)
        top_ratio = np.zeros(n)
        dup_ratio = np.zeros(n)
        for size, limit in cfg.max_top_ngram.get(unit, {}).items():
            top_ratio = np.maximum(top_ratio, _top_ngram_share(*seq, total, size) / limit)
        for size, limit in cfg.max_dup_ngram.get(unit, {}).items():
            dup_ratio = np.maximum(dup_ratio, _dup_ngram_share(*seq, total, size) / limit)
        # Stored relative to the limit: > 1 fails, whatever n it failed at.
        out["top_ngram"][docs] = top_ratio[docs]
        out["dup_ngram"][docs] = dup_ratio[docs]
    return out


def failures(sig: dict[str, np.ndarray], langs, cfg: QualityConfig | None = None) -> dict[str, np.ndarray]:
    """Boolean "fails" mask per enabled rule."""
    cfg = cfg or QualityConfig()
    langs = np.asarray(["" if lang is None else lang for lang in langs], dtype=object)
    checks = {
        "min_length": lambda: sig["length"] < _per_lang(langs, cfg.min_length_of),
        "boilerplate": lambda: sig["boilerplate"] > cfg.max_boilerplate,
        "symbol_ratio": lambda: sig["symbol_ratio"] > cfg.max_symbol_ratio,
        "digit_ratio": lambda: sig["digit_ratio"] > cfg.max_digit_ratio,
        "url_ratio": lambda: sig["url_ratio"] > cfg.max_url_ratio,
        "function_words": lambda: sig["function_words"] < cfg.min_function_words,
        "terminal_punct": lambda: sig["terminal_punct"] < cfg.min_terminal_punct,
        "dup_lines": lambda: (sig["dup_lines"] > cfg.max_dup_lines)
        | (sig["dup_line_chars"] > cfg.max_dup_line_chars)
        | (sig["dup_paragraphs"] > cfg.max_dup_paragraphs),
        "top_ngram": lambda: sig["top_ngram"] > 1,
        "dup_ngram": lambda: sig["dup_ngram"] > 1,
    }
    return {rule: checks[rule]() for rule in cfg.rules}


def drop_reasons(texts, langs, cfg: QualityConfig | None = None) -> tuple[list[str | None], dict[str, np.ndarray]]:
    """``quality:<rule>`` of the first failed rule per document (None if it passes), and the signals."""
    sig = signals(texts, langs, cfg)
    reasons = np.full(len(sig["length"]), None, dtype=object)
    for rule, failed in failures(sig, langs, cfg).items():
        reasons[failed & (reasons == None)] = f"quality:{rule}"  # noqa: E711 (elementwise)
    return list(reasons), sig
