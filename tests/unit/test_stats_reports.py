"""Terminal tables, PNG plots, report.html and --compare tables from hand-made reports."""

import io

import matplotlib.image as mpimg
import numpy as np
import pyarrow as pa

from pipeline.stats.aggregates import Stats
from pipeline.stats.compare import compare_tables
from pipeline.stats.html import to_html
from pipeline.stats.plots import all_plots
from pipeline.stats.render import tables, to_text
from tests.unit.stats_corpus import INPUT, corpus, report_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def full_report():
    """Documents, rejections, tokens and clusters all at once, so every plot has data."""
    stats = Stats()
    stats.add_table(corpus())
    stats.add_token_rows(pa.table({"lang": ["en", "ko"], "n_tokens": [12, 40]}))
    stats.add_cluster_sizes(np.array([1, 1, 3]))
    return stats.to_report(INPUT)


def assert_valid_png(data: bytes) -> None:
    assert data.startswith(PNG_SIGNATURE)
    image = mpimg.imread(io.BytesIO(data), format="png")
    assert image.shape[0] > 50 and image.shape[1] > 50
    assert image.std() > 0  # not a blank canvas


def test_every_plot_is_a_valid_non_empty_png():
    plots = all_plots([("", full_report())])
    assert set(plots) == {"overview.png", "lengths.png", "lang_score.png", "scripts.png", "rejected.png", "clusters.png", "tokens.png"}
    for png in plots.values():
        assert_valid_png(png)


def test_empty_report_still_has_an_overview_plot_and_says_so():
    empty = report_of(corpus().slice(0, 0))
    plots = all_plots([("", empty)])
    assert list(plots) == ["overview.png"]
    assert_valid_png(plots["overview.png"])
    assert "no documents" in to_text("t", tables(empty))


def test_terminal_tables_show_the_numbers():
    text = to_text("t", tables(full_report()))
    assert "Kept documents by language" in text
    assert "langid" in text and "low_score" in text
    assert "Share this page" in text
    row = next(line for line in text.splitlines() if line.strip().startswith("en "))
    assert row.split()[:3] == ["en", "2", "50.0%"]


def test_raw_input_says_no_language_id_has_run():
    raw = report_of(corpus().drop_columns(["lang", "lang_score"]))
    text = to_text("t", tables(raw))
    assert "no language ID has run" in text and "Kept documents by language" not in text
    assert "(all)" in text and "\n  und " not in text


def test_report_html_is_self_contained_and_escapes_text():
    table = corpus()
    table = table.set_column(1, "text", pa.array(["<script>alert(1)</script>\n<script>alert(1)</script>"] + table["text"].to_pylist()[1:], pa.large_string()))
    rep = report_of(table)
    plots = all_plots([("", rep)])
    page = to_html("title", "sub", tables(rep), plots)
    assert page.count("data:image/png;base64,") == len(plots)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "src=\"http" not in page and "href=" not in page


def test_compare_tables_and_plots_put_a_and_b_side_by_side():
    a = report_of(corpus())
    b = report_of(corpus().slice(0, 3))
    items = compare_tables(a, b)
    totals = next(t for t in items if t.title == "Totals")
    assert totals.rows[0] == ["documents", "4", "3", "-25.0%"]
    langs = next(t for t in items if t.title == "Kept documents by language")
    assert ["en", "2", "1", "-50.0%"] == langs.rows[0][:4]
    for png in all_plots([("A", a), ("B", b)]).values():
        assert_valid_png(png)
