"""Running ``pentaglot stats`` end to end: measure, print, write DIR.

DIR gets stats.json (or stats.a.json + stats.b.json when comparing), the PNG
plots and report.html; files go through the storage module, so DIR may be on
S3.  A stats.json given as a --compare side is loaded instead of recomputed, so
yesterday's numbers can be compared with today's in seconds.
"""

from __future__ import annotations

import importlib
import json
import threading

from pydantic import ValidationError

from pipeline.config import ReaderConfig
from pipeline.errors import UserError
from pipeline.resources import ResourcesConfig
from pipeline.runtime import ensure_ray
from pipeline.stage_files import check_output, prepare_output
from pipeline.stats import schema as S
from pipeline.stats.compare import compare_tables
from pipeline.stats.compute import compute
from pipeline.stats.html import to_html
from pipeline.stats.render import Table, describe, tables, to_text
from pipeline.stats.settings import StatsConfig
from pipeline.stats.sources import detect
from pipeline.storage import Storage, join

STATS_FILE = "stats.json"
REPORT_FILE = "report.html"


def dumps(report: S.StatsReport) -> bytes:
    return (json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def measure(path: str, cfg: StatsConfig, reader: ReaderConfig, storage: Storage, num_cpus: int | None, resources: ResourcesConfig | None = None) -> S.StatsReport:
    """The report of ``path``, or the one saved in it when ``path`` is a stats.json."""
    if path.endswith(".json") and storage.stat(path) is not None:
        try:
            return S.StatsReport.model_validate_json(storage.read_bytes(path))
        except ValidationError as err:
            raise UserError(
                f"{path}: not a stats.json of schema version {S.SCHEMA_VERSION} ({err.errors()[0]['msg']}); recompute it from the data"
            ) from None
    source = detect(path, storage)
    ensure_ray(num_cpus)
    return compute(source, cfg, reader, storage, resources)


def _plots_in_background() -> threading.Thread:
    """Start importing the plots module (matplotlib, about a second) while the
    measurement waits on Ray: on a small input that second is most of the step."""
    thread = threading.Thread(target=importlib.import_module, args=("pipeline.stats.plots",), daemon=True)
    thread.start()
    return thread


def _all_plots(loading: threading.Thread, reports: list[tuple[str, S.StatsReport]]) -> dict[str, bytes]:
    loading.join()
    from pipeline.stats.plots import all_plots

    return all_plots(reports)


def _check_out(out: str, inputs: list[str], storage: Storage, overwrite: bool) -> None:
    """Before any work: the report folder is neither an input nor one left from an earlier run."""
    for path in inputs:
        if out.rstrip("/") == path.rstrip("/"):
            raise UserError(f"{out}: --out is also the input; choose another folder for the report")
    check_output(out, storage, overwrite)


def _write(out: str, storage: Storage, overwrite: bool, files: dict[str, bytes]) -> None:
    prepare_output(out, storage, overwrite)
    for name, data in files.items():
        storage.write_bytes(join(out, name), data)


def run_stats(path: str, out: str | None, cfg: StatsConfig, reader: ReaderConfig, storage: Storage, overwrite: bool, num_cpus: int | None, resources: ResourcesConfig | None = None) -> str:
    """Stats of one dataset; returns the terminal text (files written when ``out``)."""
    if out:
        _check_out(out, [path], storage, overwrite)
    loading = _plots_in_background()
    report = measure(path, cfg, reader, storage, num_cpus, resources)
    title = "pentaglot stats"
    items = tables(report)
    text = to_text(f"{title}: {describe(report)}", items)
    if out:
        plots = _all_plots(loading, [("", report)])
        page = to_html(title, describe(report), items, plots)
        _write(out, storage, overwrite, {STATS_FILE: dumps(report), **plots, REPORT_FILE: page.encode("utf-8")})
        text += f"\nwrote {join(out, STATS_FILE)}, {join(out, REPORT_FILE)} and {len(plots)} plots"
    return text


def run_compare(a: str, b: str, out: str | None, cfg: StatsConfig, reader: ReaderConfig, storage: Storage, overwrite: bool, num_cpus: int | None) -> str:
    """Two datasets (or saved stats.json files) side by side."""
    if out:
        _check_out(out, [a, b], storage, overwrite)
    loading = _plots_in_background()
    reports = [measure(p, cfg, reader, storage, num_cpus) for p in (a, b)]
    subtitle = f"A = {describe(reports[0])}; B = {describe(reports[1])}"
    items: list[Table] = compare_tables(reports[0], reports[1])
    text = to_text(f"pentaglot stats --compare\n  {subtitle}", items)
    if out:
        plots = _all_plots(loading, [("A", reports[0]), ("B", reports[1])])
        page = to_html("pentaglot stats: A vs B", subtitle, items, plots)
        files = {"stats.a.json": dumps(reports[0]), "stats.b.json": dumps(reports[1]), **plots, REPORT_FILE: page.encode("utf-8")}
        _write(out, storage, overwrite, files)
        text += f"\nwrote {join(out, REPORT_FILE)}, stats.a.json, stats.b.json and {len(plots)} plots"
    return text
