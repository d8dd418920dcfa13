"""``pentaglot config``: show the effective config or print a commented example.

The example is built from the config models themselves (every section of
``RunConfig``, every field with its default, its description as a comment), so
a section added to ``RunConfig`` appears in it without anyone editing a YAML
file.  Per-language override maps, empty by default, are shown filled with the
language table's values for the default languages: the same settings, spelled
out where a user would change them.
"""

from __future__ import annotations

from typing import Any, Callable

import click
import yaml
from pydantic import BaseModel

from filters import languages
from pipeline.commands.common import handle_errors
from pipeline.config import RunConfig, dump_config, load_config

HEADER = """\
# pentaglot run config. Every key is optional except input and output;
# `pentaglot config --show THIS_FILE` prints it with all defaults filled in.
"""
EXAMPLE_REQUIRED = {
    "input": (["s3://my-bucket/raw/*.jsonl.gz"], "required: files, folders or globs; local paths or s3:// URIs"),
    "output": ("s3://my-bucket/pentaglot/run-001", "required: where stage outputs, token shards and reports go"),
}
# (section, field) -> the language table's value for one language
PER_LANGUAGE: dict[tuple[str, str], Callable[[languages.Language], Any]] = {
    ("langid", "thresholds"): lambda lang: lang.lid_threshold,
    ("quality", "min_length"): lambda lang: lang.min_length,
    ("dedup", "shingles"): lambda lang: {"unit": lang.shingle_unit, "size": lang.shingle_size},
}


def _inline(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip().removesuffix("\n...").strip()


def _lines(model: type[BaseModel], values: dict, section: tuple[str, ...], indent: str) -> list[str]:
    """``key: value  # description`` per field; nested sections as nested blocks."""
    out = []
    for name, info in model.model_fields.items():
        value = values[name]
        fill = PER_LANGUAGE.get((*section, name))
        if fill is not None and not value:
            value = {code: fill(languages.get(code)) for code in languages.DEFAULT_LANGUAGES}
        comment = f"  # {info.description}" if info.description else ""
        nested = info.annotation if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel) else None
        if nested is not None:
            out.append(f"{indent}{name}:{comment}")
            out += _lines(nested, value, (*section, name), indent + "  ")
        else:
            out.append(f"{indent}{name}: {_inline(value)}{comment}")
    return out


def example_config() -> str:
    """Every RunConfig section with its defaults, as YAML with comments."""
    defaults = RunConfig(**{key: value for key, (value, _) in EXAMPLE_REQUIRED.items()}).model_dump(mode="json")
    lines = [HEADER]
    for name, info in RunConfig.model_fields.items():
        if name in EXAMPLE_REQUIRED:
            lines.append(f"# {EXAMPLE_REQUIRED[name][1]}\n{name}: {_inline(defaults[name])}")
            continue
        nested = info.annotation if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel) else None
        if nested is None:
            comment = f"  # {info.description}" if info.description else ""
            lines.append(f"{name}: {_inline(defaults[name])}{comment}")
        else:
            doc = " ".join((nested.__doc__ or "").strip().split("\n\n")[0].split())
            lines.append("\n".join([f"\n# {doc}" if doc else "", f"{name}:", *_lines(nested, defaults[name], (name,), "  ")]).lstrip("\n"))
    return "\n".join(lines) + "\n"


@click.command("config")
@click.option("--show", "show", type=click.Path(dir_okay=False), help="print CONFIG with every default filled in")
@click.option("--example", is_flag=True, help="print a commented example with every section and its defaults")
@handle_errors
def command(show, example):
    """Validate and print a run config, or print an example to start from."""
    if example == bool(show):
        raise click.UsageError("pass exactly one of --show CONFIG or --example")
    click.echo(example_config() if example else dump_config(load_config(show)), nl=False)
