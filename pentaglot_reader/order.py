"""Which sample a training job sees where: epoch order, language mixture, split.

Everything here is arithmetic on indices, shared by every rank and worker, so
they agree on one global order without talking to each other:

* the epoch order is a seeded permutation (``Permutation``) of the epoch's
  samples, keyed by (seed, epoch);
* a language mixture (``pentaglot_reader.mixture``) decides which documents
  of each language an epoch holds: whole passes of the scarce languages, a
  seeded subset of the plentiful ones, a fresh subset every epoch;
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

from pentaglot_reader.mixture import Achieved, Mixture, achieved, bucket_histogram, cut, key_buckets, plan
from pentaglot_reader.permutation import Permutation


class EpochOrder:
    """Document at each position of an epoch, for a fixed seed.

    Without a mixture an epoch is every document once.  With one it is, per
    language, ``full_passes`` copies of all its documents plus the epoch's
    partial-pass subset (``pentaglot_reader.mixture``); the epoch permutation
    spreads the copies, so each pass is in a fresh order.
    """

    def __init__(
        self,
        lengths: np.ndarray,
        lang_codes: np.ndarray,
        lang_names: list[str],
        seed: int,
        mixture: Mixture | None = None,
    ):
        self.seed = seed
        self.num_docs = len(lengths)
        self.mixture = mixture
        self._epoch: tuple[int, list[np.ndarray], np.ndarray] | None = None
        if mixture is not None:
            tokens = np.bincount(lang_codes, weights=lengths, minlength=len(lang_names)).astype(np.int64)
            self.plans = plan(mixture, dict(zip(lang_names, tokens.tolist())))
            order = np.argsort(lang_codes, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(lang_codes, minlength=len(lang_names)))])
            code = {name: c for c, name in enumerate(lang_names)}
            self.lang_docs = [order[bounds[code[p.lang]] : bounds[code[p.lang] + 1]] for p in self.plans]
            self.lengths = lengths

    def histograms(self, epoch: int) -> dict[str, np.ndarray]:
        """Per planned language, tokens and documents per key bucket (what the export sums over shards)."""
        return {
            p.lang: bucket_histogram(key_buckets(docs, p.lang, self.seed, epoch), self.lengths[docs])
            for p, docs in zip(self.plans, self.lang_docs)
        }

    def _partials(self, epoch: int) -> tuple[list[np.ndarray], np.ndarray]:
        """Each language's partial-pass documents this epoch, and where each language's positions start."""
        if self._epoch is None or self._epoch[0] != epoch:
            partials = []
            for p, docs in zip(self.plans, self.lang_docs):
                buckets = key_buckets(docs, p.lang, self.seed, epoch)
                bound = cut(bucket_histogram(buckets, self.lengths[docs]), p.remainder)
                partials.append(docs[buckets < bound])
            counts = [p.full_passes * len(d) + len(part) for p, d, part in zip(self.plans, self.lang_docs, partials)]
            self._epoch = (epoch, partials, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        return self._epoch[1], self._epoch[2]

    def num_samples(self, epoch: int) -> int:
        if self.mixture is None:
            return self.num_docs
        return int(self._partials(epoch)[1][-1])

    def achieved(self, epoch: int) -> list[Achieved]:
        """Shares, tokens, documents and epochs per language that ``epoch`` reaches."""
        histograms = self.histograms(epoch)
        cuts = {p.lang: cut(histograms[p.lang], p.remainder) for p in self.plans}
        docs = {p.lang: len(d) for p, d in zip(self.plans, self.lang_docs)}
        return achieved(self.plans, histograms, cuts, docs)

    def docs(self, epoch: int, positions) -> np.ndarray:
        slots = Permutation(self.num_samples(epoch), (self.seed, epoch))(positions)
        if self.mixture is None:
            return slots
        partials, starts = self._partials(epoch)
        lang = np.searchsorted(starts, slots, side="right") - 1
        within = slots - starts[lang]
        out = np.empty_like(slots)
        for i, (p, docs, partial) in enumerate(zip(self.plans, self.lang_docs, partials)):
            hit = np.flatnonzero(lang == i)
            w = within[hit]
            whole = p.full_passes * len(docs)
            full = w < whole
            out[hit[full]] = docs[w[full] % max(len(docs), 1)]
            out[hit[~full]] = partial[w[~full] - whole]
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
