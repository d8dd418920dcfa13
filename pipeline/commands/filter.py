"""``pentaglot filter IN... OUT``: per-language quality rules on langid output."""

from __future__ import annotations

import click

from filters.quality import RULES, QualityConfig
from pipeline.commands.common import io_options, run_stage_command


def _rules(ctx, param, value):
    return None if value is None else [rule.strip() for rule in value.split(",") if rule.strip()]


@click.command("filter")
@io_options
@click.option("--rules", callback=_rules, help=f"rules to apply, comma-separated (default all: {','.join(RULES)})")
def command(rules, **opts):
    """Apply quality rules (needs the lang column from `pentaglot langid`); reasons quality:<rule>."""
    run_stage_command("filter", opts, "quality", QualityConfig, {"rules": rules})
