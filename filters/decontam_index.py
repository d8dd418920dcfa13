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
class NgramIndex:
    keys: np.ndarray  # uint64, sorted
    items: np.ndarray  # int32, item of each key
    totals: np.ndarray  # int32 per item: its distinct n-grams, both units
    labels: pa.Array  # "<set>:<item id>" per item
    sets: np.ndarray  # set index per item
    set_names: list[str]

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.items.nbytes + self.totals.nbytes + self.labels.nbytes + self.sets.nbytes


def _sizes(cfg: DecontaminateConfig) -> dict[str, int]:
    return {"word": cfg.word_size, "char": cfg.char_size}


def text_ngrams(texts: pa.Array, cfg: DecontaminateConfig) -> Ngrams:
    """Every n-gram of every text, both units, each from its script's stream."""
    folded, classes, offsets = folded_batch(texts)
    stream = streams(classes, cfg.hangul_unit)
    return Ngrams.concat([ngrams(folded, offsets, unit, _sizes(cfg)[unit], stream[unit]) for unit in UNITS])


def item_ngrams(texts: pa.Array, owner: np.ndarray, n_items: int, cfg: DecontaminateConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (hash, item) pairs of every field text, and each item's count of them."""
    grams = text_ngrams(texts, cfg)
    pairs = np.unique(np.stack([owner[grams.doc].astype(np.uint64), grams.hashes]), axis=1)
    totals = np.bincount(pairs[0].astype(np.int64), minlength=n_items).astype(np.int32)
    return pairs[1], pairs[0].astype(np.int32), totals


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
    return NgramIndex(keys, owners, totals, pa.array(items.labels, pa.string()), items.sets, items.set_names)


@dataclass(frozen=True)
class Contamination:
    """What a batch contains: flagged (document, item) pairs and the spans of their n-grams."""

    doc: np.ndarray
    item: np.ndarray
    span_doc: np.ndarray
    span_start: np.ndarray
    span_end: np.ndarray


def find(texts: pa.Array, keys: np.ndarray, items: np.ndarray, totals: np.ndarray, cfg: DecontaminateConfig) -> Contamination:
    """Documents of ``texts`` that contain ``min_overlap`` of some item's n-grams."""
    grams = text_ngrams(texts, cfg)
    lo = np.searchsorted(keys, grams.hashes, side="left")
    hits = np.searchsorted(keys, grams.hashes, side="right") - lo
    gram = np.repeat(np.arange(len(grams.hashes)), hits)
    entry = lo[gram] + np.arange(len(gram)) - np.repeat(np.cumsum(hits) - hits, hits)
    doc, item = grams.doc[gram], items[entry].astype(np.int64)
    n_items = len(totals)
    pair = doc * n_items + item
    order = np.lexsort((grams.hashes[gram], pair))
    sorted_pair, sorted_key = pair[order], grams.hashes[gram][order]
    distinct = np.r_[True, (sorted_pair[1:] != sorted_pair[:-1]) | (sorted_key[1:] != sorted_key[:-1])] if len(order) else np.zeros(0, bool)
    pairs, found = np.unique(sorted_pair[distinct], return_counts=True)
    pair_doc, pair_item = pairs // n_items, pairs % n_items
    flagged = found >= np.maximum(1, np.ceil(cfg.min_overlap * totals[pair_item]))
    matched = np.isin(pair, pairs[flagged])
    return Contamination(
        pair_doc[flagged], pair_item[flagged], doc[matched], grams.start[gram[matched]], grams.end[gram[matched]]
    )


def find_in_index(texts: pa.Array, index: NgramIndex, cfg: DecontaminateConfig) -> Contamination:
    return find(texts, index.keys, index.items, index.totals, cfg)
