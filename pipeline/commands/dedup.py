"""``pentaglot dedup IN... OUT``: exact and near-duplicate removal on its own."""

from __future__ import annotations

import click

from filters.dedup_config import DedupConfig
from pipeline.commands.common import io_options, run_stage_command
from pipeline.errors import UserError


def parse_shingles(values: tuple[str, ...]) -> dict | None:
    """``LANG=UNIT:SIZE`` flags (e.g. ``ko=char:4``) as the config's ``shingles`` mapping."""
    out = {}
    for value in values:
        lang, sep, rest = value.partition("=")
        unit, colon, size = rest.partition(":")
        if not (sep and colon and lang and size.isdigit()):
            raise UserError(f"--shingle {value!r}: expected LANG=UNIT:SIZE, e.g. en=word:5 or zh=char:5")
        out[lang] = {"unit": unit, "size": int(size)}
    return out or None


@click.command("dedup")
@io_options
@click.option("--threshold", type=float, help="Jaccard similarity from which documents are near duplicates (default 0.6)")
@click.option("--num-perm", type=int, help="MinHash permutations (default 128)")
@click.option("--shingle", "shingles", multiple=True, metavar="LANG=UNIT:SIZE", help="override the language table's shingles, e.g. ko=char:5 (repeatable)")
@click.option("--exact-only/--near", default=None, help="only remove exact duplicates (default: exact, then near)")
@click.option("--exact-match", type=click.Choice(["raw", "matching"]), help="exact dedup compares raw text or the case/width/punctuation-folded form (default)")
@click.option("--keep", help="which document a cluster keeps: lowest_id (default), longest, or a numeric column (higher wins)")
@click.option("--seed", type=int, help="MinHash seed (default 1)")
@click.option("--num-partitions", type=int, help="hash-shuffle partitions of every dedup shuffle (default: from the data size and resources.dedup.memory_mb)")
@click.option("--shuffle", type=click.Choice(["sort", "hash", "disk"]), help="Ray exchange used for the shuffles: hash (default; task-based, compressed pieces, flat driver), sort (faster on a small cluster; driver state grows with the square of the data), disk (hash with pieces on local disk)")
def command(threshold, num_perm, shingles, exact_only, exact_match, keep, seed, num_partitions, shuffle, **opts):
    """Remove exact and near duplicates (MinHash + LSH); write kept/, rejected/, clusters/."""
    flags = {
        "threshold": threshold,
        "num_perm": num_perm,
        "shingles": parse_shingles(shingles),
        "exact_only": exact_only,
        "exact_match": exact_match,
        "keep": keep,
        "seed": seed,
        "num_partitions": num_partitions,
        "shuffle": shuffle,
    }
    run_stage_command("dedup", opts, "dedup", DedupConfig, flags)
