"""The one string hash: stable values, seeds, nulls, and the 128-bit digest's low half."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import xxhash

from filters.hashing import string_digests, string_hashes, unit_interval


def test_hashes_are_xxh3_of_utf8_and_seeded():
    values = pa.array(["a", "한국어", "", None])
    got = string_hashes(values, seed=7)
    expected = [xxhash.xxh3_64_intdigest(v.encode("utf-8"), 7) for v in ["a", "한국어", "", ""]]
    assert got.tolist() == expected
    assert string_hashes(values).tolist() != got.tolist()


def test_chunked_input_hashes_like_one_array():
    chunked = pa.chunked_array([["x", "y"], ["z"]])
    assert string_hashes(chunked).tolist() == string_hashes(pa.array(["x", "y", "z"])).tolist()


def test_digests_are_128_bit_and_low_half_matches():
    digests, low = string_digests(pa.array(["same", "same", "other"]))
    assert digests.type == pa.binary(16)
    assert digests[0] == digests[1] != digests[2]
    assert low[0] == int.from_bytes(xxhash.xxh3_128_digest(b"same")[:8], "little")


def test_unit_interval_is_in_range():
    u = unit_interval(np.array([0, 2**64 - 1], dtype=np.uint64))
    assert u[0] == 0.0 and 0.999 < u[1] < 1.0
