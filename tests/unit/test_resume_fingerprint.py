"""The resume fingerprint changes with the installed pentaglot and with the content of every model file."""

from __future__ import annotations

import pytest

from pipeline import runner as runner_module
from pipeline.config import RunConfig
from pipeline.runner import Runner, RunState


@pytest.fixture()
def models(tmp_path):
    lid, tok = tmp_path / "lid.ftz", tmp_path / "tok.model"
    lid.write_bytes(b"model one")
    tok.write_bytes(b"tokenizer one")
    config = RunConfig(input=[str(tmp_path / "in")], output=str(tmp_path / "out"), langid={"model": str(lid)})
    return Runner(config, echo=lambda _: None), RunState([], "f", tokenizer=str(tok)), lid, tok


def test_a_replaced_model_file_at_the_same_path_changes_its_steps_fingerprint(models):
    runner, state, lid, tok = models
    before = {step: runner._code_and_models(step, state) for step in ("langid", "tokenize", "filter")}
    lid.write_bytes(b"model two")
    tok.write_bytes(b"tokenizer two")
    after = {step: runner._code_and_models(step, state) for step in ("langid", "tokenize", "filter")}
    assert after["langid"] != before["langid"] and after["tokenize"] != before["tokenize"]
    assert after["filter"] == before["filter"]  # no model: only the version counts


def test_an_upgraded_pentaglot_changes_every_steps_fingerprint(models, monkeypatch):
    runner, state, _, _ = models
    before = runner._code_and_models("filter", state)
    monkeypatch.setattr(runner_module, "PENTAGLOT_VERSION", "99.0")
    assert runner._code_and_models("filter", state) != before
