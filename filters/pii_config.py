"""Settings of the ``redact`` stage (run config section ``redact``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Personal-data types, in the order a span claimed by two types goes to the first.
PII_TYPES = ("EMAIL", "IBAN", "KR_RRN", "CN_RIC", "JP_MY_NUMBER", "CREDIT_CARD", "IPV6", "IPV4", "PHONE")
Action = Literal["keep", "redact", "reject"]
# Phone regions tried for a document of each language; other languages (and
# documents without a language) try all of them.  "+" numbers need no region.
DEFAULT_REGIONS = {"ko": ["KR"], "ja": ["JP"], "zh": ["CN"], "es": ["ES"], "en": ["US"]}


class RedactConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actions: dict[str, Action] = Field(
        default_factory=lambda: dict.fromkeys(PII_TYPES, "redact"),
        description="per type: keep the value, redact it (typed placeholder such as <EMAIL>), or reject the document (it is redacted too)",
    )
    phone_regions: dict[str, list[str]] = Field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_REGIONS.items()}, description="language -> phone regions (ISO 3166) read without a + prefix")
    batch_size: int = Field(1024, ge=1, description="documents per batch")

    @field_validator("actions")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(PII_TYPES))
        if unknown:
            raise ValueError(f"unknown PII type(s) {unknown}; choose from {list(PII_TYPES)}")
        return {**dict.fromkeys(PII_TYPES, "redact"), **value}

    def all_regions(self) -> list[str]:
        return sorted({r for regions in self.phone_regions.values() for r in regions})
