"""The byte-level script mix agrees with filters.script's per-character profile."""

import json

import numpy as np
import pyarrow as pa

from filters.script import profile
from pipeline.stats.scripts import SCRIPTS, script_counts


def test_hand_counted_mix():
    arr = pa.array(["Hello, 세계! 漢字かなカナ", "Ñandú 😀 𠀀 привет 42", None, ""], pa.large_string())
    got = dict(zip(SCRIPTS, script_counts(arr).tolist()))
    assert got == {"space": 6, "digit": 2, "symbol": 3, "latin": 10, "hangul": 2, "kana": 4, "han": 3, "other": 6}


def test_matches_profile_on_real_text_slices_and_chunks(corpora):
    texts = []
    for path in sorted(corpora.glob("*/*.jsonl"))[:6]:
        for line in path.read_text(encoding="utf-8").splitlines()[:200]:
            texts.append(json.loads(line).get("text", ""))
    arr = pa.array(texts, pa.string())
    expected = profile(texts).counts.sum(axis=0)
    assert np.array_equal(script_counts(arr), expected)
    sliced = arr.slice(37, 300)
    assert np.array_equal(script_counts(sliced), profile(sliced).counts.sum(axis=0))
    chunked = pa.chunked_array([arr.slice(0, 100), arr.slice(100)])
    assert np.array_equal(script_counts(chunked), expected)


def test_empty_input_counts_nothing():
    assert script_counts(pa.array([], pa.string())).sum() == 0
    assert script_counts(pa.array([None, ""], pa.large_string())).sum() == 0
