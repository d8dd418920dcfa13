"""The stats as tables a person reads: in the terminal and (same tables) in report.html.

Tables are built once as rows of strings (``Table``) and then laid out as text
here or as HTML in html.py, so the terminal and the report always agree.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from filters.langid import UNDETERMINED
from pipeline.stats import schema as S

LETTER_SCRIPTS = ("latin", "hangul", "kana", "han", "other")
TOP_SOURCES = 15
TOP_LINES = 15


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)
    text_columns: int = 1  # left-aligned leading columns; the rest are numbers, right-aligned


def count(n: int | None) -> str:
    return "-" if n is None else f"{n:,}"


def size(n: float) -> str:
    """Bytes in decimal units: '12.3 MB'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} PB"


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def percentile(dist: S.Distribution | None, key: str) -> str:
    return "-" if dist is None else num(dist.percentiles[key])


def main_scripts(mix: dict[str, float]) -> str:
    """The letter scripts that make up most of the text, e.g. 'han 61% kana 30%'."""
    letters = sorted(((mix.get(s, 0.0), s) for s in LETTER_SCRIPTS), reverse=True)
    shown = [f"{s} {100 * v:.0f}%" for v, s in letters if v >= 0.05][:2]
    return " ".join(shown) or "-"


def describe(report: S.StatsReport) -> str:
    src = report.input
    bits = [src.kind]
    if src.stages:
        bits.append("stages: " + ", ".join(src.stages))
    if src.sample_fraction is not None:
        bits.append(f"sample {pct(src.sample_fraction)} of documents")
    return f"{src.path} ({'; '.join(bits)})"


def language_table(report: S.StatsReport) -> Table | None:
    if not report.languages:
        return None
    rows = []
    for lang, row in report.languages.items():
        chars = row.characters_per_document
        rows.append(
            [
                lang,
                count(row.documents),
                pct(row.share_of_documents),
                count(row.characters),
                size(row.bytes),
                f"{row.bytes_per_character:.2f}",
                percentile(chars, "p50"),
                percentile(chars, "p90"),
                percentile(chars, "p99"),
                percentile(row.lang_score, "p50"),
                main_scripts(row.script_mix),
            ]
        )
    t = report.totals
    rows.append(["total", count(t.documents), pct(1.0 if t.documents else None), count(t.characters), size(t.bytes), "", "", "", "", "", ""])
    if set(report.languages) == {UNDETERMINED}:
        rows[0][0] = "(all)"
        title = f"Kept documents: no language ID has run ({UNDETERMINED} = no lang column; `pentaglot langid` adds it, then this table groups by it)"
    else:
        title = "Kept documents by language"
    return Table(
        title,
        ["lang", "docs", "docs %", "chars", "bytes", "B/char", "chars/doc p50", "p90", "p99", "LID p50", "main scripts"],
        rows,
        _error_note([row.characters_per_document for row in report.languages.values()]),
    )


def _error_note(dists: list[S.Distribution | None]) -> list[str]:
    """How exact the percentiles are (the same for every length distribution)."""
    for dist in dists:
        if dist is not None:
            err = dist.percentile_error
            return [f"percentiles exact below {err.exact_below}, else within {100 * err.bound:.1f}%"]
    return []


def source_table(report: S.StatsReport) -> Table | None:
    if not report.sources:
        return None
    ranked = sorted(report.sources.items(), key=lambda kv: (-kv[1].documents, kv[0]))
    rows = [[name, count(v.documents), count(v.characters), size(v.bytes)] for name, v in ranked[:TOP_SOURCES]]
    notes = [f"{len(ranked) - TOP_SOURCES} more sources in stats.json"] if len(ranked) > TOP_SOURCES else []
    return Table("Kept documents by source", ["source", "docs", "chars", "bytes"], rows, notes)


def reason_label(stage: str, reason: str) -> str:
    return f"{stage} / {reason}" if stage else reason


def rejected_totals(report: S.StatsReport) -> dict[tuple[str, str], list[int]]:
    """(stage, reason) -> [documents, characters], languages summed."""
    totals: dict[tuple[str, str], list[int]] = {}
    for r in report.rejected:
        acc = totals.setdefault((r.stage, r.reason), [0, 0])
        acc[0] += r.documents
        acc[1] += r.characters
    return totals


def rejected_table(report: S.StatsReport) -> Table | None:
    if not report.rejected and not report.quarantine.documents:
        return None
    order = {stage: i for i, stage in enumerate(report.input.stages)}
    ranked = sorted(rejected_totals(report).items(), key=lambda kv: (order.get(kv[0][0], -1), -kv[1][0], kv[0][1]))
    rows = [[stage or "-", reason, count(d), count(c)] for (stage, reason), (d, c) in ranked]
    if report.quarantine.documents:
        rows.append(["(reader)", "quarantined: unparseable", count(report.quarantine.documents), "-"])
    return Table("Rejected documents by stage and reason", ["stage", "reason", "docs", "chars"], rows, text_columns=2)


