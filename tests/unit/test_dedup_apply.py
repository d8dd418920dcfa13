"""The apply join's reduce on one partition (pipeline/stages/dedup_apply.py)."""

import pyarrow as pa

from pipeline.stages.dedup_apply import _apply, _mapping_rows
from pipeline.stages.dedup_exact import PART


def documents(ids, clusters, reasons):
    n = len(ids)
    return pa.table({"id": ids, "text": ["t"] * n, "dup_cluster": clusters, "dup_of": [c if c != i else None for i, c in zip(ids, clusters)],
                     "drop_reason": pa.array(reasons, pa.string()), PART: [0] * n})


def test_a_partition_without_mapping_rows_moves_nothing():
    """The hash put no mapping row here, so its blocks lack the mapping columns."""
    out = _apply(documents(["a", "b"], ["a", "a"], [None, "exact_dup"])).to_pydict()
    assert out["dup_cluster"] == ["a", "a"] and out["dup_of"] == [None, "a"] and out["drop_reason"] == [None, "exact_dup"]


def test_mapping_rows_move_a_cluster_and_its_exact_copies():
    docs = documents(["a", "b", "c"], ["a", "a", "c"], [None, "exact_dup", None])
    mapping = _mapping_rows(pa.table({"id": ["a"], "cluster": ["c"]}), 1).set_column(2, PART, pa.array([0]))
    out = _apply(pa.concat_tables([docs, mapping], promote_options="permissive")).to_pydict()
    assert out["id"] == ["a", "b", "c"] and out["dup_cluster"] == ["c", "c", "c"]
    assert out["dup_of"] == ["c", "c", None] and out["drop_reason"] == ["near_dup", "exact_dup", None]
