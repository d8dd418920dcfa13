"""The n-gram index of the evaluation items, and finding contamination with it.

The index is three arrays: n-gram hashes (sorted), the item each belongs to,
and per item how many distinct n-grams it has (word n-grams of its spaced
text plus character n-grams of its Chinese and Japanese text, see
``decontam_ngrams``).  12 bytes per (n-gram, item).

A document is contaminated by an item when it contains at least
``min_overlap`` of the item's distinct n-grams, the item-coverage rule of
PaLM's and Llama 2's contamination studies: a long item copied in part still
counts, and one shared 13-gram (a quotation, a set phrase) doesn't.  N-grams
that occur in more than ``max_ngram_items`` items are phrases, not content,
and never match (they still count in the item's total).

Lookup reads each document n-gram's bucket (the hash's top bits) in a table of
where each bucket's keys start among the sorted hashes, then compares the few
keys there: two gathers per n-gram, no sort and no binary search.  Distinct
(document, n-gram) pairs are then counted per item with two integer sorts:
numpy over the batch, no per-document Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from filters.decontam_config import DecontaminateConfig
from filters.decontam_eval_sets import EvalItems
from filters.decontam_fold import folded_batch
from filters.decontam_ngrams import UNITS, Ngrams, ngrams, streams


@dataclass(frozen=True)
class Lookup:
    """Sorted distinct keys, where each key's items start in ``items``, and the buckets."""

    keys: np.ndarray  # uint64, sorted, distinct
    starts: np.ndarray  # int64, len(keys) + 1
    items: np.ndarray  # int32, grouped by key
    buckets: np.ndarray  # int32/int64, see key_buckets

    @staticmethod
    def of(keys: np.ndarray, items: np.ndarray) -> "Lookup":
        """From (key, item) pairs sorted by key."""
        first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        distinct = keys[first]
        return Lookup(distinct, np.r_[first, len(keys)].astype(np.int64), items, key_buckets(distinct))

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.starts.nbytes + self.items.nbytes + self.buckets.nbytes


@dataclass(frozen=True)
class NgramIndex:
    lookup: Lookup
    totals: np.ndarray  # int32 per item: its distinct n-grams, both units
    labels: pa.Array  # "<set>:<item id>" per item
    sets: np.ndarray  # set index per item
    set_names: list[str]

    @property
    def nbytes(self) -> int:
        return self.lookup.nbytes + self.totals.nbytes + self.labels.nbytes + self.sets.nbytes


def key_buckets(keys: np.ndarray) -> np.ndarray:
    """Where the sorted ``keys`` of each top-bits bucket start, one more entry at
    the end: bucket ``b`` holds ``keys[buckets[b]:buckets[b + 1]]``.  About one
    bucket per key (4 bytes a key), so most buckets hold no key or one, and an
    n-gram missing from the index mostly stops at an empty bucket."""
    bits = _bucket_bits(len(keys))
    counts = np.bincount((keys >> np.uint64(64 - bits)).astype(np.int64), minlength=1 << bits)
    buckets = np.zeros((1 << bits) + 1, dtype=np.int32 if len(keys) < 2**31 else np.int64)
    np.cumsum(counts, out=buckets[1:])
    return buckets


def _bucket_bits(n_keys: int) -> int:
    return max(10, int(np.ceil(np.log2(max(n_keys, 1)))))


def find_keys(lookup: Lookup, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``hashes``, position in ``lookup.keys``) of every hash in the index.

    Probes the keys of each hash's bucket in order, all hashes at once: each
    round compares one key per still-open hash (buckets hold a few keys at most).
    """
    bits = int(len(lookup.buckets) - 1).bit_length() - 1
    bucket = (hashes >> np.uint64(64 - bits)).astype(np.int64)
    at, end = lookup.buckets[bucket], lookup.buckets[bucket + 1]
    pos = np.flatnonzero(end > at)
    at, end = at[pos].astype(np.int64), end[pos]
    found_pos, found_at = [], []
    while len(pos):
        hit = lookup.keys[at] == hashes[pos]
        found_pos.append(pos[hit])
        found_at.append(at[hit])
        at += 1
        open_ = ~hit & (at < end)
        pos, at, end = pos[open_], at[open_], end[open_]
    if not found_pos:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(found_pos), np.concatenate(found_at)


def _entries(lookup: Lookup, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index into ``at``, item) for every item of every key ``at``."""
    lo = lookup.starts[at]
    hits = lookup.starts[at + 1] - lo
    row = np.repeat(np.arange(len(at)), hits)
    entry = np.arange(len(row)) + np.repeat(lo - (np.cumsum(hits) - hits), hits)
    return row, lookup.items[entry]


def _sizes(cfg: DecontaminateConfig) -> dict[str, int]:
    return {"word": cfg.word_size, "char": cfg.char_size}


