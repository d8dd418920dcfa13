"""One self-contained report.html: the same tables as the terminal, plots inlined.

The PNGs are embedded as base64 data URIs and the CSS is inline, so the file
can be mailed, attached to a ticket or opened from S3 without its folder.
All text from the data (sources, repeated lines) is HTML-escaped.
"""

from __future__ import annotations

import base64
from html import escape

from pipeline.stats.render import Table

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.7em; }
th { background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
p.note { color: #666; font-size: 0.85em; margin: 0.2em 0; }
img { max-width: 100%; display: block; margin: 1em 0; }
"""


def _table(t: Table) -> str:
    head = "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in t.headers) + "</tr></thead>" if any(t.headers) else ""
    body = "".join(
        "<tr>" + "".join(f'<td{"" if i < t.text_columns else " class=n"}>{escape(c)}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in t.rows
    )
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in t.notes)
    return f"<h2>{escape(t.title)}</h2>\n<table>{head}<tbody>{body}</tbody></table>{notes}"


def _image(name: str, png: bytes) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(name)}" src="data:image/png;base64,{data}">'


def to_html(title: str, subtitle: str, tables: list[Table], plots: dict[str, bytes]) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1><p>{escape(subtitle)}</p>",
    ]
    parts += [_table(t) for t in tables]
    if not tables:
        parts.append("<p>no documents</p>")
    parts.append("<h2>Plots</h2>")
    parts += [_image(name, png) for name, png in plots.items()]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
