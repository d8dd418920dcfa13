"""A finished `pentaglot run` on the built-in sample, shared by the run tests as the reference."""

from __future__ import annotations

import pytest

from pipeline.config import load_config
from pipeline.runner import Runner
from tests.integration.run_helpers import write_config


@pytest.fixture(scope="session")
def finished_run(ray_session, tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    out = folder / "out"
    config = load_config(write_config(folder, str(out)))
    report = Runner(config, echo=lambda _: None).run()
    return folder, out, report
