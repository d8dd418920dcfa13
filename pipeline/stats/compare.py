"""``--compare A B``: two datasets side by side.

Typical pairs are a stage's input and output (what did langid drop, per
language?) or the token shards of two tokenizers (which one needs fewer tokens
per document, per language?).  Each table puts A and B next to each other with
the relative change; the plots overlay both (see plots.py).
"""

from __future__ import annotations

from pipeline.stats import schema as S
from pipeline.stats.render import Table, count, num, pct, percentile, reason_label, rejected_totals


def change(a: float | None, b: float | None) -> str:
    """Relative change from A to B, e.g. '-12.5%'."""
    if a is None or b is None:
        return "-"
    if a == 0:
        return "new" if b else "0"
    return f"{100 * (b - a) / a:+.1f}%"


def totals_table(a: S.StatsReport, b: S.StatsReport, la: str, lb: str) -> Table:
    def dup(rep: S.StatsReport) -> float | None:
        return rep.duplicates.duplicate_rate if rep.duplicates else None

    rows = []
    for name, va, vb in (
        ("documents", a.totals.documents, b.totals.documents),
        ("characters", a.totals.characters, b.totals.characters),
        ("bytes", a.totals.bytes, b.totals.bytes),
        ("tokens", a.totals.tokens, b.totals.tokens),
        ("rejected", a.totals.rejected, b.totals.rejected),
        ("quarantined", a.totals.quarantined, b.totals.quarantined),
    ):
        rows.append([name, count(va), count(vb), change(va, vb)])
    rows.append(["duplicate rate", pct(dup(a)), pct(dup(b)), "-"])
    return Table("Totals", ["", la, lb, "change"], rows)


def languages_table(a: S.StatsReport, b: S.StatsReport, la: str, lb: str) -> Table | None:
    langs = sorted(set(a.languages) | set(b.languages))
    if not langs:
        return None
    rows = []
    for lang in langs:
        ra, rb = a.languages.get(lang), b.languages.get(lang)
        docs = [r.documents if r else 0 for r in (ra, rb)]
        chars = [r.characters if r else 0 for r in (ra, rb)]
        p50 = [percentile(r.characters_per_document if r else None, "p50") for r in (ra, rb)]
        rows.append([lang, count(docs[0]), count(docs[1]), change(*docs), count(chars[0]), count(chars[1]), change(*chars), *p50])
    return Table(
        "Kept documents by language",
        ["lang", f"docs {la}", f"docs {lb}", "change", f"chars {la}", f"chars {lb}", "change", f"chars/doc p50 {la}", f"p50 {lb}"],
        rows,
    )


def tokens_table(a: S.StatsReport, b: S.StatsReport, la: str, lb: str) -> Table | None:
    ta = a.tokens.by_language if a.tokens else {}
    tb = b.tokens.by_language if b.tokens else {}
    langs = sorted(set(ta) | set(tb))
    if not langs:
        return None
    rows = []
    for lang in langs:
        ra, rb = ta.get(lang), tb.get(lang)
        toks = [r.tokens if r else 0 for r in (ra, rb)]
        means = [r.tokens_per_document.mean if r and r.tokens_per_document else None for r in (ra, rb)]
        rows.append([lang, count(toks[0]), count(toks[1]), change(*toks), num(means[0]), num(means[1]), change(*means)])
    return Table(
        "Tokens by language",
        ["lang", f"tokens {la}", f"tokens {lb}", "change", f"tokens/doc mean {la}", f"mean {lb}", "change"],
        rows,
    )


def rejected_table(a: S.StatsReport, b: S.StatsReport, la: str, lb: str) -> Table | None:
    def totals(rep: S.StatsReport) -> dict[str, int]:
        return {reason_label(*key): docs for key, (docs, _) in rejected_totals(rep).items()}

    ra, rb = totals(a), totals(b)
    reasons = sorted(set(ra) | set(rb))
    if not reasons:
        return None
    rows = [[r, count(ra.get(r, 0)), count(rb.get(r, 0)), change(ra.get(r, 0), rb.get(r, 0))] for r in reasons]
    return Table("Rejected documents by stage and reason", ["stage / reason", la, lb, "change"], rows)


def compare_tables(a: S.StatsReport, b: S.StatsReport, la: str = "A", lb: str = "B") -> list[Table]:
    builders = (totals_table, languages_table, tokens_table, rejected_table)
    return [t for t in (build(a, b, la, lb) for build in builders) if t is not None]