def text_ngrams(texts: pa.Array, cfg: DecontaminateConfig) -> Ngrams:
    """Every n-gram of every text, both units, each from its script's stream."""
    folded, classes, offsets = folded_batch(texts)
    stream = streams(classes, cfg.hangul_unit)
    return Ngrams.concat([ngrams(folded, offsets, unit, _sizes(cfg)[unit], stream[unit]) for unit in UNITS])


def distinct_pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (first, second) pairs sorted by first then second (one lexsort;
    ``np.unique(axis=1)`` is 5x slower)."""
    order = np.lexsort((second, first))
    first, second = first[order], second[order]
    keep = np.r_[True, (first[1:] != first[:-1]) | (second[1:] != second[:-1])] if len(order) else np.zeros(0, bool)
    return first[keep], second[keep]


def item_ngrams(texts: pa.Array, owner: np.ndarray, n_items: int, cfg: DecontaminateConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (hash, item) pairs of every field text, and each item's count of them."""
    grams = text_ngrams(texts, cfg)
    keys, owners = distinct_pairs(grams.hashes, owner[grams.doc])
    totals = np.bincount(owners, minlength=n_items).astype(np.int32)
    return keys, owners.astype(np.int32), totals


def drop_common(keys: np.ndarray, items: np.ndarray, max_items: int) -> tuple[np.ndarray, np.ndarray]:
    """Sort by key and drop keys shared by more than ``max_items`` items."""
    order = np.argsort(keys, kind="stable")
    keys, items = keys[order], items[order]
    if not len(keys):
        return keys, items
    first = np.r_[True, keys[1:] != keys[:-1]]
    run = np.diff(np.r_[np.flatnonzero(first), len(keys)])
    keep = np.repeat(run <= max_items, run)
    return keys[keep], items[keep]


def build_index(items: EvalItems, cfg: DecontaminateConfig) -> NgramIndex:
    keys, owners, totals = item_ngrams(items.texts, items.owner, len(items.labels), cfg)
    keys, owners = drop_common(keys, owners, cfg.max_ngram_items)
    return NgramIndex(Lookup.of(keys, owners), totals, pa.array(items.labels, pa.string()), items.sets, items.set_names)


def matches(lookup: Lookup, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in ``hashes``, item) for every item of every hash in the index."""
    pos, at = find_keys(lookup, hashes)
    row, item = _entries(lookup, at)
    return pos[row], item


@dataclass(frozen=True)
class Contamination:
    """What a batch contains: flagged (document, item) pairs, and where to find their spans.

    Spans are only wanted for masking, so ``spans()`` works them out on demand
    from every found n-gram occurrence (``found_*``) and the lookup.
    """

    doc: np.ndarray
    item: np.ndarray
    found_doc: np.ndarray
    found_start: np.ndarray
    found_end: np.ndarray
    found_key: np.ndarray
    lookup: Lookup
    n_items: int

    def spans(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(document, start, end) of every occurrence of an n-gram of an item that flagged its document."""
        flagged = self.doc * self.n_items + self.item  # sorted: find builds them in that order
        row, item = _entries(self.lookup, self.found_key)
        pair = self.found_doc[row] * self.n_items + item
        slot = np.minimum(np.searchsorted(flagged, pair), max(len(flagged) - 1, 0))
        row = row[flagged[slot] == pair] if len(flagged) else row[:0]
        return self.found_doc[row], self.found_start[row], self.found_end[row]


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct integers, sorted, and how often each occurs (``np.unique`` is 10x slower)."""
    values = np.sort(values)
    first = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if len(values) else np.zeros(0, np.int64)
    return values[first], np.diff(np.r_[first, len(values)])


def find(texts: pa.Array, lookup: Lookup, totals: np.ndarray, cfg: DecontaminateConfig) -> Contamination:
    """Documents of ``texts`` that contain ``min_overlap`` of some item's n-grams.

    An item's n-grams found in a document are counted once each, however often
    the document repeats them: distinct (document, key) first, then their items.
    """
    grams = text_ngrams(texts, cfg)
    pos, at = find_keys(lookup, grams.hashes)
    doc = grams.doc[pos]
    n_keys, n_items = max(len(lookup.keys), 1), len(totals)
    distinct, _ = _counted(doc * n_keys + at)
    row, item = _entries(lookup, distinct % n_keys)
    pairs, found = _counted(distinct[row] // n_keys * n_items + item)
    flagged = pairs[found >= np.maximum(1, np.ceil(cfg.min_overlap * totals[pairs % n_items]))]
    return Contamination(flagged // n_items, flagged % n_items, doc, grams.start[pos], grams.end[pos], at, lookup, n_items)


def find_in_index(texts: pa.Array, index: NgramIndex, cfg: DecontaminateConfig) -> Contamination:
    return find(texts, index.lookup, index.totals, cfg)
