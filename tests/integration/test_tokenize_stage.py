"""The tokenize stage on the shared local Ray: determinism, round trip, CLI and verify."""

import hashlib
import json
import os

import pytest
from click.testing import CliRunner
from shard_fixtures import documents, tokenizer_model

from pentaglot_reader.format import MANIFEST_NAME
from pentaglot_reader.manifest import TIMESTAMP_KEY
from pentaglot_reader.shards import TokenShards
from pipeline.commands.tokenize import command as tokenize_command
from pipeline.commands.verify import command as verify_command
from pipeline.resources import StageResources
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.encode import Encoder
from pipeline.stages.tokenize import run_tokenize

pytestmark = pytest.mark.ray
N_DOCS = 300


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("tokenize")
    model = root / "tiny.model"
    model.write_bytes(tokenizer_model())
    docs = root / "docs"
    docs.mkdir()
    rows = documents(N_DOCS).to_pylist()
    for part in range(3):  # three files of ~15 KiB: three pieces with min_pieces=3
        with open(docs / f"part-{part}.jsonl", "w", encoding="utf-8") as f:
            for row in rows[part::3]:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            if part == 2:
                f.write("{not json\n")
    return str(docs), str(model)


def _files(out):
    return {name: open(os.path.join(out, name), "rb").read() for name in sorted(os.listdir(out))}


def _digests(out) -> dict:
    """sha256 of every file, the manifest's without its timestamp."""
    files = _files(out)
    manifest = {k: v for k, v in json.loads(files.pop(MANIFEST_NAME)).items() if k != TIMESTAMP_KEY}
    return {**{name: hashlib.sha256(data).hexdigest() for name, data in files.items()}, MANIFEST_NAME: manifest}


def test_api_and_cli_runs_give_identical_bytes_and_verify_catches_damage(ray_session, inputs, tmp_path):
    docs, model = inputs
    config = TokenizeConfig(tokenizer=model, special_tokens="none", buckets=3, min_pieces=3, shard_mb=1, threads=1)
    report = run_tokenize([docs], str(tmp_path / "api"), config)
    out = str(tmp_path / "cli")
    runner = CliRunner()
    flags = ["--tokenizer", model, "--special-tokens", "none", "--buckets", "3", "--min-pieces", "3", "--shard-mb", "1", "--threads", "1"]
    result = runner.invoke(tokenize_command, [docs, out, *flags])
    assert result.exit_code == 0, result.output
    assert "300 documents" in result.output and "bytes/token" in result.output

    a, b = _files(report.out), _files(out)
    assert a.keys() == b.keys() and len(a) == 4  # three buckets + manifest (the runs are gone)
    for name in a:
        if name == MANIFEST_NAME:
            strip = [{k: v for k, v in json.loads(x[name]).items() if k != TIMESTAMP_KEY} for x in (a, b)]
            assert strip[0] == strip[1]
        else:
            assert a[name] == b[name], name
    assert report.manifest["totals"]["rows"] == N_DOCS
    assert report.manifest["skipped"] == {"quarantine": 1}  # the bad JSON line is counted, not lost

    shards = TokenShards(report.out, checks="full")
    sp = Encoder(tokenizer_model(), config).sp
    decoded = sorted(sp.decode(shards.doc(i).tolist()) for i in range(shards.num_docs))
    assert decoded == sorted(documents(N_DOCS)["text"].to_pylist())

    ok = runner.invoke(verify_command, [out, "--tokenizer", model])
    assert ok.exit_code == 0 and ": ok, 3 shards" in ok.output
    victim = report.manifest["shards"][0]["path"]
    with open(os.path.join(out, victim), "r+b") as f:
        f.truncate(100)
    bad = runner.invoke(verify_command, [out])
    assert bad.exit_code == 1
    assert f"{victim}: truncated" in bad.output

    again = runner.invoke(tokenize_command, [docs, out, *flags])
    assert again.exit_code == 2 and "already exists; pass --overwrite" in again.output


def test_cli_names_a_missing_tokenizer(ray_session, inputs, tmp_path):
    docs, _ = inputs
    result = CliRunner().invoke(tokenize_command, [docs, str(tmp_path / "x"), "--tokenizer", str(tmp_path / "no.model")])
    assert result.exit_code == 2
    assert "no.model: tokenizer model not found" in result.output


