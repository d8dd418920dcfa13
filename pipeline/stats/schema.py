"""The stats.json schema: pydantic models, versioned, documented in docs/stats_schema.md.

Downstream tools (dashboards, run comparisons) read stats.json, so its shape is
a contract: a test pins the JSON Schema generated from these models against the
copy in docs/stats_schema.md.  Adding, removing or renaming a field means
bumping ``SCHEMA_VERSION`` and updating that document.

Every count is exact; distributions come from fixed bins and say their error
(``percentile_error``); repeated-line counts are lower bounds (``error_bound``).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Input(_Model):
    """What was measured."""

    path: str
    kind: Literal["raw", "stage", "run", "shards", "export"] = Field(
        description="raw corpus, one stage's output folder, a run folder of stage folders, token shards, "
        "or an export (counted from its provenance tables)"
    )
    stages: list[str] = Field(description="stage names from stage.json files (kinds 'stage' and 'run')")
    sample_fraction: float | None = Field(description="fraction of documents measured; null = all")


class Volume(_Model):
    documents: int
    characters: int
    bytes: int


class Error(_Model):
    """How far a reported percentile can be from the true nearest-rank percentile."""

    kind: Literal["relative", "absolute"]
    bound: float
    exact_below: int | None = Field(description="values below this are exact (length distributions)")


class Bin(_Model):
    """Histogram bin: inclusive [low, high] for lengths, [low, high) for scores."""

    low: int | float
    high: int | float
    count: int


class Distribution(_Model):
    count: int
    mean: float
    min: int | float
    max: int | float
    percentiles: dict[str, int | float] = Field(description="p1, p5, p10, p25, p50, p75, p90, p95, p99 (nearest rank)")
    percentile_error: Error
    histogram: list[Bin] = Field(description="non-empty bins only, ascending")


class Language(_Model):
    """Kept (live) documents of one language ('und' when no language is known)."""

    documents: int
    characters: int
    bytes: int
    share_of_documents: float
    share_of_characters: float
    bytes_per_character: float
    characters_per_document: Distribution | None
    lang_score: Distribution | None = Field(description="language-ID score; null before language ID")
    script_mix: dict[str, float] = Field(description="share of characters per script class")
    documents_by_script: dict[str, int] = Field(description="documents per `script` label, when the column exists")


class Rejected(_Model):
    stage: str = Field(description="the stage whose output folder holds the rejected rows ('' when unknown)")
    reason: str = Field(description="the row's drop_reason as the stage wrote it")
    language: str
    documents: int
    characters: int
    bytes: int


class Quarantine(_Model):
    documents: int
    by_source: dict[str, int]


class Duplicates(_Model):
    """From a dedup stage's clusters/ (one row per input document)."""

    documents: int
    clusters: int
    duplicate_documents: int = Field(description="documents - clusters: what dedup removes")
    duplicate_rate: float
    clusters_with_duplicates: int
    cluster_size: Distribution


class RepeatedLine(_Model):
    text: str = Field(description="the stripped line (first 200 characters)")
    count: int = Field(description="lower bound; the true count is at most count + error_bound")


class RepeatedLines(_Model):
    """Most repeated lines (boilerplate candidates), from a Misra-Gries summary."""

    lines_counted: int
    counters: int
    min_chars: int
    error_bound: int
    top: list[RepeatedLine]


class Manifest(_Model):
    """What the token shard manifest claims, to compare with what was counted."""

    shards: int
    rows: int
    tokens: int
    bytes: int
    tokenizer_sha256: str
    vocab_size: int


class TokenLanguage(_Model):
    documents: int
    tokens: int
    share_of_tokens: float
    tokens_per_document: Distribution | None


class MixtureLanguage(_Model):
    """What an export's language mixture reached for one language (from export.json)."""

    target_share: float = Field(description="the share asked for (the share reached when no mixture was set)")
    share: float = Field(description="token share reached")
    tokens: int
    documents: int = Field(description="sequences in the export, repeats included")
    epochs: float = Field(description="passes over the language's tokens: above 1 repeats, below 1 down-samples")
    full_passes: int


class Mixture(_Model):
    """The language mixture an export reached, to compare with what was counted."""

    seed: int
    settings: dict | None = Field(description="the mixture section asked for; null = every document once")
    by_language: dict[str, MixtureLanguage]


class Tokens(_Model):
    documents: int
    tokens: int
    by_language: dict[str, TokenLanguage]
    manifest: Manifest | None
    mixture: Mixture | None = Field(None, description="an export's mixture reached (kind 'export')")


class EvalSetHits(_Model):
    """One evaluation set, from a decontaminate stage's stage.json."""

    items: int
    items_seen: int = Field(description="items found in at least one document")
    documents_hit: int = Field(description="documents containing at least one of its items")


class PiiType(_Model):
    total: int
    by_language: dict[str, int]


class Pii(_Model):
    """Personal data a redact stage found (values are never recorded)."""

    documents: int = Field(description="documents with at least one value of any type")
    by_type: dict[str, PiiType]


class Totals(_Model):
    documents: int = Field(description="kept documents (token rows for shards)")
    characters: int
    bytes: int
    tokens: int | None
    rejected: int
    quarantined: int


class StatsReport(_Model):
    """The whole stats.json document."""

    schema_version: Literal[1]
    input: Input
    totals: Totals
    languages: dict[str, Language]
    sources: dict[str, Volume]
    rejected: list[Rejected]
    quarantine: Quarantine
    duplicates: Duplicates | None
    repeated_lines: RepeatedLines
    tokens: Tokens | None
    contamination: dict[str, EvalSetHits] | None = Field(None, description="per evaluation set, when a decontaminate stage is measured")
    pii: Pii | None = Field(None, description="when a redact stage is measured")


def json_schema() -> str:
    """The JSON Schema of stats.json, as pinned in docs/stats_schema.md."""
    return json.dumps(StatsReport.model_json_schema(), indent=2, sort_keys=True)


if __name__ == "__main__":
    print(json_schema())
