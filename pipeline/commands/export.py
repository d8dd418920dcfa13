"""``pentaglot export SHARDS OUT --format megatron``: token shards to a trainer's format."""

from __future__ import annotations

import click

from pipeline.commands.common import handle_errors
from pipeline.config import StorageConfig, load_config, validate
from pipeline.shards.mixture_config import MixtureConfig


@click.command("export")
@click.argument("shards", metavar="SHARDS")
@click.argument("out", metavar="OUT")
@click.option("--format", "fmt", type=click.Choice(["megatron"]), required=True, help="output format")
@click.option("--layout", type=click.Choice(["per-language", "merged"]), default="per-language", show_default=True,
              help="one dataset per language (blend them with the printed --data-path) or one for all")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="run config YAML: its mixture section (token shares, max epochs, seed) and storage")
@click.option("--seed", type=int, help="mixture seed (default: the config's mixture.seed, else 0)")
@click.option("--overwrite", is_flag=True, help="replace OUT if it exists")
@click.option("--endpoint-url", help="S3-compatible endpoint URL (MinIO, R2, ...)")
@click.option("--region", help="S3 region")
@click.option("--profile", help="AWS profile name")
@click.option("--num-cpus", type=int, help="CPUs for the embedded local Ray (ignored on a cluster)")
@handle_errors
def command(shards, out, fmt, layout, config_path, seed, overwrite, endpoint_url, region, profile, num_cpus):
    """Write Megatron indexed datasets (.bin/.idx) with a provenance table, applying the config's mixture."""
    from pipeline.export.job import run_export
    from pipeline.storage import Storage

    run = load_config(config_path) if config_path else None
    mixture = run.mixture if run else MixtureConfig()
    flags = {k: v for k, v in {"endpoint_url": endpoint_url, "region": region, "profile": profile}.items() if v}
    storage = validate(StorageConfig, {**(run.storage.model_dump() if run else {}), **flags}, "command-line storage flags")
    report = run_export(
        shards,
        out,
        mixture.mixture(),
        seed=mixture.seed if seed is None else seed,
        per_language=layout == "per-language",
        storage=Storage(storage),
        overwrite=overwrite,
        num_cpus=num_cpus,
    )
    click.echo(report.summary())
