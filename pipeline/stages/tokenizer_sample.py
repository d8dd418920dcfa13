"""The tokenizer's training sample, streamed on Ray in two passes over the corpus.

Pass 1 counts documents and characters per language; the driver turns the
counts into per-language keep probabilities (``tokenizer_training.sampling``).
Pass 2 keeps documents by a seeded hash of their id and cuts them into
training lines, which the driver writes to one text file as they stream in.
Neither pass holds the corpus: each block is reduced to a few counters (pass 1)
or to the sampled lines only (pass 2).

Counting is a map-side fold (one row per block and language) summed on the
driver rather than ``groupby().sum()``: the result is a handful of rows, and a
hash shuffle would start aggregator actors for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import ray

from filters.langid import LangIdConfig, LanguageIdentifier
from pipeline.documents import TEXT, ensure_base_columns, live_mask
from pipeline.stage_io import UNKNOWN_LANG
from tokenizer_training.memory import check_memory
from tokenizer_training.sampling import (
    allocate_chars,
    keep_probabilities,
    language_weights,
    sample_batch,
    sample_report,
)
from tokenizer_training.train import TokenizerConfig

LANG = "lang"


def _live(table: pa.Table) -> pa.Table:
    """Documents only: rejected and quarantine rows never reach the tokenizer."""
    table = ensure_base_columns(table)
    return table.filter(live_mask(table))


def _with_lang_column(table: pa.Table) -> pa.Table:
    table = _live(table)
    langs = pc.fill_null(table[LANG].cast(pa.string()), UNKNOWN_LANG)
    return table.set_column(table.column_names.index(LANG), LANG, langs)


class _Identify:
    """Adds ``lang`` to documents that have none; the fastText model loads once per actor."""

    def __init__(self, config: LangIdConfig):
        self.identifier = LanguageIdentifier(config)

    def __call__(self, table: pa.Table) -> pa.Table:
        table = _live(table)
        langs = self.identifier.identify(table[TEXT]).lang if table.num_rows else []
        return table.append_column(LANG, pa.array(langs, pa.string()))


def with_languages(ds: ray.data.Dataset, langid: LangIdConfig | None = None) -> ray.data.Dataset:
    """Live documents with a ``lang`` column: the langid stage's, or identified here when the input has none.

    Identification runs in both passes rather than materializing the corpus in
    between; it is deterministic, so both passes see the same languages.
    """
    schema = ds.schema()
    if schema is not None and LANG in schema.names:
        return ds.map_batches(_with_lang_column, batch_format="pyarrow", batch_size=None)
    return ds.map_batches(
        _Identify,
        fn_constructor_args=(langid or LangIdConfig(),),
        batch_format="pyarrow",
        batch_size=4096,
        compute=ray.data.ActorPoolStrategy(min_size=1),
    )


def _language_counts(table: pa.Table) -> pa.Table:
    counted = pa.table({LANG: table[LANG], "chars": pc.utf8_length(pc.fill_null(table[TEXT], "")).cast(pa.int64())})
    out = counted.group_by(LANG, use_threads=False).aggregate([("chars", "sum"), ("chars", "count")])
    return out.rename_columns([LANG, "chars", "docs"])


def count_languages(ds: ray.data.Dataset) -> dict[str, dict[str, int]]:
    """Documents and characters per language (pass 1)."""
    totals: dict[str, dict[str, int]] = {}
    for row in ds.map_batches(_language_counts, batch_format="pyarrow", batch_size=None).take_all():
        entry = totals.setdefault(row[LANG], {"docs": 0, "chars": 0})
        entry["docs"] += int(row["docs"])
        entry["chars"] += int(row["chars"])
    return dict(sorted(totals.items()))


def plan(counts: dict[str, dict[str, int]], cfg: TokenizerConfig) -> tuple[dict, dict, dict]:
    """(weights, target characters, keep probabilities) per language, for the configured languages only."""
    chars = {lang: c["chars"] for lang, c in counts.items() if lang in cfg.languages}
    weights = language_weights(chars, cfg.alpha, cfg.shares)
    targets = allocate_chars(chars, weights, cfg.char_budget)
    return weights, targets, keep_probabilities(chars, targets)


def write_sample(
    ds: ray.data.Dataset, probabilities: dict[str, float], cfg: TokenizerConfig, path: Path
) -> dict[str, dict[str, int]]:
    """Stream the sampled training lines into ``path`` (pass 2); returns per-language sample counts.

    Block order is preserved so the file, and the model trained on it, are the
    same bytes on every run.
    """
    lines = ds.map_batches(
        sample_batch,
        fn_kwargs={"probabilities": probabilities, "seed": cfg.seed, "max_bytes": cfg.max_sentence_bytes},
        batch_format="pyarrow",
        batch_size=None,
    )
    stats: dict[str, dict[str, int]] = {}
    ctx = ray.data.DataContext.get_current()
    preserve = ctx.execution_options.preserve_order
    ctx.execution_options.preserve_order = True
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            for batch in lines.iter_batches(batch_format="pyarrow", batch_size=None):
                if not batch.num_rows:
                    continue
                out.write("\n".join(batch["text"].to_pylist()) + "\n")
                per_lang = pa.table(
                    {
                        LANG: batch[LANG],
                        "chars": pc.utf8_length(batch["text"]).cast(pa.int64()),
                        "doc_start": batch["doc_start"].cast(pa.int64()),
                        "split": batch["split"].cast(pa.int64()),
                    }
                ).group_by(LANG, use_threads=False).aggregate(
                    [("chars", "sum"), ("chars", "count"), ("doc_start", "sum"), ("split", "sum")]
                )
                for row in per_lang.to_pylist():
                    entry = stats.setdefault(row[LANG], {"docs": 0, "chars": 0, "lines": 0, "split_lines": 0})
                    entry["chars"] += row["chars_sum"]
                    entry["lines"] += row["chars_count"]
                    entry["docs"] += row["doc_start_sum"]
                    entry["split_lines"] += row["split_sum"]
    finally:
        ctx.execution_options.preserve_order = preserve
    return stats


def sample_corpus(
    ds: ray.data.Dataset,
    cfg: TokenizerConfig,
    path: Path,
    progress: Callable[[str], None] = print,
    langid: LangIdConfig | None = None,
) -> dict:
    """Both passes: write the training sample to ``path`` and return its report.

    The memory guard runs between the passes on the planned sample size, so an
    over-budget run stops before the second read of the corpus.
    """
    ds = with_languages(ds, langid)
    counts = count_languages(ds)
    weights, targets, probabilities = plan(counts, cfg)
    if not any(targets.values()):
        raise ValueError(
            f"no documents in tokenizer.languages {cfg.languages} (found {sorted(counts) or 'none'}); "
            "set tokenizer.languages or check the input's lang column"
        )
    check_memory(cfg.model_type, sum(targets.values()), cfg.max_memory_gb)
    progress(
        "sampling "
        + ", ".join(f"{lang} {targets[lang]:,} of {counts[lang]['chars']:,} chars" for lang in targets)
    )
    sampled = write_sample(ds, probabilities, cfg, path)
    settings = {
        "alpha": cfg.alpha,
        "shares": cfg.shares,
        "char_budget": cfg.char_budget,
        "languages": cfg.languages,
        "seed": cfg.seed,
        "max_sentence_bytes": cfg.max_sentence_bytes,
    }
    return sample_report(counts, sampled, weights, targets, probabilities, settings)
