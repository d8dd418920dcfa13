"""``pentaglot normalize IN... OUT``: the normalize stage on its own."""

from __future__ import annotations

import click

from filters.normalize import NormalizeConfig
from pipeline.commands.common import io_options, run_stage_command


@click.command("normalize")
@io_options
@click.option("--form", type=click.Choice(["NFC", "NFKC", "none"]), help="Unicode normalization form (default NFC)")
@click.option("--keep-control/--remove-control", default=None, help="keep or drop control characters")
@click.option("--collapse-whitespace/--keep-whitespace", default=None, help="collapse runs of spaces and trim lines")
def command(form, keep_control, collapse_whitespace, **opts):
    """Normalize Unicode, invisible characters and whitespace; write kept/, rejected/, quarantine/."""
    flags = {
        "form": form,
        "remove_control": None if keep_control is None else not keep_control,
        "collapse_whitespace": collapse_whitespace,
    }
    run_stage_command("normalize", opts, "normalize", NormalizeConfig, flags)
