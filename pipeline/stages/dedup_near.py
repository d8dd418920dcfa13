"""Near-dedup on Ray: MinHash signatures, LSH banding, verification, components.

1. Signatures and band keys: ``map_batches`` over the live rows that exact
   dedup did not decide are copies (each block looks its own decisions up by
   tag, ``dedup_lookup.py``); ``filters``, all vectorized; kept once,
   since banding and verification read them.
2. Banding: one row per (document, band) holding only the 64-bit bucket key
   (band index and language mixed in) and the id, hash-shuffled on the key;
   each partition turns its buckets into candidate pairs.  Signatures do not
   travel through this shuffle, which keeps it at ~40 bytes per document-band.
3. Verification: the pairs are joined with the signatures of both ends by two
   hash shuffles on id (pairs and signature rows share one schema, so each
   partition looks its pairs' signatures up with ``index_in``), and only pairs
   whose full-signature Jaccard estimate reaches the threshold become edges,
   so a banding false positive never merges two clusters.
4. Components of the verified edges as Ray work (``dedup_components.py``);
   their ``id -> cluster`` rows are composed with exact dedup's decisions
   and carry each document's block tag (``dedup_apply.py``).  The driver
   holds counts only.

Partitions: band rows are ~40 bytes each (key, id, partition) and the join
shuffles carry the signatures, so every shuffle here gets as many partitions
as keep the larger of the two within the per-task memory budget.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.dedup_config import DedupConfig
from filters.dedup_signatures import document_signatures, resolve_languages
from filters.lsh import band_keys, bucket_pairs, label_salts, optimal_bands, verified
from pipeline.checkpoints import IN_STORE, Kept
from pipeline.documents import ID, TEXT, ensure_base_columns, live_mask
from pipeline.resources import StageResources, task_options
from pipeline.stages.components import LEFT, LEFT_PRIO, RIGHT, RIGHT_PRIO
from pipeline.stages.dedup_apply import composed
from pipeline.stages.dedup_components import cluster_mapping
from pipeline.stages.dedup_exact import (
    PART, keep_priority, keyed_rows, map_tables, num_partitions, partition_keys, partition_of, shuffle_partitions,
)
from pipeline.stages.dedup_lookup import TAG, TagLookup, tag_lookup

LANG = "lang"
# Documents per signature batch; within a batch, signatures are hashed over
# pieces of at most ``signature_piece_bytes`` of text, so a batch of long
# documents stays within the task budget (one document longer than a piece is
# hashed alone; the reader caps a record at 8 MiB by default).
SIGNATURE_BATCH = 32768
# Peak bytes of ``document_signatures`` per byte of text, measured
# (benchmarks/dedup_signature_memory.py): 39.7 on a 32,768-document batch of
# the synthetic corpus, 82.4 on one 8 MiB Latin-script document, 31.1 on a
# Chinese one.  The worst of them sizes the pieces.
SIGNATURE_BYTES_PER_TEXT_BYTE = 83
# Share of the task budget one signature call may take (the batch, its
# matching form and the output table share the rest).
SIGNATURE_SHARE = 1 / 2
# Bytes of one (document, band) row in the banding shuffle: key, id, partition.
BAND_ROW_BYTES = 40
_SIG, _PRIO, _KEYS, _KEY, _JID = "sig", "prio", "keys", "key", "jid"


# Rows of both verify joins: pair rows (LEFT, RIGHT set) and signature rows
# (JID, SIG, PRIO set) share one schema so a partition gets both.  Signatures
# are variable-size binary although every one has 4 * num_perm bytes: a null
# fixed-size value still takes its full width, and pair rows outnumber
# signature rows (~3 candidates per document, 18 bands at the defaults), so
# fixed-size null columns were ~1 KB of zeros per candidate row (pickled, per
# document: candidates 3,540 -> 273 B; the 1M-document stage spilled 10.9 GB
# before, nothing after, benchmarks/dedup_scale.py); a null here costs its
# 4-byte offset.
JOIN_SCHEMA = pa.schema(
    [(_JID, pa.string()), (LEFT, pa.string()), (RIGHT, pa.string()), ("left_sig", pa.binary()),
     (LEFT_PRIO, pa.float64()), (_SIG, pa.binary()), (_PRIO, pa.float64()), (PART, pa.int64())]
)


def _sig_matrix(arr: pa.Array, num_perm: int) -> np.ndarray:
    """Signatures (binary of 4 * num_perm bytes each) as an (n x num_perm) uint32 array."""
    arr = pc.cast(arr, pa.binary(4 * num_perm))
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    flat = np.frombuffer(arr.buffers()[1], dtype=np.uint32)
    return flat[arr.offset * num_perm : (arr.offset + len(arr)) * num_perm].reshape(len(arr), num_perm)


def signature_piece_bytes(budget_bytes: int) -> int:
    """Text bytes one signature call may hash within a task's memory budget."""
    return max(1, int(budget_bytes * SIGNATURE_SHARE / SIGNATURE_BYTES_PER_TEXT_BYTE))


