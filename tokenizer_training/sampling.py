"""How much of each language the tokenizer sees, and how documents become training lines.

A tokenizer trained on the natural mix of a web crawl spends its vocabulary on
the biggest language (usually English) and leaves Korean or Japanese paying two
to three times as many tokens for the same content.  Temperature sampling
(share proportional to size**alpha, as in XLM-R and mT5) flattens the mix without
throwing away the signal that some languages really are more common.

Everything here is pure and works on plain dicts and Arrow arrays, so the Ray
stage only has to count, then filter with the probabilities computed here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters.hashing import string_hashes, unit_interval
from filters.languages import LANGUAGES


def language_weights(
    chars_by_lang: Mapping[str, int], alpha: float, shares: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Normalized target share of each language present in the corpus.

    Explicit ``shares`` win over ``alpha``; a language they leave out gets no
    share, so a user can drop a language from the tokenizer without touching
    the corpus.  Languages with no characters get no share either way.
    """
    present = {lang: n for lang, n in chars_by_lang.items() if n > 0}
    if shares is not None:
        raw = {lang: float(shares.get(lang, 0.0)) for lang in present}
    else:
        raw = {lang: float(n) ** alpha for lang, n in present.items()}
    total = sum(raw.values())
    if total <= 0:
        return {lang: 0.0 for lang in present}
    return {lang: w / total for lang, w in sorted(raw.items())}


def allocate_chars(
    chars_by_lang: Mapping[str, int], weights: Mapping[str, float], char_budget: int
) -> dict[str, int]:
    """Characters to sample per language: the budget split by weight, never above what exists.

    A language too small to fill its share contributes everything it has, and
    the rest of the budget is re-split among the others by their weights
    (water-filling), so a small language never leaves the budget unspent.
    """
    targets: dict[str, int] = {}
    active = {lang for lang, w in weights.items() if w > 0 and chars_by_lang.get(lang, 0) > 0}
    remaining = float(char_budget)
    while active:
        weight_sum = sum(weights[lang] for lang in active)
        want = {lang: remaining * weights[lang] / weight_sum for lang in active}
        capped = {lang for lang in active if want[lang] >= chars_by_lang[lang]}
        if not capped:
            targets.update({lang: round(want[lang]) for lang in active})
            break
        for lang in capped:
            targets[lang] = int(chars_by_lang[lang])
            remaining -= chars_by_lang[lang]
        active -= capped
    return {lang: targets.get(lang, 0) for lang in sorted(weights)}


def keep_probabilities(chars_by_lang: Mapping[str, int], targets: Mapping[str, int]) -> dict[str, float]:
    """Per-language probability of keeping a document so the expected sample meets the target."""
    return {
        lang: (min(1.0, targets.get(lang, 0) / n) if n > 0 else 0.0)
        for lang, n in sorted(chars_by_lang.items())
    }


def sample_report(
    corpus: Mapping[str, Mapping[str, int]],
    sampled: Mapping[str, Mapping[str, int]],
    weights: Mapping[str, float],
    targets: Mapping[str, int],
    probabilities: Mapping[str, float],
    settings: Mapping[str, object],
) -> dict:
    """The sample's make-up per language, as written to sample_report.json.

    ``corpus`` and ``sampled`` map language to ``{"docs", "chars"}`` (and, for
    the sample, ``"lines"`` and ``"split_lines"``); shares are of characters.
    """
    total_sampled = sum(s.get("chars", 0) for s in sampled.values())
    languages = {}
    for lang in sorted(set(corpus) | set(sampled)):
        got = dict(sampled.get(lang, {}))
        languages[lang] = {
            "corpus_docs": int(corpus.get(lang, {}).get("docs", 0)),
            "corpus_chars": int(corpus.get(lang, {}).get("chars", 0)),
            "target_share": round(weights.get(lang, 0.0), 6),
            "target_chars": int(targets.get(lang, 0)),
            "keep_probability": round(probabilities.get(lang, 0.0), 6),
            "sampled_docs": int(got.get("docs", 0)),
            "sampled_chars": int(got.get("chars", 0)),
            "sampled_lines": int(got.get("lines", 0)),
            "split_lines": int(got.get("split_lines", 0)),
            "share": round(got.get("chars", 0) / total_sampled, 6) if total_sampled else 0.0,
        }
    total = {
        key: sum(row[key] for row in languages.values())
        for key in ("corpus_docs", "corpus_chars", "sampled_docs", "sampled_chars", "sampled_lines", "split_lines")
    }
    return {"settings": dict(settings), "total": total, "languages": languages}


def format_sample(report: Mapping) -> str:
    """The sample's make-up as a terminal table."""
    lines = [f"{'lang':<5} {'corpus chars':>14} {'target':>7} {'sampled chars':>14} {'share':>6} {'lines':>9} {'split':>6}"]
    for lang, row in report["languages"].items():
        lines.append(
            f"{lang:<5} {row['corpus_chars']:>14,} {row['target_share']:>7.3f} {row['sampled_chars']:>14,} "
            f"{row['share']:>6.3f} {row['sampled_lines']:>9,} {row['split_lines']:>6,}"
        )
    return "\n".join(lines)