def duplicates_table(report: S.StatsReport) -> Table | None:
    d = report.duplicates
    if d is None:
        return None
    sizes = d.cluster_size
    rows = [
        ["documents", count(d.documents)],
        ["clusters", count(d.clusters)],
        ["duplicate documents", f"{count(d.duplicate_documents)} ({pct(d.duplicate_rate)})"],
        ["clusters with duplicates", count(d.clusters_with_duplicates)],
        ["largest cluster", count(int(sizes.max))],
        ["cluster size p99", num(sizes.percentiles["p99"])],
    ]
    return Table("Near-duplicate clusters", ["", ""], rows)


def contamination_table(report: S.StatsReport) -> Table | None:
    if not report.contamination:
        return None
    rows = [[name, count(row.items), count(row.items_seen), count(row.documents_hit)] for name, row in report.contamination.items()]
    return Table("Evaluation-set contamination", ["eval set", "items", "items seen", "docs hit"], rows)


def pii_table(report: S.StatsReport) -> Table | None:
    if report.pii is None:
        return None
    langs = sorted({lang for row in report.pii.by_type.values() for lang in row.by_language})
    rows = [[kind, count(row.total), *(count(row.by_language.get(lang, 0)) for lang in langs)] for kind, row in report.pii.by_type.items()]
    notes = [f"{count(report.pii.documents)} documents with personal data"]
    return Table("Personal data found (by type and language)", ["type", "total", *langs], rows, notes)


def tokens_table(report: S.StatsReport) -> Table | None:
    tok = report.tokens
    if tok is None:
        return None
    rows = [
        [
            lang,
            count(row.documents),
            count(row.tokens),
            pct(row.share_of_tokens),
            percentile(row.tokens_per_document, "p50"),
            percentile(row.tokens_per_document, "p90"),
            percentile(row.tokens_per_document, "p99"),
        ]
        for lang, row in tok.by_language.items()
    ]
    rows.append(["total", count(tok.documents), count(tok.tokens), pct(1.0), "", "", ""])
    notes = _error_note([row.tokens_per_document for row in tok.by_language.values()])
    if tok.manifest is not None:
        m = tok.manifest
        agree = m.tokens == tok.tokens and m.rows == tok.documents
        notes.append(
            f"manifest: {count(m.shards)} shards, {count(m.rows)} rows, {count(m.tokens)} tokens, {size(m.bytes)}; "
            f"tokenizer {m.tokenizer_sha256[:12]} (vocab {count(m.vocab_size)}) -- "
            + ("counts agree" if agree else "COUNTS DISAGREE with the shards; run pentaglot verify")
        )
    return Table("Tokens by language", ["lang", "docs", "tokens", "tokens %", "tokens/doc p50", "p90", "p99"], rows, notes)


def mixture_table(report: S.StatsReport) -> Table | None:
    """An export's language mixture as export.json records it, checked against the counted sequences."""
    mix = report.tokens.mixture if report.tokens is not None else None
    if mix is None:
        return None
    rows = [
        [lang, pct(row.target_share) if mix.settings else "-", pct(row.share), count(row.tokens), count(row.documents),
         f"{row.epochs:.2f}", str(row.full_passes)]
        for lang, row in mix.by_language.items()
    ]
    counted = report.tokens.by_language
    agree = all(
        lang in counted and (counted[lang].tokens, counted[lang].documents) == (row.tokens, row.documents)
        for lang, row in mix.by_language.items() if row.documents
    )
    notes = [
        f"seed {mix.seed}; " + ("no mixture set: every document once" if mix.settings is None else "epochs above 1 repeat a language, below 1 down-sample it"),
        "export.json and the provenance tables: " + ("counts agree" if agree else "COUNTS DISAGREE; run pentaglot export again"),
    ]
    return Table("Language mixture reached", ["lang", "target %", "share %", "tokens", "sequences", "epochs", "full passes"], rows, notes)


def lines_table(report: S.StatsReport) -> Table | None:
    lines = report.repeated_lines
    if not lines.top:
        return None
    rows = [[count(line.count), line.text[:100]] for line in lines.top[:TOP_LINES]]
    return Table(
        "Most repeated lines (boilerplate candidates)",
        ["count", "line"],
        rows,
        [f"of {count(lines.lines_counted)} lines of >= {lines.min_chars} chars; counts are lower bounds, at most {count(lines.error_bound)} below the truth"],
        text_columns=2,
    )


def tables(report: S.StatsReport) -> list[Table]:
    """Every table of one report, in reading order (empty sections left out)."""
    builders = (language_table, source_table, rejected_table, duplicates_table, contamination_table, pii_table, tokens_table, mixture_table, lines_table)
    return [t for t in (build(report) for build in builders) if t is not None]


def _width(text: str) -> int:
    """Terminal columns of ``text``: CJK and Hangul are two columns wide."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def to_text(title: str, items: list[Table]) -> str:
    out = [title, ""]
    for t in items:
        widths = [max(_width(x) for x in col) for col in zip(t.headers, *t.rows)]
        out.append(t.title)
        for row in ([t.headers] if any(t.headers) else []) + t.rows:
            cells = [_pad(c, w, i < t.text_columns) for i, (c, w) in enumerate(zip(row, widths))]
            out.append("  " + "  ".join(cells).rstrip())
        out += [f"  ({note})" for note in t.notes]
        out.append("")
    if not items:
        out.append("no documents")
    return "\n".join(out)