def text_pieces(texts: pa.Array, max_bytes: int) -> np.ndarray:
    """Bounds of consecutive row ranges of ``texts``, each starting within
    ``max_bytes`` of text of its own start (at most ``max_bytes`` plus one document)."""
    lengths = pc.binary_length(texts).to_numpy(zero_copy_only=False).astype(np.int64)
    piece = (np.cumsum(lengths) - lengths) // max_bytes
    starts = np.flatnonzero(np.diff(piece, prepend=-1))
    return np.append(starts, len(texts)) if len(texts) else np.zeros(2, np.int64)


def piecewise_signatures(texts: pa.Array, langs: pa.Array, cfg: DedupConfig, max_bytes: int) -> np.ndarray:
    """``document_signatures`` over pieces of at most ``max_bytes`` of text (the same rows)."""
    bounds = text_pieces(texts, max_bytes)
    return np.concatenate(
        [document_signatures(texts.slice(a, b - a), langs.slice(a, b - a), cfg) for a, b in zip(bounds[:-1], bounds[1:])]
    )


def _signature_rows(table: pa.Table, cfg: DedupConfig, bands: int, rows: int, budget_bytes: int, exact: TagLookup) -> pa.Table:
    """id, tag, signature, band keys and keep priority of every live row that is no exact copy."""
    table = ensure_base_columns(table)
    _, copy = exact.match(table)
    live = table.filter(pc.and_(live_mask(table), pc.is_null(copy)))
    texts = pc.fill_null(live[TEXT], "").combine_chunks()
    langs = resolve_languages(texts, live[LANG] if LANG in live.column_names else None)
    sigs = piecewise_signatures(texts, langs, cfg, signature_piece_bytes(budget_bytes))
    keys = band_keys(sigs, bands, rows, label_salts(langs))
    n = live.num_rows
    sig_arr = pa.FixedSizeBinaryArray.from_buffers(pa.binary(4 * cfg.num_perm), n, [None, pa.py_buffer(sigs.tobytes())])
    return pa.table(
        {
            ID: pc.cast(live[ID], pa.string()),
            TAG: live[TAG],
            _SIG: sig_arr,
            _PRIO: keep_priority(live, cfg.keep),
            _KEYS: pa.FixedSizeListArray.from_arrays(pa.array(keys.ravel()), bands),
        }
    )


def _band_rows(table: pa.Table, bands: int, keys: int) -> pa.Table:
    band = table[_KEYS].combine_chunks().flatten().to_numpy()
    ids = table[ID].combine_chunks().take(pa.array(np.repeat(np.arange(table.num_rows), bands)))
    return pa.table({_KEY: pa.array(band), ID: ids, PART: partition_of(band, keys)})


def _candidates(table: pa.Table, keys: int) -> pa.Table:
    """Candidate pairs of one band partition, as join rows keyed by the left id."""
    table = table.sort_by([(_KEY, "ascending"), (ID, "ascending")])
    left, right = bucket_pairs(table[_KEY].to_numpy(), np.arange(table.num_rows))
    ids = table[ID].combine_chunks()
    left_ids = ids.take(pa.array(left))
    return keyed_rows(pa.table({LEFT: left_ids, RIGHT: ids.take(pa.array(right))}), JOIN_SCHEMA, LEFT, keys)


def _sig_join_rows(table: pa.Table, keys: int) -> pa.Table:
    return keyed_rows(pa.table({_JID: table[ID], _SIG: table[_SIG], _PRIO: table[_PRIO]}), JOIN_SCHEMA, _JID, keys)


