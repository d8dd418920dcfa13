"""Connected components: the single-process oracle, the order keys, the global
ranks, and the large-star / small-star rounds run in-process over hash
partitions (the same steps the Ray tasks run, ``dedup_tasks.InProcess``),
checked against the oracle."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipeline.stages import dedup_components
from pipeline.stages.components import clusters, keep_order, key_ids, min_labels, order_keys
from pipeline.stages.dedup_components import component_rounds
from pipeline.stages.dedup_ranks import rank_nodes
from pipeline.stages.dedup_tasks import InProcess


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


def numbered(left, right, prio=None):
    """Edges between nodes n<i> from two index arrays; ``prio[i]`` is node i's priority (nan: null)."""
    names = lambda idx: pa.array(np.char.add("n", np.asarray(idx).astype(str)).tolist(), pa.string())
    of = lambda idx: pa.array(prio[idx], pa.float64(), from_pandas=True) if prio is not None else pa.nulls(len(idx), pa.float64())
    return pa.table({"left": names(left), "right": names(right), "left_prio": of(left), "right_prio": of(right)})


def as_dict(table):
    return dict(zip(table["id"].to_pylist(), table["cluster"].to_pylist()))


def moved(table):
    """The oracle's answer restricted to what the rounds return: documents not kept."""
    return {k: v for k, v in as_dict(table).items() if k != v}


