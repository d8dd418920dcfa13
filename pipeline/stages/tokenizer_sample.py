"""The tokenizer's training sample, streamed on Ray in two passes over the corpus.

Pass 1 counts documents and characters per language; the driver turns the
counts into per-language keep probabilities (``tokenizer_training.sampling``).
Pass 2 keeps documents by a seeded hash of their id and cuts them into
training lines, which Ray tasks write as text parts; the training task joins
them into one local file on its own node.  Neither pass holds the corpus and
no sampled line passes through the driver: each block is reduced to a few
counters (pass 1) or to the sampled lines only (pass 2).

Counting is a map-side fold (one row per block and language) summed on the
driver rather than ``groupby().sum()``: the result is a handful of rows, and a
hash shuffle would start aggregator actors for nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import ray
from ray.data.datasource import Datasink

from filters.langid import LangIdConfig, LanguageIdentifier
from pipeline.documents import TEXT, ensure_base_columns, live_mask
from pipeline.progress import stage_progress
from pipeline.resources import (
    ResourcesConfig,
    StageResources,
    check_fits,
    fit_cpus,
    node_shapes,
    task_options,
)
from pipeline.runtime import data_settings
from pipeline.stage_io import UNKNOWN_LANG
from pipeline.storage import Storage, join
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


def _line_counts(batch: pa.Table) -> list[dict]:
    """Per-language characters, lines, documents and split lines of a batch of sampled lines."""
    per_lang = pa.table(
        {
            LANG: batch[LANG],
            "chars": pc.utf8_length(batch["text"]).cast(pa.int64()),
            "doc_start": batch["doc_start"].cast(pa.int64()),
            "split": batch["split"].cast(pa.int64()),
        }
    ).group_by(LANG, use_threads=False).aggregate([("chars", "sum"), ("chars", "count"), ("doc_start", "sum"), ("split", "sum")])
    return per_lang.to_pylist()


def _add_counts(stats: dict[str, dict[str, int]], rows: list[dict]) -> None:
    for row in rows:
        entry = stats.setdefault(row[LANG], {"docs": 0, "chars": 0, "lines": 0, "split_lines": 0})
        entry["chars"] += row["chars_sum"]
        entry["lines"] += row["chars_count"]
        entry["docs"] += row["doc_start_sum"]
        entry["split_lines"] += row["split_sum"]


class SampleSink(Datasink[list]):
    """Each write task writes its sampled lines as one text part under ``folder``
    and returns their counts; nothing but the counts reaches the driver."""

    def __init__(self, folder: str, storage: Storage):
        self.folder, self.storage = folder, storage
        self.parts: list[str] = []
        self.stats: dict[str, dict[str, int]] = {}

    def write(self, blocks, ctx) -> list:
        uri = join(self.folder, f"part-{ctx.task_idx:06d}.txt")
        counts: list[dict] = []
        with self.storage.open_output(uri) as sink:
            for batch in blocks:
                if batch.num_rows:
                    sink.stream.write(("\n".join(batch["text"].to_pylist()) + "\n").encode("utf-8"))
                    counts += _line_counts(batch)
        return [(ctx.task_idx, uri, counts)]

    def on_write_complete(self, write_result) -> None:
        parts = sorted(part for result in write_result.write_returns for part in result)
        self.parts = [uri for _, uri, _ in parts]
        for _, _, counts in parts:
            _add_counts(self.stats, counts)


def write_sample(
    ds: ray.data.Dataset, probabilities: dict[str, float], cfg: TokenizerConfig, folder: str, storage: Storage, res: StageResources
) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Write the sampled training lines as text parts under ``folder`` (pass 2), by Ray tasks.

    Returns the parts in corpus order (their concatenation is the training
    file: the same bytes on every run, since block order is preserved and a
    part is named by its task's index) and per-language sample counts.
    """
    lines = ds.map_batches(
        sample_batch,
        fn_kwargs={"probabilities": probabilities, "seed": cfg.seed, "max_bytes": cfg.max_sentence_bytes},
        batch_format="pyarrow",
        batch_size=None,
        **task_options(res),
    )
    sink = SampleSink(folder, storage)
    with data_settings(preserve_order=True):
        lines.write_datasink(sink, ray_remote_args=task_options(res))
    return sink.parts, sink.stats


def sample_corpus(
    read: Callable[[], ray.data.Dataset],
    cfg: TokenizerConfig,
    folder: str,
    storage: Storage,
    resources: ResourcesConfig | None = None,
    progress: Callable[[str], None] = print,
    langid: LangIdConfig | None = None,
    input_bytes: int = 0,
) -> tuple[dict, list[str]]:
    """Both passes: write the training sample as parts under ``folder``; returns its report and the parts.

    ``read`` gives the corpus; it is called once per pass, inside that pass's
    progress line (``input_bytes`` is the corpus size), because a dataset's
    reader reports to the progress counter open when it was made.  The memory
    guard runs between the passes on the planned sample size, and so does the
    check that some node type can hold the training task that memory
    (``training_request``), so a run that can't train stops before the second
    read of the corpus.
    """
    resources = resources or ResourcesConfig()
    with stage_progress("tokenizer count", input_bytes, counts_done=False):
        counts = count_languages(with_languages(read(), langid))
    weights, targets, probabilities = plan(counts, cfg)
    if not any(targets.values()):
        raise ValueError(
            f"no documents in tokenizer.languages {cfg.languages} (found {sorted(counts) or 'none'}); "
            "set tokenizer.languages or check the input's lang column"
        )
    estimate = check_memory(cfg.model_type, sum(targets.values()), cfg.max_memory_gb)
    cpus, memory = training_request(resources.tokenizer, estimate)
    check_fits(cpus, memory, node_shapes(), "resources.tokenizer.cpus", "tokenizer.char_budget")
    progress(
        "sampling "
        + ", ".join(f"{lang} {targets[lang]:,} of {counts[lang]['chars']:,} chars" for lang in targets)
    )
    with stage_progress("tokenizer sample", input_bytes, counts_done=False):
        parts, sampled = write_sample(with_languages(read(), langid), probabilities, cfg, folder, storage, resources.io)
    settings = {
        "alpha": cfg.alpha,
        "shares": cfg.shares,
        "char_budget": cfg.char_budget,
        "languages": cfg.languages,
        "seed": cfg.seed,
        "max_sentence_bytes": cfg.max_sentence_bytes,
    }
    return sample_report(counts, sampled, weights, targets, probabilities, settings), parts


def training_request(res: StageResources, estimate: int) -> tuple[float, int]:
    """(CPUs, memory bytes) the training task asks for: at least the memory guard's estimate."""
    return fit_cpus(res.cpus), max(res.memory_bytes, estimate)


def join_parts(parts: list[str], storage: Storage, path: Path) -> None:
    """The sample parts, in order, as the one local file sentencepiece reads."""
    with open(path, "wb") as out:
        for uri in parts:
            with storage.open_input(uri) as src:
                shutil.copyfileobj(src, out, 16 << 20)