def _split(table: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Pair rows and signature rows of a join partition."""
    is_pair = pc.is_valid(table[LEFT])
    return table.filter(is_pair), table.filter(pc.invert(is_pair))


def _lookup(jids, sig_rows: pa.Table) -> tuple[pa.Array, pa.Array]:
    """Signature and priority of each ``jid`` (every pair end has a signature row)."""
    at = pc.index_in(jids, value_set=sig_rows[_JID].combine_chunks())
    return sig_rows[_SIG].combine_chunks().take(at), sig_rows[_PRIO].combine_chunks().take(at)


def _attach_left(table: pa.Table, keys: int) -> pa.Table:
    """Round 1 (partitioned by left id): dedupe pairs, attach the left signature, re-key by right id."""
    pairs, sig_rows = _split(table)
    pairs = pairs.sort_by([(LEFT, "ascending"), (RIGHT, "ascending")])
    n = pairs.num_rows
    if n > 1:
        same = pc.and_(
            pc.equal(pairs[LEFT].slice(1), pairs[LEFT].slice(0, n - 1)),
            pc.equal(pairs[RIGHT].slice(1), pairs[RIGHT].slice(0, n - 1)),
        )
        pairs = pairs.filter(pa.concat_arrays([pa.array([True]), pc.invert(same.combine_chunks())]))
    sig, prio = _lookup(pairs[LEFT], sig_rows)
    right = pairs[RIGHT].combine_chunks()
    return keyed_rows(pa.table({LEFT: pairs[LEFT], RIGHT: right, "left_sig": sig, LEFT_PRIO: prio}), JOIN_SCHEMA, RIGHT, keys)


def _verify(table: pa.Table, num_perm: int, threshold: float) -> pa.Table:
    """Round 2 (partitioned by right id): keep pairs whose signatures agree enough."""
    pairs, sig_rows = _split(table)
    sig, prio = _lookup(pairs[RIGHT], sig_rows)
    ok = verified(_sig_matrix(pairs["left_sig"], num_perm), _sig_matrix(sig, num_perm), threshold)
    mask = pa.array(ok, pa.bool_())
    return pa.table(
        {LEFT: pairs[LEFT].filter(mask), RIGHT: pairs[RIGHT].filter(mask),
         LEFT_PRIO: pairs[LEFT_PRIO].filter(mask), RIGHT_PRIO: prio.filter(mask)}
    )


def verified_edges(
    tagged: ray.data.Dataset, exact: TagLookup, cfg: DedupConfig, res: StageResources, kept: Kept = IN_STORE
) -> tuple[ray.data.Dataset, ray.data.Dataset]:
    """All verified near-duplicate edges among the live documents of ``tagged``
    that ``exact`` does not name as copies, and the (id, tag) of each of those
    documents; both ``kept``."""
    bands, rows = optimal_bands(cfg.threshold, cfg.num_perm)
    opts = task_options(res)
    sigs = kept.keep(map_tables(tagged, _signature_rows, (cfg, bands, rows, res.memory_bytes, exact), opts, batch_size=SIGNATURE_BATCH), "signatures")
    tags = kept.keep(sigs.select_columns([ID, TAG]), "tags")
    parts = num_partitions(cfg, max(sigs.count() * bands * BAND_ROW_BYTES, 2 * sigs.size_bytes()), res)
    keys = partition_keys(cfg, parts)
    sig_rows = map_tables(sigs, _sig_join_rows, (keys,), opts)
    # One execution per shuffle: run as one, Ray Data started both joins'
    # signature rows first (every task at once), so a second copy of the
    # signatures sat in the store through the banding while the band map got
    # one CPU of two (16M documents: this step took 1.97x its 1M time per document).
    pairs = kept.keep(shuffle_partitions(map_tables(sigs, _band_rows, (bands, keys), opts), cfg, res, parts, lambda t: _candidates(t, keys)), "pairs")
    left_done = kept.keep(shuffle_partitions(pairs.union(sig_rows), cfg, res, parts, lambda t: _attach_left(t, keys)), "left_done")
    del pairs  # its blocks are freed before the second join
    edges = shuffle_partitions(left_done.union(sig_rows), cfg, res, parts, lambda t: _verify(t, cfg.num_perm, cfg.threshold))
    return kept.keep(edges, "edges"), tags


def near_decisions(tagged: ray.data.Dataset, exact: ray.data.Dataset, cfg: DedupConfig, res: StageResources, kept: Kept = IN_STORE) -> ray.data.Dataset:
    """Every document's decision (``exact`` ones carried into the near clusters), ``kept``."""
    edges, tags = verified_edges(tagged, tag_lookup(exact, cfg, res), cfg, res, kept)
    return composed(exact, cluster_mapping(edges, cfg, res), tags, cfg, res, kept)
