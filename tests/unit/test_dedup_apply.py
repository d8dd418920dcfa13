"""Decisions reach the documents through their block's tag (dedup_lookup.py, dedup_apply.py)."""

import pyarrow as pa

from pipeline.stages.dedup_apply import COMPOSE_SCHEMA, _apply, _compose, _near_rows
from pipeline.stages.dedup_exact import keyed_rows
from pipeline.stages.dedup_lookup import DECISION_SCHEMA, TAG, TagLookup, _split, decision_rows, with_tag


def tagged(ids, reasons=None):
    n = len(ids)
    return with_tag(pa.table({"id": ids, "text": ["t"] * n, "drop_reason": pa.array(reasons or [None] * n, pa.string())}))


def lookup(decisions: pa.Table, parts: int) -> TagLookup:
    return TagLookup(_split(decisions, parts))


def test_a_block_has_one_tag_and_a_rebuilt_block_the_same():
    a, b = tagged(["a", "b", "c"]), tagged(["d", "e"])
    assert len(set(a[TAG].to_pylist())) == 1 and a[TAG] == tagged(["a", "b", "c"])[TAG]
    assert a[TAG][0] != b[TAG][0]


def test_a_block_fetches_only_the_partitions_of_its_tags():
    docs = tagged(["a", "b"])
    mine = decision_rows(pa.array(["b"]), docs[TAG].slice(0, 1), pa.array(["a"]), "exact_dup")
    other = decision_rows(pa.array(["b"]), pa.array([docs[TAG][0].as_py() + 1], pa.uint64()), pa.array(["z"]), "near_dup")
    table = lookup(pa.concat_tables([mine, other]), 64)
    parts = ["not fetched" if p.num_rows == 0 else p for p in table.parts]
    rows = TagLookup(parts).rows_for(docs[TAG])
    assert rows.to_pydict()["_dedup_cluster"] == ["a"]


def test_apply_marks_decided_documents_and_keeps_the_rest():
    docs = tagged(["a", "b", "c", "q"], [None, None, None, "too_short"])
    tag = docs[TAG].slice(0, 2)
    decisions = pa.concat_tables([
        decision_rows(pa.array(["b"]), tag.slice(0, 1), pa.array(["c"]), "exact_dup"),
        decision_rows(pa.array(["a"]), tag.slice(0, 1), pa.array(["c"]), "near_dup"),
    ])
    out = _apply(docs, lookup(decisions, 3)).to_pydict()
    assert out["dup_cluster"] == ["c", "c", "c", None] and out["dup_of"] == ["c", "c", None, None]
    assert out["drop_reason"] == ["near_dup", "exact_dup", None, "too_short"] and TAG not in out


def test_no_decisions_leave_every_live_document_its_own_cluster():
    out = _apply(tagged(["a", "b"]), TagLookup([])).to_pydict()
    assert out["dup_cluster"] == ["a", "b"] and out["dup_of"] == [None, None] and out["drop_reason"] == [None, None]


def test_exact_copies_follow_their_representative_into_its_near_cluster():
    keys = 4
    exact = decision_rows(pa.array(["b", "d"]), pa.array([1, 2], pa.uint64()), pa.array(["a", "e"]), "exact_dup")
    near = pa.table({"id": ["a"], "cluster": ["c"]})
    tags = pa.table({"id": ["a", "c", "e"], TAG: pa.array([7, 8, 9], pa.uint64())})
    rows = pa.concat_tables([_near_rows(near, keys), keyed_rows(tags, COMPOSE_SCHEMA, "id", keys), keyed_rows(exact, COMPOSE_SCHEMA, "_dedup_cluster", keys)])
    out = _compose(rows)
    assert out.schema == DECISION_SCHEMA
    got = sorted(zip(*out.to_pydict().values()))
    assert got == [("a", 7, "c", "near_dup"), ("b", 1, "c", "exact_dup"), ("d", 2, "e", "exact_dup")]
