"""Exact and near dedup on the shared local Ray: CLI outputs and edge cases."""

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from filters.dedup_config import DedupConfig
from filters.dedup_signatures import document_signatures
from filters.minhash import jaccard_estimate
from pipeline.cli import main
from pipeline.stages.dedup import dedup

pytestmark = pytest.mark.ray

PARA = (
    "The city council approved the new budget on Tuesday after a long debate about public transport, "
    "school repairs and the cost of keeping the central library open on weekends during the winter months."
)
ZH = "东京是日本的首都，也是世界上人口最多的都市圈之一。这里的经济、文化和交通都非常发达，每年吸引大量游客前来参观。"
JA = "東京は日本の首都であり、世界でも有数の人口を持つ大都市圏である。経済や文化の中心として多くの観光客が訪れる。"
KO = "서울은 대한민국의 수도이며 정치, 경제, 문화의 중심지이다. 한강을 따라 발달한 이 도시는 매년 많은 관광객이 찾는다."


def words(lo, hi):
    """Distinct made-up words, so shared character 5-grams come only from shared words."""
    return " ".join(hashlib.md5(str(i).encode()).hexdigest()[:8] for i in range(lo, hi))


# A~B and B~C but not A~C: the three still form one cluster.
CHAIN = {"chain-a": words(0, 100), "chain-b": words(0, 140), "chain-c": words(40, 140)}

