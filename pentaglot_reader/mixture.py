"""A language mixture: the token share of each language in a training set.

A mixture names a target token share per language and how many times at most
each language may be repeated.  The mixed set holds ``tokens`` tokens (by
default as many as the shard set), so language ``l`` gets ``share_l * tokens``
of them: ``full_passes`` whole passes over its documents plus a seeded subset
of one more pass for the rest -- down-sampling a plentiful language (no full
pass) and repeating a scarce one (several).  A target beyond ``max_epochs``
passes is refused before any work, naming the best share the cap allows.

Which documents fill a partial pass is decided per document without any
global order: each document gets a seeded hash key, bucketed into
``KEY_BUCKETS``, and the subset is every document whose bucket lies below a
cut chosen from the tokens per bucket.  A Ray job sums per-shard histograms
and a reader in one process computes the same ones, so the export and the
reader's epoch 0 hold exactly the same documents, and the token shares are
met to within a bucket's tokens (1/4096 of a language).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from pentaglot_reader.permutation import mix64

KEY_BITS = 12
KEY_BUCKETS = 1 << KEY_BITS
DEFAULT_MAX_EPOCHS = 4.0  # repeating data-constrained text up to ~4 times costs little (Muennighoff et al., 2023)


class MixtureError(ValueError):
    """A mixture the shard set cannot meet; the message names the language and what is possible."""


@dataclass(frozen=True)
class Mixture:
    """Target token shares (adding up to 1) and per-language epoch caps."""

    shares: dict[str, float]
    max_epochs: dict[str, float] = field(default_factory=dict)
    default_max_epochs: float = DEFAULT_MAX_EPOCHS
    tokens: int | None = None

    def cap(self, lang: str) -> float:
        return self.max_epochs.get(lang, self.default_max_epochs)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Mixture":
        return cls(**data)


@dataclass(frozen=True)
class LanguagePlan:
    """One language's part of the mixed set: whole passes plus tokens wanted from one partial pass."""

    lang: str
    share: float
    available_tokens: int
    target_tokens: float
    full_passes: int
    remainder: float


def plan(mixture: Mixture, tokens_by_lang: dict[str, int]) -> list[LanguagePlan]:
    """Each language with a share, in name order; MixtureError when a share needs more passes than allowed."""
    if any(s < 0 for s in mixture.shares.values()) or sum(mixture.shares.values()) <= 0:
        raise MixtureError("mixture shares must be >= 0 and not all zero")
    norm = sum(mixture.shares.values())
    total = mixture.tokens if mixture.tokens is not None else sum(tokens_by_lang.values())
    plans = []
    for lang in sorted(mixture.shares):
        share = mixture.shares[lang] / norm
        if share == 0:
            continue
        available = int(tokens_by_lang.get(lang, 0))
        target = share * total
        if target > mixture.cap(lang) * available * (1 + 1e-9):
            best = min(1.0, mixture.cap(lang) * available / total) if total else 0.0
            held = f"{available / sum(tokens_by_lang.values()):.2%} of the shard set's tokens" if available else "no tokens"
            raise MixtureError(
                f"mixture: {lang} at a share of {share:.2%} needs {target / max(available, 1):,.1f} epochs of its "
                f"{available:,} tokens ({held}) but max_epochs allows {mixture.cap(lang):g}; the best achievable "
                f"share of {lang} is {best:.2%} (lower its share, raise its max_epochs or lower mixture.tokens)"
            )
        passes = math.floor(target / available + 1e-9) if available else 0
        plans.append(LanguagePlan(lang, share, available, target, passes, max(target - passes * available, 0.0)))
    return plans


def _lang_key(lang: str, seed: int, epoch: int) -> np.uint64:
    digest = int.from_bytes(hashlib.sha256(lang.encode("utf-8")).digest()[:4], "little")
    return np.random.SeedSequence([seed, epoch, digest]).generate_state(1, np.uint64)[0]


def key_buckets(doc_index: np.ndarray, lang: str, seed: int, epoch: int) -> np.ndarray:
    """Each document's key bucket for this language, seed and epoch (documents by global index)."""
    keys = mix64(np.asarray(doc_index, dtype=np.int64).astype(np.uint64), _lang_key(lang, seed, epoch))
    return (keys >> np.uint64(64 - KEY_BITS)).astype(np.int64)


def bucket_histogram(buckets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Tokens and documents per key bucket: an int64 array ``[2, KEY_BUCKETS]``."""
    return np.stack(
        [
            np.bincount(buckets, weights=lengths, minlength=KEY_BUCKETS).astype(np.int64),
            np.bincount(buckets, minlength=KEY_BUCKETS).astype(np.int64),
        ]
    )


def cut(histogram: np.ndarray, remainder: float) -> int:
    """The bucket bound whose documents below it come nearest ``remainder`` tokens."""
    below = np.concatenate([[0], np.cumsum(histogram[0])])
    return int(np.argmin(np.abs(below - remainder)))


@dataclass(frozen=True)
class Achieved:
    """What a mixture reached for one language."""

    lang: str
    target_share: float
    share: float
    tokens: int
    docs: int
    epochs: float
    full_passes: int

    def to_dict(self) -> dict:
        return asdict(self)


def achieved(plans: list[LanguagePlan], histograms: dict[str, np.ndarray], cuts: dict[str, int],
             docs_by_lang: dict[str, int]) -> list[Achieved]:
    """Tokens, documents, epochs and shares reached, per language, from the summed histograms and cuts."""
    taken = {}
    for p in plans:
        below = histograms[p.lang][:, : cuts[p.lang]].sum(axis=1)
        taken[p.lang] = (p.full_passes * p.available_tokens + int(below[0]), p.full_passes * docs_by_lang.get(p.lang, 0) + int(below[1]))
    total = sum(t for t, _ in taken.values()) or 1
    return [
        Achieved(p.lang, p.share, taken[p.lang][0] / total, taken[p.lang][0], taken[p.lang][1],
                 taken[p.lang][0] / p.available_tokens if p.available_tokens else 0.0, p.full_passes)
        for p in plans
    ]
