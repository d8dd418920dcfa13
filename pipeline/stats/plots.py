"""PNG plots of one report, or of two side by side (``--compare``).

Every function takes ``series``: a list of (label, report) pairs, one for a
plain report and two for a comparison, so both views draw the same pictures.
Series are told apart by hatching/line style, languages by colour.  Plots
without data are left out, except the overview, which says "no documents".
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402

from pipeline.stats import histograms as H  # noqa: E402
from pipeline.stats import schema as S  # noqa: E402
from pipeline.stats.render import reason_label, rejected_totals  # noqa: E402
from pipeline.stats.scripts import SCRIPTS  # noqa: E402

Series = list[tuple[str, S.StatsReport]]
LINE_STYLES = ("-", "--")
HATCHES = ("", "//")
# Plotting bins: 8 per decade, coarser than the stats bins so curves are smooth.
PLOT_EDGES = np.concatenate([[0, 1], 10 ** (np.arange(1, 105) / 8)])


def compact(value: float, _pos=None) -> str:
    """Tick labels short enough not to run into the axis label: 950, 1.2k, 34M, 2B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _count_axis(axis, integer: bool = True) -> None:
    """Counts: whole numbers, compact labels."""
    axis.set_major_formatter(ticker.FuncFormatter(compact))
    if integer:
        axis.set_major_locator(ticker.MaxNLocator(integer=True))


