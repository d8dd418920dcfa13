"""Text as dedup compares it: the stored text is never changed.

Web copies of one document differ in case, full-/half-width forms, punctuation
style and line wrapping; none of that makes them different documents, so the
matching form folds all of it away before hashing and shingling.  Everything
runs as Arrow compute kernels over a whole column.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from filters.section import Section

# RE2 classes: Unicode punctuation and symbols, and whitespace/separators;
# a run of either becomes one word break.
_PUNCT = r"\p{P}\p{S}"
_SPACE = r"\s\p{Z}"


class MatchNormalizeConfig(Section):
    """Which differences matching ignores; each fold is on for web text by default."""

    nfkc: bool = True
    lowercase: bool = True
    strip_punctuation: bool = True
    collapse_whitespace: bool = True


def normalize_for_matching(texts: pa.Array | pa.ChunkedArray, cfg: MatchNormalizeConfig) -> pa.Array:
    """The matching form of each text: folded, words separated by single spaces.

    A text that folds to nothing (only punctuation, say) keeps its stripped raw
    form instead, so "!!!" and "???" are not called duplicates of each other.
    """
    texts = pc.cast(texts, pa.large_string())
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    texts = pc.fill_null(texts, "")
    out = texts
    if cfg.nfkc:
        out = pc.utf8_normalize(out, form="NFKC")
    if cfg.lowercase:
        out = pc.utf8_lower(out)
    # One regex pass for both folds when both are on (a third faster than two).
    classes = (_PUNCT if cfg.strip_punctuation else "") + (_SPACE if cfg.collapse_whitespace else "")
    if classes:
        out = pc.replace_substring_regex(out, pattern=f"[{classes}]+", replacement=" ")
    if cfg.collapse_whitespace:
        out = pc.utf8_trim_whitespace(out)
    empty = pc.equal(pc.utf8_length(out), 0)
    return pc.if_else(empty, pc.utf8_trim_whitespace(texts), out)
