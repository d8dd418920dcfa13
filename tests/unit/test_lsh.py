import numpy as np
import pyarrow as pa
import pytest
from datasketch.lsh import _optimal_param

from filters.lsh import ALL_PAIRS_MAX_BUCKET, band_keys, bucket_pairs, label_salts, optimal_bands, verified


@pytest.mark.parametrize("threshold,num_perm", [(0.5, 64), (0.8, 128), (0.9, 256), (0.7, 100)])
def test_bands_and_rows_match_datasketch(threshold, num_perm):
    assert optimal_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_bad_threshold_is_rejected():
    with pytest.raises(ValueError):
        optimal_bands(1.0, 128)


def _sigs(rows):
    return np.array(rows, dtype=np.uint32)


def test_band_keys_equal_only_where_a_band_and_the_salt_agree():
    sigs = _sigs([[1, 2, 3, 4], [1, 2, 9, 9], [1, 2, 3, 4]])
    salts = label_salts(pa.array(["en", "en", "es"]))
    keys = band_keys(sigs, 2, 2, salts)
    assert keys[0, 0] == keys[1, 0] and keys[0, 1] != keys[1, 1]
    assert not set(keys[2]) & set(keys[0])  # same signature, other language
    assert keys[0, 0] != keys[0, 1]  # band index is part of the key


def test_salts_are_stable_and_null_safe():
    salts = label_salts(pa.array(["ko", None, "ko"]))
    assert salts[0] == salts[2] and salts[1] == 0
    assert salts[0] == label_salts(pa.array(["ko"]))[0]


def test_too_many_bands_are_rejected():
    with pytest.raises(ValueError):
        band_keys(_sigs([[1, 2, 3]]), 2, 2, np.zeros(1, dtype=np.uint64))


def test_small_buckets_give_all_pairs_big_ones_a_star():
    n_big = ALL_PAIRS_MAX_BUCKET + 4
    keys = np.array([7, 7, 7, 3] + [5] * n_big, dtype=np.uint64)
    members = np.arange(len(keys))[::-1].copy()
    left, right = bucket_pairs(keys, members)
    pairs = set(zip(left.tolist(), right.tolist()))
    small = {(members[1], members[0]), (members[2], members[0]), (members[2], members[1])}
    small = {(int(min(a, b)), int(max(a, b))) for a, b in small}
    big_members = sorted(members[4:].tolist())
    star = {(big_members[0], m) for m in big_members[1:]}
    assert pairs == small | star
    assert all(a < b for a, b in pairs)


def test_no_pairs_from_singletons_or_empty_input():
    for keys in (np.array([1, 2, 3], dtype=np.uint64), np.array([], dtype=np.uint64)):
        left, right = bucket_pairs(keys, np.arange(len(keys)))
        assert len(left) == len(right) == 0


def test_verification_uses_the_full_signature():
    a = _sigs([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] * 2)
    b = _sigs([[1, 2, 3, 4, 5, 6, 7, 8, 0, 0], [1, 2, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert verified(a, b, 0.8).tolist() == [True, False]
