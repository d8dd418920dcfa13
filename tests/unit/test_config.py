from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import RunConfig, load_config
from pipeline.errors import UserError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    return path


def test_minimal_config_fills_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "input: data/*.jsonl\noutput: out\n"))
    assert cfg.input == ["data/*.jsonl"]
    assert cfg.languages == ["ko", "en", "zh", "ja", "es"]
    assert cfg.normalize.form == "NFC"


def test_unknown_key_names_file_key_and_suggestion(tmp_path):
    path = write(tmp_path, "input: a\noutput: b\nnormalize:\n  fomr: NFKC\n")
    with pytest.raises(UserError) as err:
        load_config(path)
    msg = str(err.value)
    assert str(path) in msg and "normalize.fomr" in msg and "did you mean 'form'" in msg
    assert "\n" not in msg


def test_wrong_type_and_missing_required(tmp_path):
    with pytest.raises(UserError, match=r"storage\.max_attempts"):
        load_config(write(tmp_path, "input: a\noutput: b\nstorage: {max_attempts: many}\n"))
    with pytest.raises(UserError, match=r"missing required key 'output'"):
        load_config(write(tmp_path, "input: a\n"))


def test_bad_yaml_and_missing_file(tmp_path):
    with pytest.raises(UserError, match=r"run.yaml:\d+: not valid YAML"):
        load_config(write(tmp_path, "input: [a\noutput: b\n"))
    with pytest.raises(UserError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


def test_example_config_is_valid_and_show_prints_defaults(tmp_path):
    runner = CliRunner()
    example = runner.invoke(main, ["config", "--example"])
    assert example.exit_code == 0 and "normalize:" in example.output
    path = write(tmp_path, example.output)
    RunConfig.model_validate(load_config(path).model_dump())
    shown = runner.invoke(main, ["config", "--show", str(path)])
    assert shown.exit_code == 0 and "max_blank_lines: 1" in shown.output


def test_config_show_error_is_one_line_exit_2(tmp_path):
    path = write(tmp_path, "input: a\noutput: b\nbogus: 1\n")
    result = CliRunner().invoke(main, ["config", "--show", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "unknown key 'bogus'" in result.output