@pytest.mark.parametrize(
    "min_actors, max_actors, pieces, calls, size",
    [(1, None, 9, 1, 9), (1, None, 1, 1, 1), (1, 4, 99, 1, 4), (3, None, 1, 1, 3), (2, 2, 9, 1, 2), (1, None, 9, 2, 5), (1, 4, 99, 2, 4)],
)
def test_actors_asked_for_follow_pieces_and_the_resources_section_not_the_cluster(min_actors, max_actors, pieces, calls, size):
    from pipeline.stages.tokenize import pool_size

    assert pool_size(StageResources(min_actors=min_actors, max_actors=max_actors), pieces, calls) == size


@pytest.mark.parametrize("cpus, threads, calls", [(2, 1, 2), (2, 2, 1), (1, 2, 1), (1, 1, 1)])  # none over the 2-CPU session
def test_an_actor_runs_its_cpus_over_the_encode_threads_calls_at_once(cpus, threads, calls):
    from pipeline.stages.tokenize import calls_per_actor

    assert calls_per_actor(StageResources(cpus=cpus), TokenizeConfig(threads=threads)) == calls


def test_two_calls_at_once_in_one_actor_write_the_same_bytes_as_two_actors(ray_session, inputs, tmp_path):
    """Calls share the actor's tokenizer and storage on threads; the shards and manifest must not notice."""
    docs, model = inputs
    config = TokenizeConfig(tokenizer=model, special_tokens="eos", buckets=3, min_pieces=6, shard_mb=1, threads=1)
    apart = run_tokenize([docs], str(tmp_path / "apart"), config, resources=StageResources(cpus=1, memory_mb=256).fixed(2))
    shared = run_tokenize([docs], str(tmp_path / "shared"), config, resources=StageResources(cpus=2, memory_mb=256).fixed(1))
    assert apart.manifest["totals"]["rows"] == N_DOCS
    assert _digests(apart.out) == _digests(shared.out)


def test_more_actors_than_the_cluster_holds_finish_on_those_it_started(ray_session, inputs, tmp_path):
    """2-CPU actors on the 2-CPU session: one starts, the rest stay pending, the run still completes."""
    docs, model = inputs
    config = TokenizeConfig(tokenizer=model, special_tokens="none", buckets=3, min_pieces=6, shard_mb=1)
    report = run_tokenize([docs], str(tmp_path / "out"), config, resources=StageResources(cpus=2, memory_mb=256))
    assert report.manifest["totals"]["rows"] > 0 and report.manifest["config"]["buckets"] == 3


def test_piece_size_follows_the_shard_size_but_keeps_a_few_pieces():
    from pipeline.stages.tokenize import piece_bytes

    config = TokenizeConfig(shard_mb=256, min_pieces=16)
    assert piece_bytes(10 << 40, config) == 512 << 20  # a terabyte: about one shard per piece
    assert piece_bytes(160 << 20, config) == 10 << 20  # small inputs still spread over 16 calls
    assert piece_bytes(1 << 10, config) == 16 << 10  # but no piece under 16 KiB


def test_shards_do_not_depend_on_how_the_input_is_split_into_files(ray_session, inputs, tmp_path):
    """An upstream stage's part files differ between runs and clusters; the shards must not."""
    docs, model = inputs
    rows = [line for name in sorted(os.listdir(docs)) for line in open(os.path.join(docs, name), encoding="utf-8")]
    other = tmp_path / "regrouped"
    other.mkdir()
    shuffled = rows[::-1]
    for part in range(2):
        (other / f"x-{part}.jsonl").write_text("".join(shuffled[part::2]), encoding="utf-8")
    config = TokenizeConfig(tokenizer=model, special_tokens="none", buckets=3, shard_mb=1, threads=1)
    a = run_tokenize([docs], str(tmp_path / "a"), config).manifest
    b = run_tokenize([str(other)], str(tmp_path / "b"), config).manifest
    assert [(s["path"], s["sha256"]) for s in a["shards"]] == [(s["path"], s["sha256"]) for s in b["shards"]]
