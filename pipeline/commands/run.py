"""``pentaglot run CONFIG``: the whole pipeline as one resumable batch job."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.common import handle_errors
from pipeline.config import STEPS, load_config
from pipeline.runtime import Console, configure_console
from pipeline.storage import is_s3


@click.command("run")
@click.argument("config_path", metavar="CONFIG.yaml")
@click.option("--from", "from_step", type=click.Choice(STEPS), help="redo this step and every later one even if committed")
@click.option("--num-cpus", type=int, help="CPUs for the embedded local Ray (ignored on a cluster)")
@handle_errors
def command(config_path, from_step, num_cpus):
    """Run every step the config enables; committed steps whose config and inputs match are skipped."""
    from pipeline.runner import Runner

    config = load_config(config_path)
    if not is_s3(config.output):
        configure_console(Console.verbose, str(Path(config.output) / "_logs"))
    Runner(config, from_step=from_step, num_cpus=num_cpus, echo=click.echo).run()
    if Console.log_file:
        click.echo(f"Ray's own log lines: {Console.log_file} (pentaglot --verbose shows them)")
