"""``pentaglot stats PATH [--out DIR]`` and ``pentaglot stats --compare A B``."""

from __future__ import annotations

import click

from pipeline.commands.common import StageSettings, handle_errors
from pipeline.stats.settings import StatsConfig


@click.command("stats")
@click.argument("path", required=False)
@click.option("--out", help="folder for stats.json, the PNG plots and report.html (default: print only)")
@click.option("--compare", nargs=2, metavar="A B", help="two datasets (or stats.json files) side by side")
@click.option("--sample", type=float, help="fraction of documents to measure, for a quick look (e.g. 0.01)")
@click.option("--seed", type=int, help="seed of --sample (default 0)")
@click.option("--top-lines", type=int, help="repeated lines to list (default 50)")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="run config YAML to take settings from")
@click.option("--overwrite", is_flag=True, help="replace --out if it exists")
@click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "parquet", "text"]), help="raw input format (default: from file names)")
@click.option("--text-field", help="field holding the document text (default: text)")
@click.option("--id-field", help="field holding the document id (default: id)")
@click.option("--text-unit", type=click.Choice(["file", "line"]), help="plain text: a document per file or per line")
@click.option("--endpoint-url", help="S3-compatible endpoint URL (MinIO, R2, ...)")
@click.option("--region", help="S3 region")
@click.option("--profile", help="AWS profile name")
@click.option("--num-cpus", type=int, help="CPUs for the embedded local Ray (ignored on a cluster)")
@handle_errors
def command(path, out, compare, sample, seed, top_lines, **opts):
    """Statistics of a raw corpus, a stage or run folder, or token shards: tables, stats.json, plots, report.html."""
    from pipeline.stats.outputs import run_compare, run_stats
    from pipeline.storage import Storage

    if bool(path) == bool(compare):
        raise click.UsageError("pass PATH, or --compare A B (not both)")
    inputs = [path] if path else list(compare)
    flags = {"sample": sample, "seed": seed, "top_lines": top_lines}
    settings = StageSettings({**opts, "inputs": inputs, "out": out}, "stats", StatsConfig, flags)
    args = (settings.out, settings.stage, settings.reader, Storage(settings.storage), settings.overwrite, settings.num_cpus)
    click.echo(run_stats(path, *args) if path else run_compare(*compare, *args))
