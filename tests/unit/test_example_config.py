"""``pentaglot config --example``: every section of RunConfig, with its defaults, parses back to the defaults."""

from __future__ import annotations

import yaml
from click.testing import CliRunner
from pydantic import BaseModel

from filters import languages
from pipeline.cli import main
from pipeline.commands.config import PER_LANGUAGE
from pipeline.config import RunConfig, validate


def _keys(model: type[BaseModel], data: dict, where: str) -> list[str]:
    """Fields of ``model`` (recursively) that ``data`` lacks."""
    missing = []
    for name, info in model.model_fields.items():
        if name not in data:
            missing.append(f"{where}{name}")
        elif isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            missing += _keys(info.annotation, data[name], f"{where}{name}.")
    return missing


def test_example_covers_every_section_and_field_with_the_defaults():
    result = CliRunner().invoke(main, ["config", "--example"])
    assert result.exit_code == 0
    data = yaml.safe_load(result.output)
    assert _keys(RunConfig, data, "") == []
    example = validate(RunConfig, data, "example")
    defaults = RunConfig(input=data["input"], output=data["output"]).model_dump(mode="json")
    shown = example.model_dump(mode="json")
    for section, field in PER_LANGUAGE:
        # per-language maps are spelled out for every default language, not left as {}
        assert set(shown[section].pop(field)) == set(languages.DEFAULT_LANGUAGES)
        assert defaults[section].pop(field) == {}
    assert shown == defaults


def test_per_language_values_are_the_language_table():
    data = yaml.safe_load(CliRunner().invoke(main, ["config", "--example"]).output)
    example = validate(RunConfig, data, "example")
    for code in languages.DEFAULT_LANGUAGES:
        assert example.langid.threshold(code) == languages.get(code).lid_threshold
        assert example.quality.min_length_of(code) == languages.get(code).min_length
