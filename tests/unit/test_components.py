import numpy as np
import pyarrow as pa

from pipeline.stages.components import clusters, keep_order, min_labels


def edges(pairs, prio=None):
    prio = prio or {}
    left, right = zip(*pairs) if pairs else ((), ())
    return pa.table(
        {
            "left": pa.array(left, pa.string()),
            "right": pa.array(right, pa.string()),
            "left_prio": pa.array([prio.get(x) for x in left], pa.float64()),
            "right_prio": pa.array([prio.get(x) for x in right], pa.float64()),
        }
    )


def as_dict(table):
    return dict(zip(table["id"].to_pylist(), table["cluster"].to_pylist()))


def test_transitive_chains_and_separate_components():
    result = as_dict(clusters(edges([("d", "c"), ("c", "b"), ("b", "a"), ("x", "y")])))
    assert result == {"a": "a", "b": "a", "c": "a", "d": "a", "x": "x", "y": "x"}


def test_priority_beats_id_and_nulls_rank_last():
    result = as_dict(clusters(edges([("a", "b"), ("b", "c")], prio={"a": None, "b": 1.0, "c": 5.0})))
    assert set(result.values()) == {"c"}


def test_edge_order_does_not_change_the_result():
    rng = np.random.default_rng(0)
    pairs = [(f"n{i}", f"n{j}") for i, j in rng.integers(0, 300, size=(400, 2))]
    first = as_dict(clusters(edges(pairs)))
    rng.shuffle(pairs)
    assert as_dict(clusters(edges([(b, a) for a, b in pairs]))) == first


def test_long_path_converges_to_the_minimum():
    n = 1000
    labels = min_labels(np.arange(n - 1)[::-1].copy(), np.arange(1, n)[::-1].copy(), n)
    assert (labels == 0).all()


def test_no_edges():
    assert clusters(edges([])).num_rows == 0


def test_keep_order_ties_go_to_the_lowest_id():
    order = keep_order(pa.array(["b", "a", "c"]), pa.array([2.0, 2.0, None]))
    assert order.tolist() == [1, 0, 2]
