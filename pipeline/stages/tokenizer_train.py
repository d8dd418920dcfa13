"""Tokenizer training from a corpus: Ray samples it, sentencepiece trains on the sample.

The sample and the model are written to a local folder first (sentencepiece
needs local files) and uploaded when the output is on S3.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable

from pipeline.config import ReaderConfig
from pipeline.errors import UserError
from pipeline.runtime import ensure_ray
from pipeline.stage_io import prepare_output, read_documents
from pipeline.stages.tokenizer_sample import sample_corpus
from pipeline.storage import Storage, is_s3, join
from tokenizer_training.train import MODEL_NAME, TokenizerConfig, train_tokenizer


def _upload(local: Path, out: str, storage: Storage) -> None:
    for path in sorted(local.iterdir()):
        with open(path, "rb") as src, storage.open_output(join(out, path.name)) as dst:
            shutil.copyfileobj(src, dst, 16 << 20)


def train_from_corpus(
    inputs: list[str],
    out: str,
    cfg: TokenizerConfig,
    *,
    reader: ReaderConfig | None = None,
    storage: Storage | None = None,
    overwrite: bool = False,
    num_cpus: int | None = None,
    progress: Callable[[str], None] = print,
) -> dict:
    """Sample ``inputs`` per language and train a tokenizer into ``out``.

    Returns the sample report plus what training wrote; ``model`` is the
    model's final location (local path or S3 URI).
    """
    storage = storage or Storage()
    prepare_output(out, storage, overwrite)
    ensure_ray(num_cpus)
    with tempfile.TemporaryDirectory(prefix="pentaglot-tokenizer-") as tmp:
        local = Path(tmp) if is_s3(out) else Path(out)
        ds = read_documents(inputs, reader, storage)
        try:
            sample = sample_corpus(ds, cfg, local / "sample.txt", progress=progress)
            result = train_tokenizer(local / "sample.txt", local, cfg, sample, progress=progress)
        except ValueError as err:
            raise UserError(f"{out}: {err}") from None
        if is_s3(out):
            _upload(local, out, storage)
    result["model"] = join(out, f"{MODEL_NAME}.model")
    result["sample"] = sample
    return result
