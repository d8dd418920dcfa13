"""``pentaglot redact IN... OUT``: personal data replaced by typed placeholders."""

from __future__ import annotations

import click

from filters.pii_config import PII_TYPES, RedactConfig
from pipeline.commands.common import StageSettings, io_options
from pipeline.errors import UserError


def _types(ctx, param, value):
    types = [t.strip().upper() for item in value for t in item.split(",") if t.strip()]
    unknown = sorted(set(types) - set(PII_TYPES))
    if unknown:
        raise UserError(f"--{param.name}: unknown PII type(s) {unknown}; choose from {', '.join(PII_TYPES)}")
    return types


@click.command("redact")
@io_options
@click.option("--keep", "keep_types", multiple=True, callback=_types, help="types to count but leave in place, comma-separated")
@click.option("--reject", "reject_types", multiple=True, callback=_types, help="types that reject the document, comma-separated")
def command(keep_types, reject_types, **opts):
    """Redact emails, IPs, phone numbers, national IDs, cards and IBANs (validated); count them per type and language."""
    from pipeline.api import run_stage

    settings = StageSettings(opts, "redact", RedactConfig, {})
    # Flags override the config file's actions type by type, not as a whole.
    actions = {**settings.stage.actions, **dict.fromkeys(keep_types, "keep"), **dict.fromkeys(reject_types, "reject")}
    settings.stage = settings.stage.model_copy(update={"actions": actions})
    report = run_stage("redact", settings)
    click.echo(report.summary())
    for kind, row in report.data.get("pii", {}).get("by_type", {}).items():
        click.echo(f"    {kind}: {row['total']:,}")

