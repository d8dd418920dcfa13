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

Lookup is ``searchsorted`` of every document n-gram in the sorted hashes, then
distinct (document, item, n-gram) triples counted with one lexsort: numpy over
the batch, no per-document Python.
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
    """Sorted distinct keys, where each key's items start in ``items``, and a screen."""

    keys: np.ndarray  # uint64, sorted, distinct
    starts: np.ndarray  # int64, len(keys) + 1
    items: np.ndarray  # int32, grouped by key
    screen: np.ndarray  # uint8, see key_screen

    @staticmethod
    def of(keys: np.ndarray, items: np.ndarray) -> "Lookup":
        """From (key, item) pairs sorted by key."""
        first = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        return Lookup(keys[first], np.r_[first, len(keys)].astype(np.int64), items, key_screen(keys))

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.starts.nbytes + self.items.nbytes + self.screen.nbytes


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


def key_screen(keys: np.ndarray) -> np.ndarray:
    """One byte per slot of the hash's top bits, 1 where some key falls: a
    document n-gram whose slot is 0 is not in the index, decided with one
    gather instead of a binary search (at ~16 slots per key, ~6% of clean
    n-grams go on to the search, which was 2/3 of the lookup time)."""
    bits = int(np.clip(np.ceil(np.log2(max(len(keys), 1) * 16)), 12, 28))
    screen = np.zeros(1 << bits, dtype=np.uint8)
    screen[keys >> np.uint64(64 - bits)] = 1
    return screen


def _screened(hashes: np.ndarray, screen: np.ndarray) -> np.ndarray:
    """Indices of the hashes whose slot holds some key."""
    bits = int(len(screen)).bit_length() - 1
    return np.flatnonzero(screen[hashes >> np.uint64(64 - bits)])


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
    candidates = _screened(hashes, lookup.screen)
    queries = hashes[candidates]
    # Searched in sorted order: neighbouring queries then share cache lines (2.5x faster).
    order = np.argsort(queries)
    at = np.empty(len(queries), dtype=np.int64)
    at[order] = np.searchsorted(lookup.keys, queries[order])
    at = np.minimum(at, max(len(lookup.keys) - 1, 0))
    found = lookup.keys[at] == queries if len(lookup.keys) else np.zeros(len(candidates), bool)
    candidates, at = candidates[found], at[found]
    lo = lookup.starts[at]
    hits = lookup.starts[at + 1] - lo
    entry = np.repeat(lo, hits) + np.arange(int(hits.sum())) - np.repeat(np.cumsum(hits) - hits, hits)
    return np.repeat(candidates, hits), lookup.items[entry]


@dataclass(frozen=True)
class Contamination:
    """What a batch contains: flagged (document, item) pairs and the spans of their n-grams."""

    doc: np.ndarray
    item: np.ndarray
    span_doc: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray


def find(texts: pa.Array, lookup: Lookup, totals: np.ndarray, cfg: DecontaminateConfig) -> Contamination:
    """Documents of ``texts`` that contain ``min_overlap`` of some item's n-grams."""
    grams = text_ngrams(texts, cfg)
    gram, item = matches(lookup, grams.hashes)
    doc, item = grams.doc[gram], item.astype(np.int64)
    n_items = len(totals)
    pair = doc * n_items + item
    pairs, found = np.unique(distinct_pairs(pair, grams.hashes[gram])[0], return_counts=True)
    pair_doc, pair_item = pairs // n_items, pairs % n_items
    flagged = found >= np.maximum(1, np.ceil(cfg.min_overlap * totals[pair_item]))
    matched = np.isin(pair, pairs[flagged])
    return Contamination(
        pair_doc[flagged], pair_item[flagged], doc[matched], grams.start[gram[matched]], grams.end[gram[matched]]
    )


def find_in_index(texts: pa.Array, index: NgramIndex, cfg: DecontaminateConfig) -> Contamination:
    return find(texts, index.lookup, index.totals, cfg)
