"""Stage resources: data-sized partitions and validated requests (no Ray started)."""

from __future__ import annotations

import pytest

from pipeline.config import RunConfig, validate
from pipeline.errors import UserError
from pipeline.resources import (
    MB,
    StageResources,
    blocks_for,
    check_fits,
    fit_cpus,
    partitions_for,
    task_options,
)


def test_partitions_follow_data_size_not_cluster():
    budget = 1024 * MB
    assert partitions_for(0, budget) == 1
    assert partitions_for(256 * MB, budget) == 1
    assert partitions_for(256 * MB + 1, budget) == 2
    assert partitions_for(100 * 1024 * MB, budget) == 400


def test_task_options_carry_cpus_and_memory():
    assert task_options(StageResources(cpus=0.5, memory_mb=512)) == {"num_cpus": 0.5, "memory": 512 * MB}


def test_requests_fit_the_embedded_runtime_and_stay_whole_on_a_cluster(monkeypatch):
    from pipeline import runtime

    monkeypatch.setattr(runtime, "_STARTED_LOCAL", False)
    assert fit_cpus(2.0) == 2.0 and fit_cpus(2.0, share=0.5) == 2.0  # a cluster grows to the request
    monkeypatch.setattr(runtime, "_STARTED_LOCAL", True)
    monkeypatch.setattr(runtime, "_LOCAL_CPUS", 1.0)
    # one CPU: an actor pool and the reads feeding it get half each; a lone task the whole node
    assert task_options(StageResources(cpus=1.0, memory_mb=512))["num_cpus"] == 0.5
    assert task_options(StageResources(cpus=2.0, memory_mb=512), share=1.0)["num_cpus"] == 1.0
    check_fits(fit_cpus(2.0), 0, [{"CPU": 1.0}], "resources.tokenize.cpus", "resources.tokenize.memory_mb")
    monkeypatch.setattr(runtime, "_LOCAL_CPUS", 2.0)
    assert task_options(StageResources(cpus=1.0, memory_mb=512))["num_cpus"] == 1.0


def test_resources_section_rejects_bad_keys():
    with pytest.raises(UserError, match=r"resources\.dedup\.memroy_mb.*did you mean 'memory_mb'"):
        validate(RunConfig, {"input": ["x"], "output": "y", "resources": {"dedup": {"memroy_mb": 1}}}, "run.yaml")
    cfg = validate(RunConfig, {"input": ["x"], "output": "y", "resources": {"langid": {"max_actors": 3}}}, "run.yaml")
    assert cfg.resources.langid.max_actors == 3 and cfg.resources.langid.min_actors == 1


def test_blocks_follow_data_size_spread_small_inputs_and_fit_the_budget():
    budget = 1024 * MB
    assert blocks_for(0, budget) == 1
    assert blocks_for(15 * MB, budget) == 8  # a small input still spreads over a few nodes
    assert blocks_for(10 * 1024 * MB, budget) == 40  # past the spread: each block a quarter of the budget
    assert blocks_for(1 << 40, budget) == 4096


def test_dedup_partitions_keep_a_small_input_in_several_pieces_and_a_big_one_within_the_budget():
    """One partition would be one output file, read as one task by every later step (issue 19)."""
    from filters.dedup_config import DedupConfig
    from pipeline.stages.dedup_exact import PARTITION_SHARE, num_partitions

    res = StageResources(memory_mb=2048)
    assert num_partitions(DedupConfig(), 15 * MB, res) == 8
    assert num_partitions(DedupConfig(), 100 * 1024 * MB, res) == partitions_for(100 * 1024 * MB, res.memory_bytes, PARTITION_SHARE) == 1600
    assert num_partitions(DedupConfig(num_partitions=3), 15 * MB, res) == 3


SHAPES = [{"CPU": 0, "memory": 8 * 1024 * MB}, {"CPU": 8, "memory": 32 * 1024 * MB}]


def test_a_request_some_node_type_holds_passes_and_one_none_holds_names_the_setting():
    check_fits(8, 32 * 1024 * MB, SHAPES, "resources.x.cpus", "resources.x.memory_mb")
    check_fits(64, 1 << 50, None, "resources.x.cpus", "resources.x.memory_mb")  # node types unknown: not refused
    with pytest.raises(UserError, match=r"^tokenizer\.char_budget: .*33,792 MiB.*largest: 8 CPUs, 32,768 MiB.*lower tokenizer\.char_budget"):
        check_fits(1, 33 * 1024 * MB, SHAPES, "resources.tokenizer.cpus", "tokenizer.char_budget")
    with pytest.raises(UserError, match=r"^resources\.tokenize\.cpus: .*lower resources\.tokenize\.cpus"):
        check_fits(16, MB, SHAPES, "resources.tokenize.cpus", "resources.tokenize.memory_mb")


def test_training_asks_for_the_memory_guard_estimate_when_it_is_above_the_setting():
    from pipeline.stages.tokenizer_sample import training_request

    res = StageResources(cpus=2, memory_mb=4096)
    assert training_request(res, 12 << 30) == (2, 12 << 30)
    assert training_request(res, 1 << 20) == (2, 4096 * MB)


def test_an_actor_count_fixes_the_pool():
    res = StageResources(min_actors=1, max_actors=None)
    assert res.fixed(None) is res
    assert (res.fixed(3).min_actors, res.fixed(3).max_actors) == (3, 3)


def test_memory_reservation_off_reaches_every_stage_and_keeps_the_budget():
    cfg = validate(RunConfig, {"input": ["x"], "output": "y", "resources": {"reserve_memory": False}}, "run.yaml")
    assert task_options(cfg.resources.langid) == {"num_cpus": 1.0}
    assert cfg.resources.dedup.memory_bytes == 2048 * MB and cfg.resources.io.reserved_bytes == 0
