"""The ``pentaglot`` console script: one click group, one module per command."""

from __future__ import annotations

import click

from pipeline.commands import config as config_cmd
from pipeline.commands import dedup as dedup_cmd
from pipeline.commands import demo as demo_cmd
from pipeline.commands import filter as filter_cmd
from pipeline.commands import langid as langid_cmd
from pipeline.commands import normalize as normalize_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pentaglot")
def main():
    """pentaglot: multilingual (ko/en/zh/ja/es) pretraining data on Ray."""


main.add_command(demo_cmd.command)
main.add_command(config_cmd.command)
main.add_command(normalize_cmd.command)
main.add_command(langid_cmd.command)
main.add_command(filter_cmd.command)
main.add_command(dedup_cmd.command)
