"""Text normalization, the first stage: one canonical form for every later stage.

Everything here is vectorized with pyarrow compute (RE2 regexes and ICU-free
Unicode normalization in C++), so it runs at memory speed over Arrow batches.

Choices that matter for CJK:
* NFC by default, not NFKC: NFKC folds full-width Latin and half-width kana and
  turns U+3000 into a space, which changes Japanese text; NFC only composes, so
  Hangul jamo sequences become syllables and か+゛ becomes が (never the reverse).
* Zero-width joiner/non-joiner are kept (emoji sequences, some scripts); only
  characters with no visible role (ZWSP, word joiner, BOM, soft hyphen, bidi marks)
  are removed.
* The ideographic space U+3000 is not collapsed into an ASCII space.
"""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from filters.section import Section

# C0/C1 controls except tab and line feed (CR is turned into LF before this).
_CONTROL = r"[\x{0}-\x{8}\x{B}\x{C}\x{E}-\x{1F}\x{7F}-\x{9F}]"
# Invisible characters with no role in running text.  U+FFFD is what a lossy
# decoder leaves behind for invalid bytes.
_INVISIBLE = r"[\x{200B}\x{2060}\x{FEFF}\x{00AD}\x{180E}\x{200E}\x{200F}\x{202A}-\x{202E}\x{2066}-\x{2069}\x{FFFD}]"
# Horizontal whitespace to collapse: ASCII and Unicode spaces, but not U+3000.
# Only runs of two or more, or a single non-ASCII-space one, need replacing;
# matching every lone space too made this the slowest step.
_OTHER_SPACES = r"\t\x{A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}"
_HSPACE = f"[ {_OTHER_SPACES}]{{2,}}|[{_OTHER_SPACES}]"


class NormalizeConfig(Section):
    """Settings of the normalize stage."""

    form: Literal["NFC", "NFKC", "none"] = Field("NFC", description="Unicode normalization form")
    remove_control: bool = Field(True, description="drop C0/C1 control characters (tab and newline stay)")
    remove_invisible: bool = Field(True, description="drop zero-width space, BOM, soft hyphen, bidi marks, U+FFFD")
    collapse_whitespace: bool = Field(True, description="collapse runs of spaces/tabs; trim line ends")
    max_blank_lines: int = Field(1, ge=0, description="longest run of empty lines kept between paragraphs")


def normalize_text(texts: pa.Array | pa.ChunkedArray, cfg: NormalizeConfig) -> pa.ChunkedArray:
    """Normalize a column of strings; null stays null."""
    out = texts
    out = pc.replace_substring_regex(out, r"\r\n?", "\n")
    if cfg.form != "none":
        out = pc.utf8_normalize(out, form=cfg.form)
    if cfg.remove_control:
        out = pc.replace_substring_regex(out, _CONTROL, "")
    if cfg.remove_invisible:
        out = pc.replace_substring_regex(out, _INVISIBLE, "")
    if cfg.collapse_whitespace:
        out = pc.replace_substring_regex(out, _HSPACE, " ")
        out = pc.replace_substring_regex(out, r"(?m)^ | $", "")
        out = pc.replace_substring_regex(out, "\n{%d,}" % (cfg.max_blank_lines + 2), "\n" * (cfg.max_blank_lines + 1))
        out = pc.utf8_trim(out, characters="\n ")
    return out if isinstance(out, pa.ChunkedArray) else pa.chunked_array([out])


def is_empty(texts: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where nothing is left after normalization (null or only whitespace)."""
    return pc.fill_null(pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(texts)), 0), True)
