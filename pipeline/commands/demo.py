"""``pentaglot demo``: the pipeline on a built-in five-language sample.

The sample (pipeline/sample/sample.jsonl) is small, hand-written text in the
five languages plus off-language documents, exact and near duplicates, junk
and one malformed line, so every stage has something to do.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.common import handle_errors


@click.command("demo")
@click.option("--out", default="pentaglot-demo", show_default=True, help="folder for all outputs")
@click.option("--num-cpus", type=int, help="CPUs for the embedded local Ray")
@handle_errors
def command(out, num_cpus):
    """Run the whole pipeline on the built-in sample and print what happened."""
    from pipeline.demo import run_demo

    run_demo(Path(out), num_cpus)
