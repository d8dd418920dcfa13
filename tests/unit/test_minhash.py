import numpy as np
import pyarrow as pa
import pytest
from datasketch import MinHash

from filters import minhash
from filters.dedup_config import DedupConfig, ShingleOverride
from filters.dedup_normalize import MatchNormalizeConfig, normalize_for_matching
from filters.dedup_signatures import document_signatures, guess_language, resolve_languages
from filters.shingles import shingle_hashes
from tests.unit.dedup_reference import shingle_hash, shingles

TEXTS = [
    "The quick brown fox jumps over the lazy dog, again and again and again.",
    "东京是日本的首都。" * 30,
    "",
    "서울은 대한민국의 수도이다.",
    "x",
]


def _datasketch(shingle_list, num_perm, seed):
    mh = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash)
    for s in shingle_list:
        mh.update(s.encode("utf-8"))
    return mh.hashvalues


def test_permutations_are_datasketchs():
    a, b = minhash.permutations(128, 42)
    ref = MinHash(num_perm=128, seed=42).permutations
    assert np.array_equal(a, ref[0]) and np.array_equal(b, ref[1])


@pytest.mark.parametrize("chunk", [7, minhash.CHUNK])
def test_signatures_equal_datasketch_with_the_same_hash_family(monkeypatch, chunk):
    # A tiny chunk makes documents straddle chunk boundaries.
    monkeypatch.setattr(minhash, "CHUNK", chunk)
    matching = normalize_for_matching(pa.array(TEXTS), MatchNormalizeConfig())
    hashes, offsets = shingle_hashes(matching, "char", 5)
    sigs = minhash.signatures(hashes, offsets, 64, 3)
    for d, text in enumerate(matching.to_pylist()):
        assert np.array_equal(sigs[d], _datasketch(shingles(text, "char", 5), 64, 3))


def test_document_without_shingles_has_datasketchs_empty_signature():
    sigs = minhash.signatures(np.array([5, 6], dtype=np.uint32), np.array([0, 0, 2]), 16, 1)
    assert np.array_equal(sigs[0], MinHash(num_perm=16, seed=1).hashvalues)
    assert np.array_equal(sigs[1], _datasketch_hashes([5, 6], 16, 1))


def _datasketch_hashes(values, num_perm, seed):
    mh = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    for v in values:
        mh.update(v)
    return mh.hashvalues


def test_jaccard_estimate_tracks_true_jaccard():
    base = [f"w{i}" for i in range(400)]
    other = base[:300] + [f"v{i}" for i in range(100)]  # true Jaccard 300/500 = 0.6
    text = pa.array([" ".join(base), " ".join(other)])
    hashes, offsets = shingle_hashes(normalize_for_matching(text, MatchNormalizeConfig()), "word", 1)
    sigs = minhash.signatures(hashes, offsets, 256, 1)
    assert abs(minhash.jaccard_estimate(sigs[0], sigs[1]) - 0.6) < 0.1


def test_guessed_languages():
    texts = pa.array(
        [
            "서울은 대한민국의 수도이다.",
            "東京は日本の首都です。",
            "北京是中国的首都。",
            "The capital of France is Paris, and it is large.",
            "La capital de Francia es París y es muy grande.",
            "12345 !!!",
        ]
    )
    assert guess_language(texts).to_pylist() == ["ko", "ja", "zh", "en", "es", "und"]


def test_given_languages_win_and_gaps_are_guessed():
    texts = pa.array(["北京是中国的首都。", "北京是中国的首都。"])
    assert resolve_languages(texts, pa.array(["ja", None])).to_pylist() == ["ja", "zh"]


def test_document_signatures_use_each_languages_shingles():
    cfg = DedupConfig(num_perm=32, shingles={"en": ShingleOverride(unit="word", size=2)})
    texts = pa.array(["one two three four", "你好世界再见朋友"])
    sigs = document_signatures(texts, pa.array(["en", "zh"]), cfg)
    matching = normalize_for_matching(texts, cfg.normalize).to_pylist()
    assert np.array_equal(sigs[0], _datasketch(shingles(matching[0], "word", 2), 32, cfg.seed))
    assert np.array_equal(sigs[1], _datasketch(shingles(matching[1], "char", 5), 32, cfg.seed))
