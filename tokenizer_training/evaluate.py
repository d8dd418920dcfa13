"""How well a tokenizer serves each language, and how fairly (parity against English).

Counting is split from summarizing so it streams: :func:`count_rows` turns a
batch of documents into per-document counts and :func:`partial_sums` folds
them into sums keyed by tokenizer, language and parallel group.  Sums add up,
so Ray can fold every block on its own and the driver only adds the folds
(:func:`summarize`), never holding the corpus.

Parity (Petrov et al., 2023) is the tokens a language needs for the same
content as English: on parallel text, tokens(translation) / tokens(English).
Rows say which text is parallel with two optional columns: ``parallel_set``
names the set (``tatoeba``, ``udhr``, ``xquad``), and rows sharing a
``parallel_id`` within a set are translations of each other.  A whole
document that is not line-aligned (UDHR) is one ``parallel_id``, so its
totals are compared.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sentencepiece as spm

from filters.languages import get as language

LANG = "lang"
TEXT = "text"
PARALLEL_SET = "parallel_set"
PARALLEL_ID = "parallel_id"
ENGLISH = "en"
KEYS = ["tokenizer", LANG, PARALLEL_SET, PARALLEL_ID]
COUNTS = ["docs", "chars", "bytes", "words", "tokens", "byte_tokens", "newline_tokens", "unk_tokens"]
# Byte pieces of line breaks: a tokenizer without a newline piece spells every
# line break with them, which is not the byte fallback of a rare character.
NEWLINE_BYTES = ("<0x0A>", "<0x0D>")


def tokenizer_names(paths: Sequence[str | Path]) -> list[str]:
    """Short, unique display names: the file stem, folder/stem when stems collide (every run
    writes tokenizer.model), and a #n suffix when even those do."""
    stems = [Path(p).stem for p in paths]
    names = [f"{Path(p).parent.name}/{Path(p).stem}" if stems.count(Path(p).stem) > 1 else Path(p).stem for p in paths]
    return [f"{name}#{i + 1}" if names.count(name) > 1 else name for i, name in enumerate(names)]


