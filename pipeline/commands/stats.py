"""``pentaglot stats PATH [--out DIR]`` and ``pentaglot stats --compare A B``.

The shared flags (``--config``, reader, storage, ``--overwrite``,
``--num-cpus``) are the stage commands' own, reused from ``io_options`` without
its positional IN... OUT: stats takes one PATH (or ``--compare A B``) and an
optional ``--out``.
"""

from __future__ import annotations

import click

from pipeline.commands.common import StageSettings, io_options
from pipeline.stats.settings import StatsConfig


def stats_io(fn):
    """``io_options`` minus IN... OUT, so the flags and their errors match every stage command."""
    fn = io_options(fn)
    fn.__click_params__ = [p for p in fn.__click_params__ if p.name not in {"inputs", "out"}]
    return fn


@click.command("stats")
@click.argument("path", required=False)
@click.option("--out", help="folder for stats.json, the PNG plots and report.html (default: print only)")
@click.option("--compare", nargs=2, metavar="A B", help="two datasets (or stats.json files) side by side")
@click.option("--sample", type=float, help="fraction of documents to measure, for a quick look (e.g. 0.01)")
@click.option("--seed", type=int, help="seed of --sample (default 0)")
@click.option("--top-lines", type=int, help="repeated lines to list (default 50)")
@stats_io
def command(path, out, compare, sample, seed, top_lines, **opts):
    """Statistics of a raw corpus, a stage or run folder, token shards or an export: tables, stats.json, plots, report.html."""
    from pipeline.stats.outputs import run_compare, run_stats
    from pipeline.storage import Storage

    if bool(path) == bool(compare):
        raise click.UsageError("pass PATH, or --compare A B (not both)")
    inputs = [path] if path else list(compare)
    flags = {"sample": sample, "seed": seed, "top_lines": top_lines}
    settings = StageSettings({**opts, "inputs": inputs, "out": out}, "stats", StatsConfig, flags)
    args = (settings.out, settings.stage, settings.reader, Storage(settings.storage), settings.overwrite, settings.num_cpus)
    click.echo(run_stats(path, *args) if path else run_compare(*compare, *args))
