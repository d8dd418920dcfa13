"""The decontaminate stage: documents that contain evaluation items, found by n-gram overlap.

Output columns: ``contaminated_by`` (list of ``<set>:<item id>``, null when
clean) and, with ``action: reject``, ``drop_reason`` ``contamination``; with
``action: mask`` the document is kept and its matched spans are replaced.

Two ways to reach the index (``filters.decontam_index``), chosen by its
estimated size against ``index_memory_mb``:

* broadcast: built once on the driver, ``ray.put`` once, read zero-copy by
  every ``map_batches`` task from its node's object store;
* join: built on the driver a chunk of items at a time straight into the
  object store, then (1) document n-grams and index entries are hash-shuffled
  on the n-gram, each partition looks its documents' n-grams up in its share
  of the index; (2) the hits are grouped per document by a shuffle on id;
  (3) a left join on id brings each document its hits, and the same matching
  code runs against that document's hits as a tiny index.  Only the per-item
  totals and labels (a few bytes per item) are broadcast.

After the write, a per-set report (items, items seen, documents hit) is read
back from the output's ``contaminated_by`` column into stage.json.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.decontam_config import DecontaminateConfig
from filters.decontam_eval_sets import EvalItems, EvalSetError, read_eval_sets
from filters.decontam_index import Lookup, NgramIndex, build_index, distinct_pairs, drop_common, find, item_ngrams, matches, text_ngrams
from filters.hashing import hash_partition, string_partition
from filters.spans import merge_spans, replace_spans
from pipeline.documents import ID, TEXT, ensure_base_columns, live_mask, map_live, reject
from pipeline.errors import UserError
from pipeline.resources import ResourcesConfig, StageResources, task_options
from pipeline.runtime import materialized
from pipeline.stage_io import StageReport
from pipeline.stages.per_document import per_document
from pipeline.stages.stage_readback import add_to_stage_json, exploded
from pipeline.storage import Storage

CONTAMINATED_BY = "contaminated_by"
CONTAMINATION = "contamination"
_KEY, _ITEM, _PART = "_decon_key", "_decon_item", "_decon_part"
_KEYS, _ITEMS = "_decon_keys", "_decon_items"
# Index bytes per unit of item text: a (hash, item) entry in each of the two units.
_BYTES_PER_CHAR = 2 * 12
_ITEMS_PER_CHUNK = 50_000
MB = 1 << 20


def load_items(cfg: DecontaminateConfig) -> EvalItems:
    if not cfg.eval_sets:
        raise UserError("decontaminate: no evaluation sets; pass --eval-set PATH or set decontaminate.eval_sets")
    try:
        return read_eval_sets(cfg.eval_sets)
    except EvalSetError as err:
        raise UserError(f"decontaminate.eval_sets: {err}") from None


def eval_sets_fingerprint(cfg: DecontaminateConfig) -> list:
    """Every eval-set file with its size and mtime, so a run redoes the step when a set changes."""
    from pathlib import Path

    out = []
    for eval_set in cfg.eval_sets:
        path = Path(eval_set.path)
        if not path.exists():
            raise UserError(f"decontaminate.eval_sets: {path} does not exist; give a local file or datasets folder")
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        out += [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
    return out


def estimated_index_bytes(items: EvalItems) -> int:
    return int(pc.sum(pc.utf8_length(items.texts)).as_py() or 0) * _BYTES_PER_CHAR


# -- annotating a batch ------------------------------------------------------------------


def _annotate(table: pa.Table, lookup: Lookup, totals, labels: pa.Array, cfg: DecontaminateConfig) -> pa.Table:
    """Set contaminated_by on the live rows of ``table``; reject or mask them."""
    texts = pc.fill_null(table[TEXT], "").combine_chunks()
    found = find(texts, lookup, totals, cfg)
    order = np.lexsort((found.item, found.doc))
    column = per_document(table.num_rows, found.doc[order], labels.take(pa.array(found.item[order])))
    if CONTAMINATED_BY in table.column_names:
        table = table.drop_columns([CONTAMINATED_BY])
    table = table.append_column(CONTAMINATED_BY, column)
    if cfg.action == "reject":
        return reject(table, pc.is_valid(column), CONTAMINATION)
    doc, start, end = merge_spans(*found.spans())
    masked = replace_spans(texts, doc, start, end, [cfg.mask_text] * len(doc))
    return table.set_column(table.column_names.index(TEXT), table.schema.field(TEXT), masked)


def _broadcast_batch(table: pa.Table, index_ref, cfg: DecontaminateConfig) -> pa.Table:
    index: NgramIndex = ray.get(index_ref)
    return _annotate(table, index.lookup, index.totals, index.labels, cfg)


def _joined_batch(table: pa.Table, meta_ref, cfg: DecontaminateConfig) -> pa.Table:
    """Match against the hits the join brought each document (a tiny index)."""
    totals, labels = ray.get(meta_ref)
    keys = pc.list_flatten(table[_KEYS].combine_chunks()).to_numpy(zero_copy_only=False).astype(np.uint64)
    items = pc.list_flatten(table[_ITEMS].combine_chunks()).to_numpy(zero_copy_only=False).astype(np.int32)
    keys, items = distinct_pairs(keys, items)
    table = table.drop_columns([_KEYS, _ITEMS])
    return _annotate(table, Lookup.of(keys, items), totals, labels, cfg)


# -- the join path ---------------------------------------------------------------------


def _row_schema() -> pa.Schema:
    return pa.schema([(_KEY, pa.uint64()), (_ITEM, pa.int32()), (ID, pa.string()), (_PART, pa.int64())])


def _index_chunks(items: EvalItems, cfg: DecontaminateConfig, parts: int) -> tuple[list, np.ndarray]:
    """Index entries as object-store tables, built a chunk of items at a time; per-item totals."""
    n_items = len(items.labels)
    totals = np.zeros(n_items, dtype=np.int32)
    refs = []
    for first in range(0, n_items, _ITEMS_PER_CHUNK):
        rows = np.flatnonzero((items.owner >= first) & (items.owner < first + _ITEMS_PER_CHUNK))
        keys, owners, chunk_totals = item_ngrams(items.texts.take(pa.array(rows)), items.owner[rows], n_items, cfg)
        totals += chunk_totals
        table = pa.table([pa.array(keys), pa.array(owners), pa.nulls(len(keys), pa.string()), pa.array(hash_partition(keys, parts))], schema=_row_schema())
        refs.append(ray.put(table))
    return refs, totals


def _document_rows(table: pa.Table, cfg: DecontaminateConfig, parts: int) -> pa.Table:
    """Distinct (n-gram, document id) of the live rows, keyed for the n-gram shuffle."""
    table = ensure_base_columns(table)
    live = table.filter(live_mask(table))
    grams = text_ngrams(pc.fill_null(live[TEXT], "").combine_chunks(), cfg)
    docs, keys = distinct_pairs(grams.doc, grams.hashes)
    ids = pc.cast(live[ID], pa.string()).combine_chunks().take(pa.array(docs))
    return pa.table([pa.array(keys), pa.nulls(len(keys), pa.int32()), ids, pa.array(hash_partition(keys, parts))], schema=_row_schema())


def _lookup_partition(table: pa.Table, cfg: DecontaminateConfig, parts: int) -> pa.Table:
    """One n-gram partition: its documents' n-grams found in its share of the index."""
    is_doc = pc.is_valid(table[ID])
    index, docs = table.filter(pc.invert(is_doc)), table.filter(is_doc)
    keys, items = drop_common(index[_KEY].to_numpy(), index[_ITEM].to_numpy(), cfg.max_ngram_items)
    hashes = docs[_KEY].to_numpy()
    row, item = matches(Lookup.of(keys, items), hashes)
    ids = docs[ID].combine_chunks().take(pa.array(row))
    part = string_partition(ids, parts)
    return pa.table([pa.array(hashes[row]), pa.array(item), ids, pa.array(part)], schema=_row_schema())


