"""Stage resources: data-sized partitions and validated requests (no Ray started)."""

from __future__ import annotations

import pytest

from pipeline.config import RunConfig, validate
from pipeline.errors import UserError
from pipeline.resources import MB, StageResources, partitions_for, task_options


def test_partitions_follow_data_size_not_cluster():
    budget = 1024 * MB
    assert partitions_for(0, budget) == 1
    assert partitions_for(256 * MB, budget) == 1
    assert partitions_for(256 * MB + 1, budget) == 2
    assert partitions_for(100 * 1024 * MB, budget) == 400


def test_task_options_carry_cpus_and_memory():
    assert task_options(StageResources(cpus=0.5, memory_mb=512)) == {"num_cpus": 0.5, "memory": 512 * MB}


def test_resources_section_rejects_bad_keys():
    with pytest.raises(UserError, match=r"resources\.dedup\.memroy_mb.*did you mean 'memory_mb'"):
        validate(RunConfig, {"input": ["x"], "output": "y", "resources": {"dedup": {"memroy_mb": 1}}}, "run.yaml")
    cfg = validate(RunConfig, {"input": ["x"], "output": "y", "resources": {"langid": {"max_actors": 3}}}, "run.yaml")
    assert cfg.resources.langid.max_actors == 3 and cfg.resources.langid.min_actors == 1