FILE_1 = [
    {"id": "exact-1", "text": PARA},
    {"id": "near-zh-1", "text": ZH, "lang": "zh"},
    {"id": "near-ja-1", "text": JA, "lang": "ja"},
    {"id": "near-ko-1", "text": KO, "lang": "ko"},
    {"id": "lang-en", "text": PARA + " Extra closing words here.", "lang": "en"},
    {"id": "short-1", "text": "hi"},
    {"id": "chain-a", "text": CHAIN["chain-a"], "lang": "en"},
]
FILE_2 = [
    {"id": "exact-0", "text": PARA},
    {"id": "near-zh-0", "text": ZH.replace("，", ",").replace("。", ".\n") + "版权所有"},
    {"id": "near-ja-0", "text": JA.replace("、", ",").replace("。", "。\n") + "（続く）"},
    {"id": "near-ko-0", "text": KO.replace(". ", ".\n") + " 더보기"},
    # Same text as lang-en bar one word, labelled another language: never merged.
    {"id": "lang-es", "text": PARA + " Other closing words here.", "lang": "es"},
    {"id": "short-0", "text": "HI!"},
    {"id": "chain-b", "text": CHAIN["chain-b"], "lang": "en"},
    {"id": "chain-c", "text": CHAIN["chain-c"], "lang": "en"},
    {"id": "unique", "text": "A completely different document about growing tomatoes in a small garden."},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def run_cli(tmp_path, name, *flags):
    src = tmp_path / "in"
    if not src.exists():
        src.mkdir()
        write_jsonl(src / "one.jsonl", FILE_1)
        write_jsonl(src / "two.jsonl", FILE_2)
        (src / "bad.jsonl").write_text("{broken\n")  # a quarantine row passes through dedup untouched
    out = tmp_path / name
    result = CliRunner().invoke(main, ["dedup", str(src), str(out), *flags])
    assert result.exit_code == 0, result.output
    return out


def clusters_of(out):
    rows = pq.read_table(out / "clusters").to_pylist()
    return {r["id"]: (r["cluster_id"], r["keep"]) for r in rows}


@pytest.fixture(scope="module")
def deduped(ray_session, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dedup")
    return run_cli(tmp, "out", "--num-partitions", "3"), tmp


def test_chain_preconditions_hold():
    """The transitivity case is only meaningful if A-C alone is below the threshold."""
    cfg = DedupConfig()
    sigs = document_signatures(pa.array(list(CHAIN.values())), pa.array(["en"] * 3), cfg)
    assert jaccard_estimate(sigs[0], sigs[1]) >= cfg.threshold
    assert jaccard_estimate(sigs[1], sigs[2]) >= cfg.threshold
    assert jaccard_estimate(sigs[0], sigs[2]) < cfg.threshold


def test_duplicates_across_files_are_clustered(deduped):
    out, _ = deduped
    assert not (out / "_checkpoints").exists()  # the stage's kept datasets are removed once it is written
    clusters = clusters_of(out)
    assert len(clusters) == len(FILE_1) + len(FILE_2)  # every input id is listed
    expected = {
        "exact-0": "exact-0", "exact-1": "exact-0",
        "short-0": "short-0", "short-1": "short-0",
        "near-zh-0": "near-zh-0", "near-zh-1": "near-zh-0",
        "near-ja-0": "near-ja-0", "near-ja-1": "near-ja-0",
        "near-ko-0": "near-ko-0", "near-ko-1": "near-ko-0",
        "chain-a": "chain-a", "chain-b": "chain-a", "chain-c": "chain-a",
        "lang-en": "exact-0", "lang-es": "lang-es", "unique": "unique",
    }
    assert {k: v[0] for k, v in clusters.items()} == expected
    assert {k for k, v in clusters.items() if v[1]} == set(expected.values())


def test_rejected_rows_say_why_and_point_at_the_kept_document(deduped):
    out, _ = deduped
    rejected = {r["id"]: (r["drop_reason"], r["dup_of"]) for r in pq.read_table(out / "rejected").to_pylist()}
    assert rejected["exact-1"] == ("exact_dup", "exact-0")
    assert rejected["short-1"] == ("exact_dup", "short-0")
    assert rejected["near-zh-1"] == ("near_dup", "near-zh-0")
    assert rejected["chain-c"] == ("near_dup", "chain-a")
    kept = pq.read_table(out / "kept")
    assert kept["dup_of"].null_count == kept.num_rows
    stage = json.loads((out / "stage.json").read_text())
    assert stage["counts"]["quarantined"] == 1
    assert stage["counts"]["read"] == len(FILE_1) + len(FILE_2) + 1
    assert stage["clusters"]["rows"] == len(FILE_1) + len(FILE_2)


def test_two_runs_give_identical_clusters(deduped):
    out, tmp = deduped
    again = run_cli(tmp, "again", "--num-partitions", "5")
    assert clusters_of(again) == clusters_of(out)


@pytest.mark.parametrize("exchange", ["sort", "disk"])
def test_every_exchange_gives_the_same_clusters(deduped, exchange):
    """The default is the hash exchange, which concatenates a partition's
    pieces without merging schemas: the files here differ in fields (some
    rows lack ``lang``), and the apply join's two sides differ in columns."""
    out, tmp = deduped
    again = run_cli(tmp, f"exchange-{exchange}", "--num-partitions", "3", "--shuffle", exchange)
    assert clusters_of(again) == clusters_of(out)
    kept = {r["id"] for r in pq.read_table(again / "kept", columns=["id"]).to_pylist()}
    assert kept == {r["id"] for r in pq.read_table(out / "kept", columns=["id"]).to_pylist()}


def test_exact_only_and_keep_longest(deduped):
    _, tmp = deduped
    out = run_cli(tmp, "exact", "--exact-only", "--keep", "longest")
    clusters = clusters_of(out)
    assert clusters["near-zh-1"] == ("near-zh-1", True)  # near duplicates survive
    assert clusters["exact-1"][0] == "exact-0"  # equal length: lowest id wins


def _run(rows, **cfg):
    ds = pa.Table.from_pylist(rows, schema=pa.schema([("id", pa.string()), ("text", pa.large_string())])) if not rows else None
    import ray

    ds = ray.data.from_arrow(ds) if ds is not None else ray.data.from_items(rows)
    out = dedup(ds, DedupConfig(num_partitions=2, **cfg)).to_pandas()
    return {r["id"]: (r["drop_reason"], r["dup_cluster"]) for r in out.to_dict("records")}


def test_empty_input(ray_session):
    assert _run([]) == {}


def test_one_document(ray_session):
    assert _run([{"id": "only", "text": "just one document"}]) == {"only": (None, "only")}


def test_all_documents_identical(ray_session):
    rows = [{"id": f"d{i}", "text": PARA} for i in range(5, 0, -1)]
    result = _run(rows)
    assert result.pop("d1") == (None, "d1")
    assert set(result.values()) == {("exact_dup", "d1")}


def test_keep_by_quality_column(ray_session):
    rows = [{"id": "a", "text": PARA, "score": 0.2}, {"id": "b", "text": PARA + " More.", "score": 0.9}]
    result = _run(rows, keep="score")
    assert result == {"a": ("near_dup", "b"), "b": (None, "b")}


def test_missing_keep_column_is_a_user_error(deduped):
    _, tmp = deduped
    result = CliRunner().invoke(main, ["dedup", str(tmp / "in"), str(tmp / "bad"), "--keep", "nope"])
    assert result.exit_code == 2 and "dedup.keep" in result.output and "Traceback" not in result.output


def test_bad_shingle_flag_is_a_user_error(deduped):
    _, tmp = deduped
    result = CliRunner().invoke(main, ["dedup", str(tmp / "in"), str(tmp / "bad2"), "--shingle", "en-word-5"])
    assert result.exit_code == 2 and "LANG=UNIT:SIZE" in result.output


def test_materialized_lifts_the_store_limit_for_its_own_execution_only(ray_session, monkeypatch):
    """A kept dataset runs without Ray Data's object-store limit; the datasets
    before and after keep theirs, so later steps are still backpressured."""
    import ray

    from pipeline.runtime import materialized

    ds = ray.data.range(1000, override_num_blocks=4).map_batches(lambda t: t, batch_format="pyarrow")
    before = ds.context.override_object_store_memory_limit_fraction
    during = []
    run = ray.data.Dataset.materialize

    def spy(self):
        during.append(self.context.override_object_store_memory_limit_fraction)
        return run(self)

    monkeypatch.setattr(ray.data.Dataset, "materialize", spy)
    out = materialized(ds)
    assert during[0] > 1000  # object stores: no kept dataset reaches it
    assert ds.context.override_object_store_memory_limit_fraction == before
    assert out.context.override_object_store_memory_limit_fraction == before
    assert sorted(r["id"] for r in out.take_all()) == list(range(1000))
