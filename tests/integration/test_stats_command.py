"""``pentaglot stats`` end to end on the shared local Ray: every input kind, files, errors."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
from click.testing import CliRunner
from shard_fixtures import documents, write_folder

from pipeline.commands.stats import command
from pipeline.stage_io import write_stage
from pipeline.stats import compute
from pipeline.stats.compute import one_task
from pipeline.stats.sources import detect
from pipeline.storage import Storage
from pipeline.stats.schema import StatsReport
from tests.unit.stats_corpus import corpus, report_of

pytestmark = pytest.mark.ray

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(*args):
    result = CliRunner().invoke(command, [*map(str, args), "--num-cpus", "2"])
    return result


def stats_of(folder) -> dict:
    return json.loads((folder / "stats.json").read_text(encoding="utf-8"))


def kept_and_rejected():
    """The hand corpus without its quarantine row (write_stage needs reader columns for those)."""
    return corpus().slice(0, 5)


def write_langid_stage(out):
    write_stage(ray.data.from_arrow(kept_and_rejected()), str(out), "langid")
    return out


def test_stage_folder_numbers_match_the_hand_computed_ones(ray_session, tmp_path):
    stage = write_langid_stage(tmp_path / "langid")
    result = run(stage, "--out", tmp_path / "report")
    assert result.exit_code == 0, result.output
    got = StatsReport.model_validate(stats_of(tmp_path / "report"))
    expected = report_of(kept_and_rejected(), stage="langid")
    assert got.input.kind == "stage" and got.input.stages == ["langid"]
    assert got.totals == expected.totals
    assert got.languages == expected.languages
    assert got.sources == expected.sources and got.rejected == expected.rejected
    assert got.repeated_lines == expected.repeated_lines
    assert "Kept documents by language" in result.output
    files = {p.name for p in (tmp_path / "report").iterdir()}
    assert {"stats.json", "report.html", "overview.png", "lengths.png", "lang_score.png", "scripts.png", "rejected.png"} <= files
    for png in (tmp_path / "report").glob("*.png"):
        assert png.read_bytes().startswith(PNG_SIGNATURE)


def test_raw_corpus_with_a_bad_line_and_determinism(ray_session, tmp_path):
    raw = tmp_path / "raw.jsonl"
    raw.write_text('{"text": "Share this page\\nHello world"}\n{"text": "Share this page"}\n{broken\n', encoding="utf-8")
    for out in ("one", "two"):
        assert run(raw, "--out", tmp_path / out).exit_code == 0
    data = stats_of(tmp_path / "one")
    assert data["input"]["kind"] == "raw"
    assert data["totals"]["documents"] == 2 and data["totals"]["characters"] == 42 and data["totals"]["quarantined"] == 1
    assert data["repeated_lines"]["top"] == [{"text": "Share this page", "count": 2}]
    assert (tmp_path / "one" / "stats.json").read_bytes() == (tmp_path / "two" / "stats.json").read_bytes()


def test_settings_come_from_the_run_config_and_flags(ray_session, tmp_path):
    stage = write_langid_stage(tmp_path / "langid")
    config = tmp_path / "run.yaml"
    config.write_text(f"input: [{stage}]\noutput: {tmp_path / 'run'}\nstats:\n  min_line_chars: 100\n")
    assert run(stage, "--config", config, "--out", tmp_path / "r").exit_code == 0
    lines = stats_of(tmp_path / "r")["repeated_lines"]
    assert lines["min_chars"] == 100 and lines["lines_counted"] == 0
    config.write_text(f"input: [{stage}]\noutput: {tmp_path / 'run'}\nstats:\n  min_line_char: 100\n")
    result = run(stage, "--config", config)
    assert result.exit_code == 2 and "stats.min_line_char" in result.output and "min_line_chars" in result.output


def test_token_shards_are_counted_from_lang_and_n_tokens(ray_session, tmp_path):
    manifest = write_folder(str(tmp_path / "shards"), documents(40))
    result = run(tmp_path / "shards", "--out", tmp_path / "report")
    assert result.exit_code == 0, result.output
    tokens = stats_of(tmp_path / "report")["tokens"]
    totals = manifest["totals"]
    assert tokens["tokens"] == totals["tokens"] and tokens["documents"] == totals["rows"]
    assert {lang: row["tokens"] for lang, row in tokens["by_language"].items()} == totals["tokens_by_lang"]
    assert {lang: row["documents"] for lang, row in tokens["by_language"].items()} == totals["docs_by_lang"]
    assert "counts agree" in result.output
    assert (tmp_path / "report" / "tokens.png").read_bytes().startswith(PNG_SIGNATURE)


def test_an_export_reports_the_mixture_it_reached_checked_against_its_provenance(ray_session, tmp_path):
    from pentaglot_reader.mixture import Mixture
    from pipeline.export.job import EXPORT_MANIFEST, run_export

    write_folder(str(tmp_path / "shards"), documents(200))
    run_export(str(tmp_path / "shards"), str(tmp_path / "export"), Mixture({"ko": 0.6, "en": 0.1, "zh": 0.3}), seed=5)
    reached = json.loads((tmp_path / "export" / EXPORT_MANIFEST).read_text())["mixture"]["languages"]
    result = run(tmp_path / "export", "--out", tmp_path / "report")
    assert result.exit_code == 0, result.output
    report = stats_of(tmp_path / "report")
    assert report["input"]["kind"] == "export"
    mixture = report["tokens"]["mixture"]
    assert mixture["seed"] == 5 and mixture["settings"]["shares"] == {"ko": 0.6, "en": 0.1, "zh": 0.3}
    for row in reached:
        got = mixture["by_language"][row["lang"]]
        assert (got["share"], got["tokens"], got["documents"], got["epochs"]) == (row["share"], row["tokens"], row["docs"], row["epochs"])
        counted = report["tokens"]["by_language"][row["lang"]]
        assert (counted["tokens"], counted["documents"]) == (row["tokens"], row["docs"])
    assert mixture["by_language"]["ko"]["epochs"] > 1 > mixture["by_language"]["en"]["epochs"]
    assert "Language mixture reached" in result.output and "counts agree" in result.output
    assert "Language mixture reached" in (tmp_path / "report" / "report.html").read_text(encoding="utf-8")


def write_dedup_stage(out):
    """A stage folder with clusters/ in two files (a cluster spans both): sizes 3, 2 and 1."""
    stage = write_langid_stage(out)
    (stage / "clusters").mkdir()
    ids = ["a", "b", "c", "d", "e", "f"]
    clusters = ["a", "a", "a", "d", "d", "f"]
    table = pa.table({"id": ids, "cluster_id": clusters, "keep": [i == c for i, c in zip(ids, clusters)]})
    files = [{"path": f"clusters/part-{i}.parquet", "rows": 3} for i in range(2)]
    for i, entry in enumerate(files):
        pq.write_table(table.slice(3 * i, 3), stage / entry["path"])
    data = json.loads((stage / "stage.json").read_text())
    data["clusters"] = {"rows": 6, "files": files}
    (stage / "stage.json").write_text(json.dumps(data))
    return stage


def test_dedup_clusters_give_sizes_and_duplicate_rate(ray_session, tmp_path):
    stage = write_dedup_stage(tmp_path / "dedup")
    assert run(stage, "--out", tmp_path / "report").exit_code == 0
    dup = stats_of(tmp_path / "report")["duplicates"]
    assert (dup["documents"], dup["clusters"], dup["duplicate_documents"], dup["clusters_with_duplicates"]) == (6, 3, 3, 2)
    assert dup["duplicate_rate"] == 0.5 and dup["cluster_size"]["max"] == 3


def test_small_folders_take_one_task_with_the_same_numbers_as_ray_data(ray_session, tmp_path, monkeypatch):
    """The one-task path (``ONE_TASK_BYTES``) and the Ray Data path write the same stats.json."""
    folders = {"dedup": write_dedup_stage(tmp_path / "dedup"), "shards": tmp_path / "shards"}
    write_folder(str(folders["shards"]), documents(40))
    for name, folder in folders.items():
        assert one_task(detect(str(folder), Storage()))
        assert run(folder, "--out", tmp_path / f"{name}-one").exit_code == 0
    monkeypatch.setattr(compute, "ONE_TASK_BYTES", 0)
    for name, folder in folders.items():
        assert not one_task(detect(str(folder), Storage()))
        assert run(folder, "--out", tmp_path / f"{name}-data").exit_code == 0
        assert (tmp_path / f"{name}-one" / "stats.json").read_bytes() == (tmp_path / f"{name}-data" / "stats.json").read_bytes()


def test_compare_and_sample(ray_session, tmp_path):
    stage = write_langid_stage(tmp_path / "langid")
    assert run(stage, "--out", tmp_path / "full").exit_code == 0
    sampled = run(stage, "--sample", "0.5", "--seed", "3", "--out", tmp_path / "half")
    assert sampled.exit_code == 0, sampled.output
    half = stats_of(tmp_path / "half")
    assert half["input"]["sample_fraction"] == 0.5 and half["totals"]["documents"] <= 4
    result = run("--compare", tmp_path / "full" / "stats.json", stage, "--out", tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    assert "Totals" in result.output and "change" in result.output
    assert {"report.html", "stats.a.json", "stats.b.json", "overview.png"} <= {p.name for p in (tmp_path / "cmp").iterdir()}


def test_empty_and_single_document_inputs(ray_session, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.jsonl").write_text("")
    result = run(tmp_path / "empty", "--out", tmp_path / "r0")
    assert result.exit_code == 0, result.output
    assert stats_of(tmp_path / "r0")["totals"]["documents"] == 0
    (tmp_path / "one.jsonl").write_text('{"text": "단 하나의 문서"}\n', encoding="utf-8")
    assert run(tmp_path / "one.jsonl", "--out", tmp_path / "r1").exit_code == 0
    one = stats_of(tmp_path / "r1")
    assert one["totals"]["documents"] == 1 and one["totals"]["characters"] == 8
    assert one["languages"]["und"]["script_mix"]["hangul"] == 0.75


def test_unusable_inputs_are_one_line_errors(ray_session, tmp_path):
    result = run(tmp_path / "missing")
    assert result.exit_code == 2 and "does not exist" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "bad.json").write_text('{"schema_version": 99}')
    result = run("--compare", tmp_path / "bad.json", tmp_path / "bad.json")
    assert result.exit_code == 2 and "not a stats.json" in result.output
    stage = write_langid_stage(tmp_path / "langid")
    result = run(stage, "--out", stage)
    assert result.exit_code == 2 and "--out is also the input" in result.output
    assert run().exit_code == 2
