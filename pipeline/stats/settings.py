"""Settings of ``pentaglot stats`` (the ``stats`` section of a run config)."""

from __future__ import annotations

from pydantic import Field

from filters.section import Section


class StatsConfig(Section):
    """Bounds of the aggregates: they fix memory, not accuracy of the counts.

    Document, character, byte and token counts are exact at any size; only the
    distributions (fixed bins) and the repeated-line ranking (``line_counters``
    Misra-Gries counters) are approximate, with the bounds stats.json reports.
    """

    sample: float | None = Field(None, gt=0, le=1, description="fraction of documents to look at; None = all")
    seed: int = Field(0, description="seed of --sample, so a quick look is repeatable")
    line_counters: int = Field(2000, ge=10, description="counters of the repeated-line summary (memory and accuracy)")
    min_line_chars: int = Field(10, ge=1, description="shorter lines are not boilerplate candidates")
    top_lines: int = Field(50, ge=0, description="repeated lines listed in the report")
    max_sources: int = Field(256, ge=1, description="sources listed by name; the smallest beyond this fold into '(other)'")
