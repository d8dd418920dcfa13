"""``pentaglot config``: show the effective config or print a commented example."""

from __future__ import annotations

from importlib import resources

import click

from pipeline.commands.common import handle_errors
from pipeline.config import dump_config, load_config


def example_config() -> str:
    return resources.files("pipeline").joinpath("example_config.yaml").read_text(encoding="utf-8")


@click.command("config")
@click.option("--show", "show", type=click.Path(dir_okay=False), help="print CONFIG with every default filled in")
@click.option("--example", is_flag=True, help="print a commented example config")
@handle_errors
def command(show, example):
    """Validate and print a run config, or print an example to start from."""
    if example == bool(show):
        raise click.UsageError("pass exactly one of --show CONFIG or --example")
    click.echo(example_config() if example else dump_config(load_config(show)), nl=False)
