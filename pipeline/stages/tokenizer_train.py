"""``tokenizer train`` as one call: sample the corpus on Ray, train on the driver, write the folder.

The command and ``pentaglot run`` both call :func:`train_from_corpus`.  Training
needs local files, so an ``s3://`` output is built in a temporary folder and
uploaded when complete; ``tokenizer.model`` is what the tokenize stage reads.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from filters.langid import LangIdConfig
from pipeline.config import ReaderConfig, StorageConfig
from pipeline.errors import UserError
from pipeline.runtime import ensure_ray
from pipeline.preflight import check_stage_input
from pipeline.stage_io import prepare_output, read_documents
from pipeline.stages.tokenizer_sample import sample_corpus
from pipeline.storage import Storage, is_s3, join
from tokenizer_training.sampling import format_sample
from tokenizer_training.train import MODEL_NAME, TokenizerConfig, train_tokenizer


def _export_hf(folder: Path, progress: Callable[[str], None]) -> None:
    """tokenizer.json beside the model when the optional ``tokenizers`` package is installed."""
    try:
        from tokenizer_training.hf_export import export_tokenizer_json

        path = export_tokenizer_json(folder / f"{MODEL_NAME}.model", folder / "tokenizer.json")
    except ImportError:
        progress("tokenizer.json: skipped (pip install 'pentaglot[hf]' to export for Hugging Face)")
        return
    progress(f"tokenizer.json: {path.name} (Hugging Face tokenizers, same ids)")


def _upload(local: Path, out: str, storage: Storage) -> None:
    for path in sorted(local.iterdir()):
        with open(path, "rb") as src, storage.open_output(join(out, path.name)) as dst:
            shutil.copyfileobj(src, dst, 16 << 20)


def train_from_corpus(
    inputs: str | list[str],
    out: str,
    cfg: TokenizerConfig,
    *,
    reader: ReaderConfig | None = None,
    storage: StorageConfig | Storage | None = None,
    overwrite: bool = False,
    num_cpus: int | None = None,
    progress: Callable[[str], None] = print,
    langid: LangIdConfig | None = None,
) -> dict:
    """Sample ``inputs``, train, and write the tokenizer folder ``out``; returns what was written.

    ``langid`` only matters for input without a ``lang`` column.  Errors a user
    can fix (memory guard, a vocab the sample cannot fill) become UserError.
    """
    storage = storage if isinstance(storage, Storage) else Storage(storage)
    check_stage_input("tokenizer", [inputs] if isinstance(inputs, str) else list(inputs), out, reader, storage, overwrite)
    prepare_output(out, storage, overwrite)
    ensure_ray(num_cpus)
    with tempfile.TemporaryDirectory(prefix="pentaglot-tokenizer-") as tmp:
        local = Path(tmp) if is_s3(out) else Path(out)
        ds = read_documents(inputs, reader, storage)
        try:
            report = sample_corpus(ds, cfg, local / "sample.txt", progress=progress, langid=langid)
            progress(format_sample(report))
            result = train_tokenizer(local / "sample.txt", local, cfg, report, progress=progress)
        except ValueError as err:
            raise UserError(f"{out}: {err}") from None
        _export_hf(local, progress)
        if is_s3(out):
            _upload(local, out, storage)
    return {
        "out": out,
        "model": join(out, f"{MODEL_NAME}.model"),
        "train_seconds": round(result["train_seconds"], 3),
        "estimated_peak_bytes": result["estimated_peak_bytes"],
        "sample": report,
    }