def _hits_per_document(table: pa.Table) -> pa.Table:
    """One row per document id: its hit n-grams and items as two lists."""
    table = table.sort_by([(ID, "ascending")])
    ids = table[ID].combine_chunks()
    n = len(ids)
    first = np.r_[True, pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)] if n else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    offsets = pa.array(np.r_[starts, n].astype(np.int32))
    return pa.table(
        {ID: ids.take(pa.array(starts)), _KEYS: pa.ListArray.from_arrays(offsets, table[_KEY].combine_chunks()),
         _ITEMS: pa.ListArray.from_arrays(offsets, table[_ITEM].combine_chunks())}
    )


def _join_partitions(cfg: DecontaminateConfig, index_bytes: int, ds: ray.data.Dataset) -> int:
    if cfg.num_partitions:
        return cfg.num_partitions
    budget = cfg.index_memory_mb * MB
    corpus_bytes = ds.size_bytes() * _BYTES_PER_CHAR  # n-gram rows of the documents, a bound
    return max(4, -(-max(index_bytes, corpus_bytes) // budget))


def _joined(ds: ray.data.Dataset, items: EvalItems, cfg: DecontaminateConfig, index_bytes: int, opts: dict) -> ray.data.Dataset:
    """The join path; ``opts`` (``resources.decontaminate``) is what each map and
    partition task reserves; the join's aggregators are sized by Ray Data from the data."""
    ds = materialized(ds)  # read twice: its n-grams, then the join
    parts = _join_partitions(cfg, index_bytes, ds)
    refs, totals = _index_chunks(items, cfg, parts)
    index_rows = ray.data.from_arrow_refs(refs)
    doc_rows = ds.map_batches(_document_rows, fn_args=(cfg, parts), batch_format="pyarrow", batch_size=cfg.batch_size, **opts)
    hits = doc_rows.union(index_rows).groupby(_PART, num_partitions=parts).map_groups(
        _lookup_partition, fn_args=(cfg, parts), batch_format="pyarrow", **opts
    )
    per_doc = hits.groupby(_PART, num_partitions=parts).map_groups(_hits_per_document, batch_format="pyarrow", **opts)
    joined = ds.join(per_doc, "left_outer", num_partitions=parts, on=(ID,))
    meta = ray.put((totals, pa.array(items.labels, pa.string())))
    return joined.map_batches(map_live(lambda t: _joined_batch(t, meta, cfg)), batch_format="pyarrow", batch_size=cfg.batch_size, **opts)


def decontaminate(ds: ray.data.Dataset, cfg: DecontaminateConfig | None = None, res: StageResources | None = None) -> ray.data.Dataset:
    """``ds`` annotated; ``res`` (``resources.decontaminate``) is what each task reserves."""
    cfg = cfg or DecontaminateConfig()
    opts = task_options(res or ResourcesConfig().decontaminate)
    items = load_items(cfg)
    index_bytes = estimated_index_bytes(items)
    if cfg.index_transport == "shuffle" or (cfg.index_transport == "auto" and index_bytes > cfg.index_memory_mb * MB):
        return _joined(ds, items, cfg, index_bytes, opts)
    index_ref = ray.put(build_index(items, cfg))
    fn = map_live(lambda t: _broadcast_batch(t, index_ref, cfg))
    return ds.map_batches(fn, batch_format="pyarrow", batch_size=cfg.batch_size, zero_copy_batch=True, **opts)


def write_contamination_report(report: StageReport, storage: Storage) -> None:
    """Per evaluation set: items, items seen in the corpus, documents hit (stage.json ``contamination``)."""
    cfg = DecontaminateConfig.model_validate(report.data["config"])
    items = load_items(cfg)
    per_set = np.bincount(items.sets, minlength=len(items.set_names))
    seen: dict[str, set] = {name: set() for name in items.set_names}
    docs = dict.fromkeys(items.set_names, 0)
    for table in exploded(report, storage, CONTAMINATED_BY):
        table = table.append_column("set", pc.list_element(pc.split_pattern(table["value"], ":", max_splits=1), 0))
        distinct = table.group_by(["set", "value"]).aggregate([])
        for name, label in zip(distinct["set"].to_pylist(), distinct["value"].to_pylist()):
            seen[name].add(label)
        grouped = table.group_by(["set"]).aggregate([("row", "count_distinct")])
        for name, n in zip(grouped["set"].to_pylist(), grouped["row_count_distinct"].to_pylist()):
            docs[name] += n
    summary = {
        name: {"items": int(per_set[k]), "items_seen": len(seen[name]), "documents_hit": docs[name]}
        for k, name in enumerate(items.set_names)
    }
    add_to_stage_json(report, storage, CONTAMINATION, summary)
