"""stats.json's shape is a contract: the generated JSON Schema must match the documented one."""

import json
import re
from pathlib import Path

from pipeline.stats import schema as S

DOC = Path(__file__).resolve().parents[2] / "docs" / "stats_schema.md"


def test_schema_matches_the_documented_schema():
    documented = re.search(r"```json\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S).group(1)
    assert json.loads(documented) == json.loads(S.json_schema()), (
        "stats.json schema changed: bump SCHEMA_VERSION if it is not only an addition, "
        "and regenerate docs/stats_schema.md with `python -m pipeline.stats.schema`"
    )


def test_version_and_top_level_keys_are_pinned():
    assert S.SCHEMA_VERSION == 1
    assert list(S.StatsReport.model_fields) == [
        "schema_version", "input", "totals", "languages", "sources", "rejected",
        "quarantine", "duplicates", "repeated_lines", "tokens", "contamination", "pii",
    ]
    assert f"version {S.SCHEMA_VERSION}" in DOC.read_text(encoding="utf-8").splitlines()[0]
