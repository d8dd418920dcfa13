"""Which sample a training job sees where: epoch order, language mixture, split.

Everything here is arithmetic on indices, shared by every rank and worker, so
they agree on one global order without talking to each other:

* the epoch order is a seeded permutation (``Permutation``) of the epoch's
  samples, keyed by (seed, epoch);
* language mixture weights decide how many documents of each language an epoch
  holds (target token shares; a language is repeated or subsampled, every pass
  over it in a fresh order);
* global batch ``g`` is positions ``[start + g*b, start + (g+1)*b)``; rank ``r``
  of ``R`` takes ``g = j*R + r`` for its j-th batch, and dataloader worker ``w``
  of ``W`` produces that rank's batches ``j = w, w+W, ...`` -- the order in
  which PyTorch's DataLoader collects them.  After every rank finished j
  batches, exactly the positions below ``start + j*R*b`` have been seen, so a
  checkpoint is one number and resuming works for any new ``R``, ``W`` or ``b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.shards.permutation import Permutation


def mixture_counts(
    lengths: np.ndarray, lang_codes: np.ndarray, lang_names: list[str], weights: dict[str, float]
) -> np.ndarray:
    """Documents per language in one epoch so tokens split as ``weights`` says.

    The epoch keeps the dataset's total token count; a language's document
    count is its token target divided by its mean document length.
    """
    unknown = sorted(set(weights) - set(lang_names))
    if unknown:
        raise ValueError(f"mixture weights name languages absent from the shards: {', '.join(unknown)}")
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("mixture weights must be >= 0 and not all zero")
    total = sum(weights.values())
    docs = np.bincount(lang_codes, minlength=len(lang_names)).astype(np.float64)
    tokens = np.bincount(lang_codes, weights=lengths, minlength=len(lang_names))
    share = np.array([weights.get(name, 0.0) / total for name in lang_names])
    mean_len = np.divide(tokens, docs, out=np.ones_like(tokens), where=docs > 0)
    return np.rint(share * tokens.sum() / np.maximum(mean_len, 1e-9)).astype(np.int64)


class EpochOrder:
    """Document at each position of an epoch, for a fixed seed.

    Without weights an epoch is every document once.  With weights it is
    ``counts[l]`` documents of language ``l``: whole shuffled passes over that
    language, then a shuffled prefix of one more pass.
    """

    def __init__(
        self,
        lengths: np.ndarray,
        lang_codes: np.ndarray,
        lang_names: list[str],
        seed: int,
        weights: dict[str, float] | None = None,
    ):
        self.seed = seed
        self.num_docs = len(lengths)
        if weights:
            self.counts = mixture_counts(lengths, lang_codes, lang_names, weights)
            order = np.argsort(lang_codes, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(lang_codes, minlength=len(lang_names)))])
            self.lang_docs = [order[bounds[c] : bounds[c + 1]] for c in range(len(lang_names))]
            self.starts = np.concatenate([[0], np.cumsum(self.counts)])
            self.num_samples = int(self.starts[-1])
        else:
            self.counts = None
            self.num_samples = self.num_docs

    def docs(self, epoch: int, positions) -> np.ndarray:
        slots = Permutation(self.num_samples, (self.seed, epoch))(positions)
        if self.counts is None:
            return slots
        lang = np.searchsorted(self.starts, slots, side="right") - 1
        within = slots - self.starts[lang]
        out = np.empty_like(slots)
        sizes = np.array([len(d) for d in self.lang_docs], dtype=np.int64)
        rounds = within // np.maximum(sizes[lang], 1)
        for code, rnd in np.unique(np.stack([lang, rounds]), axis=1).T.tolist():
            hit = (lang == code) & (rounds == rnd)
            perm = Permutation(int(sizes[code]), (self.seed, epoch, code, rnd))
            out[hit] = self.lang_docs[code][perm(within[hit] - rnd * sizes[code])]
        return out


@dataclass(frozen=True)
class Split:
    """One consumer's share of an epoch: rank ``rank`` of ``world_size``, worker ``worker`` of ``num_workers``."""

    rank: int = 0
    world_size: int = 1
    worker: int = 0
    num_workers: int = 1

    def __post_init__(self):
        if not (0 <= self.rank < self.world_size and 0 <= self.worker < self.num_workers):
            raise ValueError(f"bad split: rank {self.rank}/{self.world_size}, worker {self.worker}/{self.num_workers}")


def num_global_batches(num_samples: int, start: int, batch_size: int, world_size: int, drop_last: bool) -> int:
    """Global batches left in the epoch; with ``drop_last`` only full rounds of full batches,
    so every rank gets the same number of steps (DDP needs that)."""
    left = max(num_samples - start, 0)
    if drop_last:
        return (left // (batch_size * world_size)) * world_size
    return -(-left // batch_size)


def consumer_batches(
    num_samples: int, start: int, batch_size: int, split: Split, drop_last: bool = False
):
    """(j, positions, consumed) for each batch of this consumer, in the rank's order.

    ``j`` is the batch's index within its rank; ``consumed`` is the epoch
    position every rank has passed once all ranks finished batch ``j``.
    """
    total = num_global_batches(num_samples, start, batch_size, split.world_size, drop_last)
    j = split.worker
    while (g := j * split.world_size + split.rank) < total:
        lo = start + g * batch_size
        positions = np.arange(lo, min(lo + batch_size, num_samples), dtype=np.int64)
        consumed = min(start + (j + 1) * split.world_size * batch_size, num_samples)
        yield j, positions, consumed
        j += split.num_workers
