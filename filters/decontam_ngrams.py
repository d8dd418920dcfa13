"""N-grams of folded text, per script, with their spans in the stored text.

The unit follows the script of each stretch of text, not of the document
(``streams``): words in Latin and other spaced scripts, characters in Chinese
and Japanese (no spaces, so word 13-grams find nothing there), and for Korean
whichever the measurement chose (benchmarks/decontam_quality.py).  Every text
yields both kinds, each from its own stream of code points, so a Japanese
item quoted in a Spanish page is found as surely as in a Japanese one.  A
character n-gram skips breaks and the other stream, so a re-wrapped or
re-punctuated copy has the same n-grams; a word n-gram is a run of
consecutive words.

Hashes are 64-bit (an index of 10^8 n-grams against 10^12 corpus n-grams must
not collide by chance) and salted by unit, so one sorted index holds both.
All of it is numpy over the whole batch: a unit hash per word or character,
then each window's polynomial as ``size`` multiply-adds over shifted slices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from filters.decontam_fold import BREAK, CJK, HANGUL, NEUTRAL, OTHER
from filters.shingles import LENGTH_MIX, P, P_INV, _powers, fmix64

Unit = Literal["word", "char"]
UNITS: tuple[Unit, Unit] = ("word", "char")
_SALT = {"word": np.uint64(0x5BD1E9955BD1E995), "char": np.uint64(0x27D4EB2F165667C5)}


@dataclass(frozen=True)
class Ngrams:
    """Every n-gram of a batch: hash, owning text, [start, end) in that text's code points."""

    hashes: np.ndarray
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @staticmethod
    def concat(parts: list["Ngrams"]) -> "Ngrams":
        return Ngrams(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("hashes", "doc", "start", "end")))


def streams(classes: np.ndarray, hangul_unit: Unit) -> dict[str, np.ndarray]:
    """Which code points each unit reads: characters of Chinese and Japanese (and
    Korean when it is read by characters), words of everything else; digits in both."""
    char = (classes == CJK) | (classes == NEUTRAL)
    word = (classes == OTHER) | (classes == NEUTRAL)
    hangul = classes == HANGUL
    return {"char": char | hangul if hangul_unit == "char" else char, "word": word | hangul if hangul_unit == "word" else word}


def _unit_spans(folded: np.ndarray, offsets: np.ndarray, unit: Unit, stream: np.ndarray):
    """Global [start, end) of every unit in ``stream``, and the text each is in."""
    owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    kept = (folded != BREAK) & stream
    if unit == "char":
        starts = np.flatnonzero(kept)
        return starts, starts + 1, owner[starts]
    before = np.zeros(len(kept), dtype=bool)
    before[1:] = kept[:-1]
    before[offsets[:-1][offsets[:-1] < len(kept)]] = False
    after = np.zeros(len(kept), dtype=bool)
    after[:-1] = kept[1:]
    after[offsets[1:][offsets[1:] > 0] - 1] = False
    starts = np.flatnonzero(kept & ~before)
    ends = np.flatnonzero(kept & ~after) + 1
    return starts, ends, owner[starts]


def _unit_hashes(folded: np.ndarray, starts: np.ndarray, ends: np.ndarray, unit: Unit) -> np.ndarray:
    """64-bit hash of each unit's folded code points."""
    values = folded.astype(np.uint64) + np.uint64(1)
    if unit == "char":
        return fmix64(values[starts] ^ _SALT[unit])
    prefix = np.zeros(len(values) + 1, dtype=np.uint64)
    np.cumsum(values * _powers(P, len(values)), out=prefix[1:])
    raw = (prefix[ends] - prefix[starts]) * _powers(P_INV, len(values) + 1)[starts]
    return fmix64(raw ^ ((ends - starts).astype(np.uint64) * LENGTH_MIX) ^ _SALT[unit])


def ngrams(folded: np.ndarray, offsets: np.ndarray, unit: Unit, size: int, stream: np.ndarray) -> Ngrams:
    """Every run of ``size`` consecutive units of ``stream`` inside one text.

    A text with fewer than ``size`` units has no n-grams in that unit: too short
    to tell a copy from a shared phrase.
    """
    if size < 1:
        raise ValueError(f"n-gram size must be >= 1, got {size}")
    starts, ends, owner = _unit_spans(folded, offsets, unit, stream)
    n = len(starts) - size + 1
    if n <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return Ngrams(np.zeros(0, dtype=np.uint64), empty, empty, empty)
    hashes = _unit_hashes(folded, starts, ends, unit)
    powers = _powers(P, size)
    window = np.zeros(n, dtype=np.uint64)
    for k in range(size):
        window += hashes[k : k + n] * powers[k]
    inside = owner[:n] == owner[size - 1 :]
    doc = owner[:n][inside]
    return Ngrams(
        fmix64(window[inside] ^ _SALT[unit]),
        doc,
        starts[:n][inside] - offsets[doc],
        ends[size - 1 :][inside] - offsets[doc],
    )
