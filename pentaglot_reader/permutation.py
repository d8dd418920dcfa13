"""A seeded random permutation of ``range(n)`` evaluated pointwise, in O(1) memory.

A training set can hold billions of documents; materializing a shuffled index
per epoch in every dataloader worker would cost gigabytes each.  A keyed
Feistel network is a bijection on ``[0, 4**h)``; "cycle walking" (re-applying
it to the few outputs that land at or above ``n``) restricts it to a bijection
on ``[0, n)``.  Any position's element is computed directly, vectorized.
"""

from __future__ import annotations

import numpy as np

_ROUNDS = 6
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(x: np.ndarray, key: np.uint64) -> np.ndarray:
    """splitmix64's finalizer: a cheap, well-mixing 64-bit hash (wrapping multiply)."""
    z = x ^ key
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


class Permutation:
    """``perm(idx)`` gives the elements at positions ``idx`` of a shuffled ``range(n)``.

    ``key`` is any sequence of ints (seed, epoch, ...); equal keys give equal
    permutations on every machine.
    """

    def __init__(self, n: int, key: tuple[int, ...]):
        if n < 0:
            raise ValueError(f"permutation size must be >= 0, got {n}")
        self.n = n
        self.half_bits = max(1, (max(n - 1, 1).bit_length() + 1) // 2)
        self.mask = np.uint64((1 << self.half_bits) - 1)
        self.keys = np.random.SeedSequence(list(key)).generate_state(_ROUNDS, np.uint64)

    def _feistel(self, x: np.ndarray) -> np.ndarray:
        shift = np.uint64(self.half_bits)
        left, right = x >> shift, x & self.mask
        for k in self.keys:
            left, right = right, left ^ (mix64(right, k) & self.mask)
        return (left << shift) | right

    def __call__(self, idx) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.n):
            raise IndexError(f"positions must lie in [0, {self.n})")
        out = self._feistel(idx.astype(np.uint64))
        outside = out >= np.uint64(self.n)
        while outside.any():
            out[outside] = self._feistel(out[outside])
            outside = out >= np.uint64(self.n)
        return out.astype(np.int64)