def keep_mask(ids: pa.Array | pa.ChunkedArray, probabilities: np.ndarray, seed: int) -> np.ndarray:
    """Which documents to keep: a seeded hash of the id against each row's probability.

    Hashing the id (not drawing from an RNG) makes the decision independent of
    how Ray splits the corpus into blocks, so the same corpus, config and seed
    give the same sample on a laptop and on a cluster.
    """
    return unit_interval(string_hashes(ids, seed)) < probabilities


# Cut points for over-long lines, in order of preference.  Terminals come from
# the language table; ASCII ones only end a sentence before whitespace, wide
# (CJK) ones end it by themselves.
_TERMINALS = sorted({t for lang in LANGUAGES.values() for t in lang.terminals})
_NARROW = "".join(re.escape(t) for t in _TERMINALS if t.isascii())
_WIDE = "".join(re.escape(t) for t in _TERMINALS if not t.isascii())
_SENTENCE_END = re.compile(rf"(?:[{_NARROW}](?=\s)|[{_WIDE}])\s*")
_SPACE = re.compile(r"\s+")


def _best_cut(window: str) -> tuple[int, int]:
    """(end of the piece, start of the rest) inside ``window``; prefers late sentence ends."""
    floor = len(window) // 2
    ends = [m for m in _SENTENCE_END.finditer(window) if m.end() > floor]
    if ends:
        return ends[-1].start() + 1, ends[-1].end()
    spaces = [m for m in _SPACE.finditer(window) if m.start() > floor]
    if spaces:
        return spaces[-1].start(), spaces[-1].end()
    return len(window), len(window)


def split_long_line(line: str, max_bytes: int) -> list[str]:
    """Cut ``line`` into pieces of at most ``max_bytes`` UTF-8 bytes.

    sentencepiece silently skips any line longer than ``max_sentence_length``
    bytes, and Korean/CJK text is about 3 bytes per character, so a 2,000
    character Korean paragraph would vanish from training.  Pieces end at a
    sentence end if one lies in the second half of the window, else at
    whitespace, else at a character boundary; the whitespace at a cut is
    dropped so no piece starts with a space.
    """
    if max_bytes < 4:
        raise ValueError(f"max_bytes={max_bytes}: must hold one UTF-8 character (at least 4)")
    pieces = []
    rest = line
    while len(rest.encode("utf-8")) > max_bytes:
        window = rest.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")
        end, start = _best_cut(window)
        piece = window[:end].rstrip()
        if piece:
            pieces.append(piece)
        rest = rest[start:].lstrip()
    if rest.strip():
        pieces.append(rest)
    return pieces


def training_lines(texts: pa.Array | pa.ChunkedArray, max_bytes: int) -> pa.Table:
    """Documents to sentencepiece training lines, none longer than ``max_bytes`` UTF-8 bytes.

    Returns the lines in document order with ``doc`` (index of the source text)
    and ``split`` (the line was cut to fit).  Splitting on newlines and dropping
    blank lines is vectorized; only lines over the limit (rare in prose) go
    through :func:`split_long_line`.  Internal whitespace is kept as is, because
    the tokenizer is trained to preserve it.
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    lists = pc.split_pattern_regex(pc.fill_null(texts.cast(pa.large_string()), ""), r"\r?\n")
    lines, parent = pc.list_flatten(lists), pc.list_parent_indices(lists)
    nonblank = pc.match_substring_regex(lines, r"\S")
    lines, parent = lines.filter(nonblank), parent.filter(nonblank)
    too_long = pc.greater(pc.binary_length(lines), max_bytes).to_numpy(zero_copy_only=False)
    source = np.arange(len(lines))
    if too_long.any():
        split = [split_long_line(line, max_bytes) for line in lines.filter(pa.array(too_long)).to_pylist()]
        counts = np.ones(len(lines), dtype=np.int64)
        counts[too_long] = [len(pieces) for pieces in split]
        source = np.repeat(source, counts)
        take = source.copy()
        take[too_long[source]] = len(lines) + np.arange(int(counts[too_long].sum()))
        pieces = pa.array([p for pieces in split for p in pieces], pa.large_string())
        lines = pc.take(pa.concat_arrays([lines, pieces]), pa.array(take))
    return pa.table(
        {
            "text": lines,
            "doc": pc.take(parent, pa.array(source)).cast(pa.int64()),
            "split": pa.array(too_long[source], pa.bool_()),
        }
    )


def sample_batch(
    table: pa.Table, probabilities: Mapping[str, float], seed: int, max_bytes: int, lang_column: str = "lang"
) -> pa.Table:
    """One batch of documents to the training lines it contributes to the sample.

    Columns: ``lang``, ``text`` (one training line), ``doc_start`` (first line
    of a kept document, so summing it counts documents) and ``split``.
    Languages missing from ``probabilities`` are not sampled.
    """
    langs = table[lang_column].combine_chunks().cast(pa.string())
    lookup = pa.array(list(probabilities), pa.string())
    index = pc.fill_null(pc.index_in(langs, value_set=lookup), len(lookup)).to_numpy(zero_copy_only=False)
    p = np.array([*probabilities.values(), 0.0])[index]
    kept = table.filter(pa.array(keep_mask(table["id"], p, seed)))
    lines = training_lines(kept["text"], max_bytes)
    doc = lines["doc"].to_numpy()
    return pa.table(
        {
            "lang": pc.take(kept[lang_column].cast(pa.string()), lines["doc"]),
            "text": lines["text"],
            "doc_start": np.concatenate([[True], doc[1:] != doc[:-1]])[: len(doc)],
            "split": lines["split"],
        }
    )