def _log_axis(axis, symlog: bool = False) -> None:
    """Log ticks at 1, 2 and 5 per decade with plain labels (not 2x10^0), so a narrow range still has several."""
    locator = ticker.SymmetricalLogLocator(base=10, linthresh=1, subs=(1, 2, 5)) if symlog else ticker.LogLocator(subs=(1, 2, 5))
    axis.set_major_locator(locator)
    axis.set_major_formatter(ticker.FuncFormatter(compact))
    axis.set_minor_formatter(ticker.NullFormatter())


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _colors(langs: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10")
    return {lang: cmap(i % 10) for i, lang in enumerate(langs)}


def _languages(series: Series, tokens: bool = False) -> list[str]:
    found = set()
    for _, rep in series:
        found |= set(rep.tokens.by_language if tokens and rep.tokens else rep.languages)
    return sorted(found)


def _grouped_bars(ax, groups: list[str], series_values: list[tuple[str, list[float]]], ylabel: str) -> None:
    width = 0.8 / max(len(series_values), 1)
    x = np.arange(len(groups))
    for i, (label, values) in enumerate(series_values):
        ax.bar(x + (i - (len(series_values) - 1) / 2) * width, values, width, label=label, hatch=HATCHES[i % 2], edgecolor="black", linewidth=0.5)
    ax.set_xticks(x, groups)
    ax.set_ylabel(ylabel)
    _count_axis(ax.yaxis)
    if len(series_values) > 1:
        ax.set_ylim(top=ax.get_ylim()[1] * 1.2)  # headroom: the legend never covers a bar
        ax.legend(loc="upper right", ncol=len(series_values))


def overview(series: Series) -> bytes:
    """Documents and characters (or tokens, for shards) per language."""
    langs = _languages(series)
    use_tokens = not langs
    if use_tokens:
        langs = _languages(series, tokens=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    if not langs:
        for ax in axes:
            ax.text(0.5, 0.5, "no documents", ha="center", va="center", fontsize=14)
            ax.set_axis_off()
        return _png(fig)
    docs, second = [], []
    for label, rep in series:
        if use_tokens:
            rows = rep.tokens.by_language if rep.tokens else {}
            docs.append((label, [rows[lang].documents if lang in rows else 0 for lang in langs]))
            second.append((label, [rows[lang].tokens if lang in rows else 0 for lang in langs]))
        else:
            docs.append((label, [rep.languages[lang].documents if lang in rep.languages else 0 for lang in langs]))
            second.append((label, [rep.languages[lang].characters if lang in rep.languages else 0 for lang in langs]))
    _grouped_bars(axes[0], langs, docs, "documents")
    _grouped_bars(axes[1], langs, second, "tokens" if use_tokens else "characters")
    axes[0].set_title("Documents per language")
    axes[1].set_title(("Tokens" if use_tokens else "Characters") + " per language")
    return _png(fig)


def _rebinned(dist: S.Distribution) -> np.ndarray:
    """Share of the distribution's values in each plotting bin."""
    lows = np.array([b.low for b in dist.histogram], dtype=np.float64)
    counts = np.array([b.count for b in dist.histogram], dtype=np.float64)
    hist, _ = np.histogram(np.maximum(lows, 0.5), bins=PLOT_EDGES, weights=counts)
    return hist / max(counts.sum(), 1)


def _curves(series: Series, pick, draw, height: float):
    """One curve per (series, language) distribution that ``pick`` finds; None when there is none.

    ``draw(ax, dist, **style)`` draws one curve; colour marks the language and
    line style the series.  Returns (figure, axes, curves) for the caller to label.
    """
    curves = [(label, lang, dist) for label, rep in series for lang, dist in pick(rep).items() if dist is not None]
    if not curves:
        return None
    colors = _colors(sorted({lang for _, lang, _ in curves}))
    labels = [label for label, _ in series]
    fig, ax = plt.subplots(figsize=(10, height))
    for label, lang, dist in curves:
        name = lang if len(series) == 1 else f"{lang} ({label})"
        draw(ax, dist, color=colors[lang], linestyle=LINE_STYLES[labels.index(label) % 2], label=name)
    ax.legend(fontsize=8, ncol=2)
    return fig, ax, curves


def _length_plot(series: Series, pick, title: str, xlabel: str) -> bytes | None:
    """Log-x step curves of a length distribution per language (and per series)."""
    drawn = _curves(series, pick, lambda ax, dist, **style: ax.step(PLOT_EDGES[:-1], _rebinned(dist), where="post", **style), 4.5)
    if drawn is None:
        return None
    fig, ax, curves = drawn
    ax.set_xscale("symlog", linthresh=1)
    _log_axis(ax.xaxis, symlog=True)
    low = min(dist.min for _, _, dist in curves)
    top = max(dist.max for _, _, dist in curves)
    edge = np.searchsorted(PLOT_EDGES, [low, top])
    ax.set_xlim(PLOT_EDGES[max(edge[0] - 2, 0)], PLOT_EDGES[min(edge[1] + 1, len(PLOT_EDGES) - 1)])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of documents (8 bins per decade)")
    ax.set_title(title)
    return _png(fig)


def lengths(series: Series) -> bytes | None:
    return _length_plot(
        series,
        lambda rep: {lang: row.characters_per_document for lang, row in rep.languages.items()},
        "Document length",
        "characters per document (log scale)",
    )


def tokens(series: Series) -> bytes | None:
    return _length_plot(
        series,
        lambda rep: {lang: row.tokens_per_document for lang, row in rep.tokens.by_language.items()} if rep.tokens else {},
        "Tokens per document",
        "tokens per document (log scale)",
    )


def _score_curve(ax, dist: S.Distribution, **style) -> None:
    """Step curve over every 0.01 bin of [0, 1], empty bins included."""
    shares = np.zeros(H.SCORE_BINS)
    for b in dist.histogram:
        shares[H.score_bins(np.array([b.low]))[0]] = b.count / dist.count
    # one more edge at 1.0, so the last bin [0.99, 1] is drawn as a step too, not a bare vertical line
    ax.step(np.arange(H.SCORE_BINS + 1) / H.SCORE_BINS, np.append(shares, shares[-1]), where="post", **style)


def lang_scores(series: Series) -> bytes | None:
    drawn = _curves(series, lambda rep: {lang: row.lang_score for lang, row in rep.languages.items()}, _score_curve, 4)
    if drawn is None:
        return None
    fig, ax, curves = drawn
    # from just below the lowest score (0.05 steps) to 1: kept documents mostly sit near 1
    low = min(dist.min for _, _, dist in curves)
    ax.set_xlim(max(0.0, np.floor(low * 20) / 20 - 0.05), 1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("language-ID score (bins of 0.01)")
    ax.set_ylabel("share of documents")
    ax.set_title("Language-ID score")
    return _png(fig)


def scripts(series: Series) -> bytes | None:
    rows = [(f"{lang}" if len(series) == 1 else f"{lang} ({label})", row.script_mix) for label, rep in series for lang, row in rep.languages.items()]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.5))
    left = np.zeros(len(rows))
    cmap = plt.get_cmap("tab10")
    for i, script in enumerate(SCRIPTS):
        values = np.array([mix.get(script, 0.0) for _, mix in rows])
        ax.barh([name for name, _ in rows], values, left=left, color=cmap(i), label=script)
        left += values
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of characters")
    ax.set_title("Script mix per language")
    ax.legend(ncol=len(SCRIPTS), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return _png(fig)


def rejected(series: Series) -> bytes | None:
    per_series = []
    for label, rep in series:
        totals = {reason_label(*key): docs for key, (docs, _) in rejected_totals(rep).items()}
        if rep.quarantine.documents:
            totals["quarantined"] = rep.quarantine.documents
        per_series.append((label, totals))
    reasons = sorted({k for _, t in per_series for k in t})
    if not reasons:
        return None
    fig, ax = plt.subplots(figsize=(10, 0.45 * len(reasons) * len(series) + 1.5))
    height = 0.8 / len(series)
    y = np.arange(len(reasons))
    for i, (label, totals) in enumerate(per_series):
        ax.barh(y + i * height, [totals.get(r, 0) for r in reasons], height, label=label, hatch=HATCHES[i % 2], edgecolor="black", linewidth=0.5)
    ax.set_yticks(y + height * (len(series) - 1) / 2, reasons)
    ax.invert_yaxis()
    ax.set_xlabel("documents")
    _count_axis(ax.xaxis)
    ax.set_title("Rejected documents by stage and reason")
    if len(series) > 1:
        ax.legend()
    return _png(fig)


def clusters(series: Series) -> bytes | None:
    dists = [(label, rep.duplicates.cluster_size) for label, rep in series if rep.duplicates]
    if not dists:
        return None
    fig, ax = plt.subplots(figsize=(10, 4))
    for i, (label, dist) in enumerate(dists):
        ax.plot([b.low for b in dist.histogram], [b.count for b in dist.histogram], marker="o", linestyle=LINE_STYLES[i % 2], label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    _log_axis(ax.xaxis)
    _log_axis(ax.yaxis)
    ax.set_xlabel("documents per cluster (log scale)")
    ax.set_ylabel("clusters (log scale)")
    ax.set_title("Near-duplicate cluster sizes")
    if len(dists) > 1:
        ax.legend()
    return _png(fig)


def all_plots(series: Series) -> dict[str, bytes]:
    """File name -> PNG bytes for every plot that has data (the overview always)."""
    plots = {
        "overview.png": overview(series),
        "lengths.png": lengths(series),
        "lang_score.png": lang_scores(series),
        "scripts.png": scripts(series),
        "rejected.png": rejected(series),
        "clusters.png": clusters(series),
        "tokens.png": tokens(series),
    }
    return {name: png for name, png in plots.items() if png is not None}
