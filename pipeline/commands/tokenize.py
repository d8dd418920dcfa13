"""``pentaglot tokenize IN... OUT --tokenizer MODEL``: documents to token shards."""

from __future__ import annotations

import click

from pipeline.commands.common import StageSettings, io_options
from pipeline.resources import ResourcesConfig
from pipeline.shards.config import TokenizeConfig


@click.command("tokenize")
@io_options
@click.option("--tokenizer", "tokenizer", metavar="MODEL", help="sentencepiece .model file (local or s3://)")
@click.option(
    "--special-tokens",
    type=click.Choice(["eos", "bos", "both", "none"]),
    help="per document: append eos (default), prepend bos, both, or none",
)
@click.option("--threads", type=int, help="encode threads per call (default 1; an actor runs resources.tokenize.cpus // threads calls at once)")
@click.option("--actors", type=int, help="tokenizer actors, a fixed pool (default: resources.tokenize, growing with the cluster)")
@click.option("--shard-mb", type=int, help="target shard size in MiB (default 256)")
@click.option("--buckets", type=int, help="hash buckets of document ids (default: input size / shard size)")
@click.option("--min-pieces", type=int, help="cut the input into at least this many pieces (default 16)")
@click.option("--batch-size", type=int, help="documents per encode call (default 1024)")
def command(tokenizer, special_tokens, threads, actors, shard_mb, buckets, min_pieces, batch_size, **opts):
    """Tokenize documents into Arrow shards (OUT/*.arrow) committed by OUT/manifest.json."""
    flags = {
        "tokenizer": tokenizer,
        "special_tokens": special_tokens,
        "threads": threads,
        "shard_mb": shard_mb,
        "buckets": buckets,
        "min_pieces": min_pieces,
        "batch_size": batch_size,
    }
    settings = StageSettings(opts, "tokenize", TokenizeConfig, flags)
    settings.check("tokenize")
    from pipeline.stages.tokenize import run_tokenize  # Ray: imported once the paths are known to be right
    from pipeline.storage import Storage

    report = run_tokenize(
        settings.inputs,
        settings.out,
        settings.stage,
        reader=settings.reader,
        storage=Storage(settings.storage),
        overwrite=settings.overwrite,
        num_cpus=settings.num_cpus,
        resources=(settings.run.resources if settings.run else ResourcesConfig()).tokenize.fixed(actors),
    )
    click.echo(report.summary())
