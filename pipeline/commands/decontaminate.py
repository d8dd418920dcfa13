"""``pentaglot decontaminate IN... OUT --eval-set PATH``: drop or mask evaluation-set overlap."""

from __future__ import annotations

import click

from filters.decontam_config import DecontaminateConfig
from pipeline.commands.common import StageSettings, io_options


def _fields(ctx, param, value):
    return None if value is None else [field.strip() for field in value.split(",") if field.strip()]


@click.command("decontaminate")
@io_options
@click.option("--eval-set", "eval_sets", multiple=True, metavar="PATH", help="local JSONL/Parquet/CSV file or Hugging Face datasets folder (repeatable)")
@click.option("--fields", callback=_fields, help="eval-set text fields of an item, comma-separated, for every --eval-set (default: text)")
@click.option("--item-id-field", help="eval-set field naming an item (default: its row number)")
@click.option("--word-size", type=int, help="n of word n-grams (default 8)")
@click.option("--char-size", type=int, help="n of character n-grams for Chinese, Japanese and Korean (default 13)")
@click.option("--min-overlap", type=float, help="share of an item's n-grams that makes a document contaminated (default 0.5)")
@click.option("--action", type=click.Choice(["reject", "mask"]), help="reject contaminated documents (default) or mask the matched spans")
@click.option("--index-memory-mb", type=int, help="largest index shipped to every worker; bigger ones are joined through a shuffle")
def command(eval_sets, fields, item_id_field, word_size, char_size, min_overlap, action, index_memory_mb, **opts):
    """Find documents that contain evaluation items (n-gram overlap per script); write kept/, rejected/, a per-set report."""
    from pipeline.api import run_stage

    sets = None
    if eval_sets:
        extra = {k: v for k, v in (("fields", fields), ("id_field", item_id_field)) if v is not None}
        sets = [{"path": path, **extra} for path in eval_sets]
    flags = {"eval_sets": sets, "word_size": word_size, "char_size": char_size, "min_overlap": min_overlap, "action": action, "index_memory_mb": index_memory_mb}
    settings = StageSettings(opts, "decontaminate", DecontaminateConfig, flags)
    report = run_stage("decontaminate", settings)
    click.echo(report.summary())
    for name, row in report.data.get("contamination", {}).items():
        click.echo(f"    {name}: {row['items_seen']:,} of {row['items']:,} items seen, {row['documents_hit']:,} documents hit")
