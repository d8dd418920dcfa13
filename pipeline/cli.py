"""The ``pentaglot`` console script: one click group, one module per command."""

from __future__ import annotations

import click

from pipeline.runtime import configure_console

from pipeline.commands import config as config_cmd
from pipeline.commands import decontaminate as decontaminate_cmd
from pipeline.commands import dedup as dedup_cmd
from pipeline.commands import demo as demo_cmd
from pipeline.commands import export as export_cmd
from pipeline.commands import filter as filter_cmd
from pipeline.commands import langid as langid_cmd
from pipeline.commands import normalize as normalize_cmd
from pipeline.commands import redact as redact_cmd
from pipeline.commands import run as run_cmd
from pipeline.commands import stats as stats_cmd
from pipeline.commands import tokenize as tokenize_cmd
from pipeline.commands import tokenizer as tokenizer_cmd
from pipeline.commands import verify as verify_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pentaglot")
@click.option("-v", "--verbose", is_flag=True, help="show Ray's own log lines (default: kept in a log file)")
def main(verbose):
    """pentaglot: multilingual (ko/en/zh/ja/es) pretraining data on Ray."""
    configure_console(verbose)


for module in (demo_cmd, run_cmd, config_cmd, normalize_cmd, langid_cmd, filter_cmd, dedup_cmd, decontaminate_cmd, redact_cmd, tokenizer_cmd, tokenize_cmd, verify_cmd, export_cmd, stats_cmd):
    main.add_command(module.command)
