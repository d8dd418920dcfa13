"""Plain-Python reference of the dedup shingles and shingle hash, for tests only.

Written the obvious way (one string per shingle, one loop per character), so
the vectorized code in ``filters/shingles.py`` is checked against something
independent of numpy tricks.
"""

from __future__ import annotations

import numpy as np

from filters.shingles import LENGTH_MIX, P, fmix64

MASK = (1 << 64) - 1


def shingles(matching: str, unit: str, size: int) -> list[str]:
    """The shingle strings of one matching-form text."""
    if unit == "char":
        text = matching.replace(" ", "")
        return [text[i : i + size] for i in range(len(text) - size + 1)] or [text]
    words = matching.split()
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)] or [matching]


def shingle_hash(shingle: str | bytes) -> int:
    """32-bit hash of one shingle; also usable as datasketch's ``hashfunc``."""
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8")
    h, power = 0, 1
    for ch in shingle:
        h = (h + (ord(ch) + 1) * power) & MASK
        power = (power * int(P)) & MASK
    mixed = np.array([h ^ ((len(shingle) * int(LENGTH_MIX)) & MASK)], dtype=np.uint64)
    return int(fmix64(mixed)[0] >> np.uint64(32))