class TokenCounter:
    """One loaded sentencepiece model with the id lookups the counts need."""

    def __init__(self, model: str | Path | bytes, name: str):
        self.name = name
        if isinstance(model, bytes):
            self.sp = spm.SentencePieceProcessor(model_proto=model)
        else:
            self.sp = spm.SentencePieceProcessor(model_file=str(model))
        pieces = [self.sp.IdToPiece(i) for i in range(self.sp.GetPieceSize())]
        # Line breaks, as their own pieces ("\n", "\n\n") or as byte pieces: counted apart from byte fallback.
        self.is_newline = np.array([p in NEWLINE_BYTES or (p != "" and p.strip("\r\n") == "") for p in pieces], dtype=bool)
        self.is_byte = np.array([self.sp.IsByte(i) for i in range(len(pieces))], dtype=bool) & ~self.is_newline
        self.unk_id = self.sp.unk_id()

    def count(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Tokens, byte-fallback tokens (line breaks apart), line-break tokens and unknown tokens per text.

        ``encode`` on a list runs in sentencepiece's own threads and returns
        Python lists; one pass flattens them into numpy (no vectorized path exists).
        """
        ids = self.sp.encode(texts)
        lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter(itertools.chain.from_iterable(ids), dtype=np.int64, count=int(lengths.sum()))
        offsets = np.concatenate([[0], np.cumsum(lengths)])

        def per_text(flags: np.ndarray) -> np.ndarray:
            cumulative = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
            return cumulative[offsets[1:]] - cumulative[offsets[:-1]]

        return {
            "tokens": lengths,
            "byte_tokens": per_text(self.is_byte[flat]),
            "newline_tokens": per_text(self.is_newline[flat]),
            "unk_tokens": per_text(flat == self.unk_id),
        }


def _optional_column(table: pa.Table, name: str) -> pa.Array:
    if name in table.column_names:
        return table[name].combine_chunks().cast(pa.string())
    return pa.nulls(table.num_rows, pa.string())


def count_rows(table: pa.Table, counters: Sequence[TokenCounter]) -> pa.Table:
    """Per-document counts for every tokenizer: one row per (document, tokenizer)."""
    texts = pc.fill_null(table[TEXT], "").combine_chunks()
    text_counts = {
        "docs": pa.array(np.ones(table.num_rows, dtype=np.int64)),
        "chars": pc.utf8_length(texts).cast(pa.int64()),
        "bytes": pc.binary_length(texts).cast(pa.int64()),
        "words": pc.list_value_length(pc.utf8_split_whitespace(texts)).cast(pa.int64()),
    }
    keys = {
        LANG: _optional_column(table, LANG),
        PARALLEL_SET: _optional_column(table, PARALLEL_SET),
        PARALLEL_ID: _optional_column(table, PARALLEL_ID),
    }
    text_list = texts.to_pylist()
    parts = []
    for counter in counters:
        token_counts = {k: pa.array(v) for k, v in counter.count(text_list).items()}
        name = pa.array([counter.name] * table.num_rows, pa.string())
        parts.append(pa.table({"tokenizer": name, **keys, **text_counts, **token_counts}))
    return pa.concat_tables(parts)


def partial_sums(rows: pa.Table) -> pa.Table:
    """Fold per-document counts into sums per tokenizer, language and parallel group."""
    summed = rows.group_by(KEYS, use_threads=False).aggregate([(c, "sum") for c in COUNTS])
    return summed.rename_columns([c.removesuffix("_sum") for c in summed.column_names])


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def _parity(sums: pa.Table) -> dict[tuple[str, str], dict[str, float]]:
    """(tokenizer, lang) -> {parallel set: tokens / English tokens over groups that have both}."""
    parallel = sums.filter(pc.is_valid(sums[PARALLEL_SET]))
    group = ["tokenizer", PARALLEL_SET, PARALLEL_ID]
    english = (
        parallel.filter(pc.equal(parallel[LANG], ENGLISH))
        .group_by(group, use_threads=False)
        .aggregate([("tokens", "sum")])
        .rename_columns(group + ["en_tokens"])
    )
    other = parallel.filter(pc.not_equal(parallel[LANG], ENGLISH)).select(group + [LANG, "tokens"])
    joined = other.join(english, group, join_type="inner")
    per_set = joined.group_by(["tokenizer", LANG, PARALLEL_SET], use_threads=False).aggregate(
        [("tokens", "sum"), ("en_tokens", "sum")]
    )
    out: dict[tuple[str, str], dict[str, float]] = {}
    for row in per_set.to_pylist():
        value = _ratio(row["tokens_sum"], row["en_tokens_sum"])
        out.setdefault((row["tokenizer"], row[LANG]), {})[row[PARALLEL_SET]] = value
    return out


def summarize(sums: pa.Table) -> dict:
    """The evaluation report: per tokenizer, per language metrics and parity.

    ``parity.mean`` weighs every parallel set equally, so a large set (Tatoeba)
    does not drown out paragraph-level text (XQuAD, UDHR).  ``tokens_per_word``
    is only given for languages the language table marks as space-delimited.
    """
    sums = partial_sums(sums)
    parity = _parity(sums)
    totals = sums.group_by(["tokenizer", LANG], use_threads=False).aggregate([(c, "sum") for c in COUNTS])
    report: dict = {"tokenizers": {}}
    for row in sorted(totals.to_pylist(), key=lambda r: (r["tokenizer"], r[LANG] or "")):
        c = {k: int(row[f"{k}_sum"]) for k in COUNTS}
        lang = row[LANG] or "und"
        sets = dict(sorted(parity.get((row["tokenizer"], row[LANG]), {}).items()))
        valid = [v for v in sets.values() if v is not None]
        metrics = {
            **c,
            "chars_per_token": _ratio(c["chars"], c["tokens"]),
            "bytes_per_token": _ratio(c["bytes"], c["tokens"]),
            "tokens_per_word": _ratio(c["tokens"], c["words"]) if language(lang).spaced else None,
            "byte_fallback_rate": _ratio(c["byte_tokens"], c["tokens"]),
            "newline_rate": _ratio(c["newline_tokens"], c["tokens"]),
            "unk_rate": _ratio(c["unk_tokens"], c["tokens"]),
            "parity": {**sets, "mean": round(sum(valid) / len(valid), 6)} if valid else {},
        }
        report["tokenizers"].setdefault(row["tokenizer"], {"languages": {}})["languages"][lang] = metrics
    return report


def _fmt(value: float | None, pattern: str, scale: float = 1.0) -> str:
    return "-" if value is None else format(value * scale, pattern)


def format_table(report: Mapping) -> str:
    """A fixed-width terminal table: one row per language and tokenizer."""
    sets = sorted(
        {s for t in report["tokenizers"].values() for m in t["languages"].values() for s in m["parity"]} - {"mean"}
    )
    header = ["lang", "tokenizer", "chars/tok", "bytes/tok", "tok/word", "bytefb%", "newline%", "unk%", "parity"]
    header += [f"p:{s}" for s in sets]
    rows = []
    langs = sorted({lang for t in report["tokenizers"].values() for lang in t["languages"]})
    for lang in langs:
        for name, tok in report["tokenizers"].items():
            m = tok["languages"].get(lang)
            if m is None:
                continue
            rows.append(
                [lang, name, _fmt(m["chars_per_token"], ".3f"), _fmt(m["bytes_per_token"], ".3f"),
                 _fmt(m["tokens_per_word"], ".3f"), _fmt(m["byte_fallback_rate"], ".3f", 100),
                 _fmt(m["newline_rate"], ".3f", 100), _fmt(m["unk_rate"], ".3f", 100), _fmt(m["parity"].get("mean"), ".3f")]
                + [_fmt(m["parity"].get(s), ".3f") for s in sets]
            )
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    return "\n".join([lines[0], "-" * len(lines[0])] + lines[1:])


def write_chart(report: Mapping, path: str | Path) -> None:
    """PNG: characters per token and parity per language, one bar per tokenizer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["tokenizers"])
    langs = sorted({lang for t in report["tokenizers"].values() for lang in t["languages"]})
    x = np.arange(len(langs))
    width = 0.8 / max(1, len(names))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(6, 1.2 * len(langs) + 2), 7), sharex=True)
    for i, name in enumerate(names):
        per_lang = [report["tokenizers"][name]["languages"].get(lang, {}) for lang in langs]
        cpt = [m.get("chars_per_token") or 0 for m in per_lang]
        par = [m.get("parity", {}).get("mean") or 0 for m in per_lang]
        top.bar(x + i * width, cpt, width, label=name)
        bottom.bar(x + i * width, par, width, label=name)
    top.set_ylabel("characters per token (higher = cheaper)")
    bottom.set_ylabel("parity vs English (tokens / en tokens)")
    bottom.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
    if not any(m.get("parity") for t in report["tokenizers"].values() for m in t["languages"].values()):
        bottom.text(0.5, 0.5, "no parallel text in the input: parity needs rows with\nparallel_set and parallel_id columns (translations share an id)",
                    transform=bottom.transAxes, ha="center", va="center", color="dimgray")
    bottom.set_xticks(x + width * (len(names) - 1) / 2, langs)
    top.legend(fontsize="small")
    fig.suptitle("tokenizer comparison")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def write_json(report: Mapping, path: str | Path) -> None:
    Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
