"""The memory guard refuses before training, naming the setting to change."""

from __future__ import annotations

import pytest

from tokenizer_training.memory import BASE_BYTES, check_memory, estimate_peak_bytes


def test_estimate_grows_with_sample_and_is_higher_for_bpe():
    assert estimate_peak_bytes("unigram", 10**9) == BASE_BYTES + 29 * 10**9
    assert estimate_peak_bytes("bpe", 10**8) > estimate_peak_bytes("unigram", 10**8)
    assert estimate_peak_bytes("unigram", 2 * 10**9) > BASE_BYTES + 29 * 2 * 10**9  # 64-bit suffix array


def test_guard_triggers_over_the_limit_with_the_fix_in_the_message():
    with pytest.raises(ValueError, match=r"tokenizer\.char_budget.*--max-memory-gb"):
        check_memory("unigram", 10**9, max_memory_gb=4)
    assert check_memory("unigram", 10**8, max_memory_gb=4) == estimate_peak_bytes("unigram", 10**8)
