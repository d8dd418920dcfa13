"""Input values never name files we write, and the HTML report shows them escaped.

Ids, ``source`` fields and other input values that look like paths (``../..``,
absolute paths, NUL bytes) or like markup stay data: the outputs are the
fixed names of the contract, nothing appears outside the output folders, and
the report's HTML carries no tag that came from the input.
"""

from __future__ import annotations

import json
import re

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.cli import main

pytestmark = pytest.mark.ray

HOSTILE = [
    {"id": "../../escaped-by-id", "source": "../../escaped-by-source", "text": "A first document that is long enough to keep."},
    {"id": "/tmp/absolute-id", "source": "/etc/absolute-source", "text": "A second document, also long enough to keep."},
    {"id": "nul\u0000id", "source": "nul\u0000source", "lang": "en\u0000/../x", "text": "A third document with a NUL in its id."},
    {"id": "<img src=x onerror=alert(1)>", "source": "<script>alert('source')</script>", "lang": "<b>xx</b>",
     "text": "<script>alert('text')</script>\n<script>alert('text')</script>\nA fourth document made of markup."},
]
EXPECTED = re.compile(r"(stage\.json|(kept|rejected|quarantine)/part-\d{5}(-\d+)?\.parquet|report\.html|stats\.json|[a-z_]+\.png)")


def test_ids_and_sources_stay_data_and_the_report_escapes_them(ray_session, tmp_path, monkeypatch):
    src = tmp_path / "in" / "hostile.jsonl"
    src.parent.mkdir()
    src.write_text("".join(json.dumps(r) + "\n" for r in HOSTILE))
    work = tmp_path / "work"  # every relative path the run might resolve lands under here
    work.mkdir()
    before = {p for p in tmp_path.parent.rglob("*")} - {p for p in tmp_path.rglob("*")}
    monkeypatch.chdir(work)
    normalized = CliRunner().invoke(main, ["normalize", str(src), str(tmp_path / "out")])
    assert normalized.exit_code == 0, normalized.output
    stats = CliRunner().invoke(main, ["stats", str(tmp_path / "out"), "--out", str(tmp_path / "report")])
    assert stats.exit_code == 0, stats.output
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()] + [p for p in (tmp_path / "report").rglob("*") if p.is_file()]
    assert written and all(EXPECTED.fullmatch(str(p.relative_to(p.parents[1 if p.parent.name in ("kept", "rejected", "quarantine") else 0]))) for p in written), written
    assert not [p for p in work.rglob("*") if p.is_file()], "nothing is written relative to the working folder"
    assert {p for p in tmp_path.parent.rglob("*")} - {p for p in tmp_path.rglob("*")} <= before | {tmp_path}
    kept = pq.read_table(tmp_path / "out" / "kept").to_pylist()
    assert sorted(r["id"] for r in kept) == sorted(r["id"] for r in HOSTILE)  # the values themselves survive as data
    assert {r["source"] for r in kept} == {r["source"] for r in HOSTILE}
    page = (tmp_path / "report" / "report.html").read_text()
    tags = set(re.findall(r"<\s*([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "img"}, tags
    assert "onerror" not in page.replace("onerror=alert(1)&gt;", "") and "&lt;script&gt;" in page
