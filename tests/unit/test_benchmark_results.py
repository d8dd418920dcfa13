"""Every benchmarks/results/*.json says how it was made (issue 18): the commit, the command that
reproduces it, both sides' settings, versions and the machine's load, under ``provenance``
as benchmarks/measure.py ``save`` writes it.  A figure without them can't be checked."""

import json
from pathlib import Path

import pytest

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
FIELDS = ("commit", "command", "settings", "versions", "machine_load")


@pytest.mark.parametrize("path", sorted(RESULTS.glob("*.json")), ids=lambda p: p.name)
def test_result_records_its_provenance(path):
    provenance = json.loads(path.read_text()).get("provenance")
    assert provenance is not None, f"{path.name}: no provenance; write it with measure.save"
    missing = [key for key in FIELDS if not provenance.get(key)]
    assert not missing, f"{path.name}: provenance lacks {missing}; pass them to measure.save"
    assert provenance["command"].startswith("python benchmarks/"), f"{path.name}: command {provenance['command']!r} is not a benchmark script's"
    assert len(provenance["settings"]) >= 2, f"{path.name}: settings name one side only"