def blocks(table, count=3):
    size = max(1, -(-table.num_rows // count))
    return [table.slice(i, size) for i in range(0, table.num_rows, size)]


class Bounded(InProcess):
    """In-process steps that record the rows each star reduce took."""

    def __init__(self):
        self.rows = []

    def call(self, fn, outputs, *args):
        if fn in (dedup_components.reduce_rows, dedup_components.partial_least):
            bounds = args[4] if fn is dedup_components.reduce_rows else args[1]
            self.rows.append(int(np.sum(bounds[:, 1] - bounds[:, 0])))
        return super().call(fn, outputs, *args)


def rounds(table, parts=3, ranges=2, limit=np.inf, tasks=None):
    """The rounds' ``id -> cluster`` (each moved id once) and their number."""
    log = []
    mapping = pa.concat_tables(component_rounds(tasks or InProcess(), blocks(table), table.num_rows, parts, ranges, log.append, limit))
    assert mapping.num_rows == len(set(mapping["id"].to_pylist()))
    return as_dict(mapping), len(log)


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


def test_order_keys_sort_exactly_like_keep_order():
    rng = np.random.default_rng(3)
    values = [None, float("nan"), -0.0, 0.0, 1.0, -1.0, 2.5, float("inf"), float("-inf"), 1e300, -1e-300, 7.0]
    prio = pa.array(rng.choice(np.array(values, dtype=object), size=3000).tolist(), pa.float64())
    ids = pa.array([f"d{i}é, \"q\"" for i in rng.integers(0, 4000, size=3000)])
    keys = order_keys(ids, prio)
    assert pc.sort_indices(keys).to_numpy().tolist() == keep_order(ids, prio).tolist()
    assert key_ids(keys).equals(ids)


def test_ranks_follow_keep_order_across_ranges():
    rng = np.random.default_rng(5)
    n = 5000
    prio = rng.choice([np.nan, 1.0, 2.0, -0.0, 0.0], size=n)
    table = numbered(rng.integers(0, n, 4000), rng.integers(0, n, 4000), prio)
    ranking = rank_nodes(InProcess(), blocks(table, 4), 2 * table.num_rows, 5)
    ids = pa.concat_arrays(ranking.ids)
    nodes = pc.unique(pa.concat_arrays([table["left"].combine_chunks(), table["right"].combine_chunks()]))
    node_prio = pa.array(prio[np.char.lstrip(np.array(nodes.to_pylist()), "n").astype(int)], pa.float64(), from_pandas=True)
    assert ids.to_pylist() == nodes.take(pa.array(keep_order(nodes, node_prio))).to_pylist()
    assert len(ranking.offsets) == 6 and ranking.nodes == len(nodes) and np.all(np.diff(ranking.offsets) > 0)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("parts,ranges", [(1, 1), (4, 3), (3, 7)])
def test_rounds_equal_the_oracle_on_random_graphs(seed, parts, ranges):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(50, 3000))
    m = int(rng.integers(1, 2 * n))
    prio = rng.choice([np.nan, 1.0, 2.0, 3.0], size=n) if seed % 2 else None
    table = numbered(rng.integers(0, n, m), rng.integers(0, n, m), prio)
    assert rounds(table, parts, ranges)[0] == moved(clusters(table))


def test_rounds_without_packed_codes_give_the_same_answer(monkeypatch):
    """Past ``PACK_LIMIT`` nodes a pair no longer packs into one int64: lexsort instead."""
    rng = np.random.default_rng(11)
    table = numbered(rng.integers(0, 2000, 2500), rng.integers(0, 2000, 2500))
    monkeypatch.setattr(dedup_components, "PACK_LIMIT", 0)
    assert rounds(table, 3)[0] == moved(clusters(table))


def test_self_loops_and_repeated_edges():
    table = edges([("a", "a"), ("b", "a"), ("a", "b"), ("b", "a"), ("c", "c")])
    assert rounds(table, 2)[0] == {"b": "a"}


def test_chain_of_100k_nodes_in_log_rounds():
    n = 100_000
    table = numbered(np.arange(n - 1), np.arange(1, n))
    got, n_rounds = rounds(table, parts=2)
    assert got == moved(clusters(table)) and set(got.values()) == {"n0"}
    assert n_rounds <= np.log2(n) + 4


def test_star_of_100k_leaves():
    n = 100_000
    table = numbered(np.arange(1, n + 1), np.zeros(n, np.int64))
    got, n_rounds = rounds(table)
    assert len(got) == n and set(got.values()) == {"n0"} and n_rounds <= 2


def test_many_tiny_clusters_and_no_self_loops():
    n = 20_000
    table = numbered(np.arange(0, n, 2), np.arange(1, n, 2))
    got, n_rounds = rounds(table)
    assert got == {f"n{i + 1}": f"n{i}" for i in range(0, n, 2) if f"n{i + 1}" > f"n{i}"} | {
        f"n{i}": f"n{i + 1}" for i in range(0, n, 2) if f"n{i}" > f"n{i + 1}"
    }
    assert n_rounds == 1


def test_ids_with_commas_quotes_spaces_and_non_ascii():
    odd = ['a,b', 'say "hi"', "it's", " lead space", "東京", "ñandú", "tab\tid", "emoji 🙂", "back\\slash"]
    table = edges([(odd[i], odd[i + 1]) for i in range(0, len(odd) - 1)] + [("x y", "z,z")], prio={"東京": 2.0})
    got = rounds(table, parts=2, ranges=3)[0]
    assert got == moved(clusters(table))
    assert set(got.values()) == {"東京", "x y"}


def test_chunks_cut_pieces_in_order_within_the_limit():
    assert dedup_components.chunks([3, 0, 4], np.inf) == [[(0, 0, 3), (2, 0, 4)]]
    assert dedup_components.chunks([3, 0, 4], 3) == [[(0, 0, 3)], [(2, 0, 3)], [(2, 3, 4)]]
    assert dedup_components.chunks([5], 2) == [[(0, 0, 2)], [(0, 2, 4)], [(0, 4, 5)]]
    assert dedup_components.chunks([0, 0], 2) == [[]]


@pytest.mark.parametrize("seed", range(4))
def test_partitions_past_the_limit_reduce_in_chunks_with_the_same_answer(seed):
    """Every reduce takes at most ``limit`` rows; the chunks share one least per node."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(200, 3000))
    table = numbered(rng.integers(0, n, 2 * n), rng.integers(0, n, 2 * n), rng.choice([np.nan, 1.0, 2.0], size=n))
    tasks = Bounded()
    assert rounds(table, parts=2, ranges=3, limit=97, tasks=tasks)[0] == moved(clusters(table))
    assert max(tasks.rows) <= 97


def test_giant_star_and_chain_stay_within_the_limit():
    """A 100k-leaf star's centre holds all its edges: chunked, in as many rounds as unchunked."""
    n = 100_000
    star = numbered(np.arange(1, n + 1), np.zeros(n, np.int64))
    tasks = Bounded()
    got, n_rounds = rounds(star, limit=20_000, tasks=tasks)
    assert len(got) == n and set(got.values()) == {"n0"} and n_rounds <= 2 and max(tasks.rows) <= 20_000
    chain = numbered(np.arange(20_000 - 1), np.arange(1, 20_000))
    tasks = Bounded()
    assert rounds(chain, parts=2, limit=5_000, tasks=tasks)[0] == moved(clusters(chain)) and max(tasks.rows) <= 5_000


def test_rank_requests_carry_only_their_own_keys():
    """A pickled Arrow slice carries its parent's buffers: each range's piece is its own copy."""
    import pickle

    from pipeline.stages.dedup_ranks import request

    keys = pa.array([b"k%06d" % i for i in range(100_000)], pa.binary())
    pieces = request(keys, pa.array([b"k010000"], pa.binary()), 3)
    assert [len(p) for p in pieces] == [10_000, 90_000, 0]
    assert len(pickle.dumps(pieces[0], protocol=5)) < 0.2 * len(pickle.dumps(keys, protocol=5))
