"""``pentaglot verify OUT``: check a token shard folder against its manifest."""

from __future__ import annotations

import hashlib
import sys

import click

from pipeline.commands.common import handle_errors
from pipeline.config import StorageConfig, validate
from pipeline.errors import UserError


@click.command("verify")
@click.argument("out", metavar="OUT")
@click.option("--tokenizer", metavar="MODEL", help="also require the shards to be written with this .model file")
@click.option("--endpoint-url", help="S3-compatible endpoint URL (MinIO, R2, ...)")
@click.option("--region", help="S3 region")
@click.option("--profile", help="AWS profile name")
@handle_errors
def command(out, tokenizer, endpoint_url, region, profile):
    """Check every shard's checksum, rows, token counts and ids; exit 1 naming each problem."""
    from pipeline.shards.verify import read_manifest, verify
    from pipeline.storage import Storage

    storage = Storage(
        validate(
            StorageConfig,
            {k: v for k, v in {"endpoint_url": endpoint_url, "region": region, "profile": profile}.items() if v},
            "command-line storage flags",
        )
    )
    expected = None
    if tokenizer is not None:
        if storage.stat(tokenizer) is None:
            raise UserError(f"{tokenizer}: tokenizer model not found; pass the .model file the shards should use")
        expected = hashlib.sha256(storage.read_bytes(tokenizer)).hexdigest()
    problems = verify(storage, out, expected)
    if problems:
        for problem in problems:
            click.echo(f"{out}: {problem}", err=True)
        click.echo(f"{out}: FAILED, {len(problems)} problem{'s' if len(problems) > 1 else ''}", err=True)
        sys.exit(1)
    totals = read_manifest(storage, out)["totals"]
    click.echo(f"{out}: ok, {totals['shards']} shards, {totals['rows']:,} documents, {totals['tokens']:,} tokens")
