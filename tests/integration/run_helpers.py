"""Shared pieces of the `pentaglot run` tests: a config on the built-in sample."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from pipeline.sample_data import sample_path
from tests.shard_fixtures import tokenizer_model


def write_config(folder: Path, output: str, **sections) -> Path:
    """A run config over the built-in sample with a tiny tokenizer model (no training)."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "tiny.model"
    model.write_bytes(tokenizer_model())
    config = {
        "input": [str(sample_path())],
        "output": output,
        "tokenize": {"tokenizer": str(model), "shard_mb": 1},
        "steps": ["normalize", "langid", "filter", "dedup", "tokenize"],
    }
    config.update(sections)
    path = folder / "run.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def shard_fingerprint(manifest: dict) -> dict:
    """What must be identical between two runs of the same config: shards and totals."""
    return {
        "shards": [(s["path"], s["rows"], s["tokens"], s["sha256"]) for s in manifest["shards"]],
        "totals": manifest["totals"],
    }


def read_manifest(out: Path) -> dict:
    return json.loads((out / "shards" / "manifest.json").read_text())
