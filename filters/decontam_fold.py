"""Text as decontamination compares it, one code point at a time, aligned with the stored text.

Contamination is reported as spans of the stored text (to mask them), so the
matching form can't be made with string rewrites that shift offsets the way
``dedup_normalize`` does.  Instead every code point is folded through one
lookup table (NFKC of the single character, lowercased: full-width Ａ and ａ
become a, half-width ｱ becomes ア) and punctuation, symbols, separators and
controls fold to 0, a break.  Folded text then keeps each unit's original
position, so an n-gram's span in the stored text is one index away.

Scripts decide the n-gram unit (words in Latin text, characters in Chinese and
Japanese), so the table also gives each code point a script class.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
import pyarrow as pa

from filters.shingles import codepoints

BREAK = 0
# Script classes of kept code points; numbers are neutral (a table of figures
# in a Chinese text doesn't make it Latin text).
OTHER, CJK, HANGUL, NEUTRAL = 0, 1, 2, 3
_BMP = 0x10000  # folded by Unicode's tables; supplementary planes pass through unfolded (CJK ext. B counts as CJK)
_CODE_POINTS = 0x110000
_EMOJI = (0x1F000, 0x1FAFF)
# A table entry: the folded code point in the low 24 bits, the script class above.
_CLASS_SHIFT = 24


def _script_class(cp: int) -> int:
    if 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F:
        return HANGUL
    if 0x3040 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF:
        return CJK
    return OTHER


@functools.cache
def fold_table() -> np.ndarray:
    """Folded code point and script class of every code point, packed in one
    uint32 so folding a batch is one gather (4.4 MB, built once per process)."""
    folded = np.arange(_CODE_POINTS, dtype=np.uint32)
    classes = np.where(folded >= 0x20000, CJK, OTHER).astype(np.uint32)
    folded[_EMOJI[0] : _EMOJI[1] + 1] = BREAK
    for cp in range(_BMP):
        ch = chr(cp)
        if unicodedata.category(ch)[0] in "PSZC":
            folded[cp] = BREAK
            continue
        norm = unicodedata.normalize("NFKC", ch).lower()
        if len(norm) != 1 or unicodedata.category(norm)[0] in "PSZC":
            norm = ch.lower() if len(ch.lower()) == 1 else ch
        folded[cp] = ord(norm)
        classes[cp] = NEUTRAL if unicodedata.category(norm)[0] == "N" else _script_class(ord(norm))
    return folded | (classes << np.uint32(_CLASS_SHIFT))


def fold(cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Folded code points (0 = break) and script classes of ``cps``."""
    packed = fold_table()[cps]
    return packed & np.uint32((1 << _CLASS_SHIFT) - 1), (packed >> np.uint32(_CLASS_SHIFT)).astype(np.uint8)


def folded_batch(texts: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A batch as folded code points, script classes and per-text offsets.

    Position ``i`` of the folded array is code point ``i - offsets[doc]`` of the
    stored text of ``doc``: offsets into the stored text come for free.
    """
    cps, offsets = codepoints(texts)
    folded, classes = fold(cps)
    return folded, classes, offsets
