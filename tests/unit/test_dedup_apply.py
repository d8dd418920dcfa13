"""The apply join's reduce on one partition (pipeline/stages/dedup_apply.py)."""

import pyarrow as pa

from pipeline.stages.dedup_apply import _apply, _mapping_rows, join_schema
from pipeline.stages.dedup_exact import PART, conform


def documents(ids, clusters, reasons):
    n = len(ids)
    return pa.table({"id": ids, "text": ["t"] * n, "dup_cluster": clusters, "dup_of": [c if c != i else None for i, c in zip(ids, clusters)],
                     "drop_reason": pa.array(reasons, pa.string()), PART: [0] * n})


def test_a_partition_without_mapping_rows_moves_nothing():
    docs = documents(["a", "b"], ["a", "a"], [None, "exact_dup"])
    out = _apply(conform(docs, join_schema(docs.schema))).to_pydict()
    assert out["dup_cluster"] == ["a", "a"] and out["dup_of"] == [None, "a"] and out["drop_reason"] == [None, "exact_dup"]
    assert "_dedup_map_id" not in out and PART not in out


def test_mapping_rows_move_a_cluster_and_its_exact_copies():
    docs = documents(["a", "b", "c"], ["a", "a", "c"], [None, "exact_dup", None])
    schema = join_schema(docs.schema)
    mapping = _mapping_rows(pa.table({"id": ["a"], "cluster": ["c"]}), 1, schema)
    mapping = mapping.set_column(schema.get_field_index(PART), PART, pa.array([0]))
    out = _apply(pa.concat_tables([conform(docs, schema), mapping])).to_pydict()
    assert out["id"] == ["a", "b", "c"] and out["dup_cluster"] == ["c", "c", "c"]
    assert out["dup_of"] == ["c", "c", None] and out["drop_reason"] == ["near_dup", "exact_dup", None]


def test_join_rows_of_both_sides_share_one_schema():
    """Ray's hash exchange concatenates a partition's pieces without merging schemas."""
    docs = documents(["a"], ["a"], [None]).append_column("url", pa.array(["u"]))
    schema = join_schema(docs.schema)
    mapping = _mapping_rows(pa.table({"id": ["a"], "cluster": ["c"]}), 4, schema)
    assert mapping.schema == schema and conform(docs, schema).schema == schema
    assert mapping["url"].null_count == 1
