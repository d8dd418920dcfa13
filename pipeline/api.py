"""The Python API: the same stages the CLI runs, for notebooks and scripts.

Each document stage is a function ``(Dataset, section config) -> Dataset`` that
annotates documents; ``run_document_stage`` wraps one in read → stage → write.
Compose them directly for custom flows::

    tally = InputTally()  # optional: counts records at the reader for the check on write
    ds = read_documents("s3://bucket/raw/", tally=tally)
    ds = langid(normalize(ds, NormalizeConfig(form="NFKC")), LangIdConfig())
    write_stage(ds, "s3://bucket/out/langid", "langid", tally=tally)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import ray
from pydantic import BaseModel

from pipeline.config import ReaderConfig, StorageConfig
from pipeline.preflight import check_stage_input
from pipeline.progress import stage_progress
from pipeline.readers.tally import InputTally
from pipeline.runtime import ensure_ray
from pipeline.stage_io import StageReport, read_documents, write_stage
from pipeline.stages.decontaminate import decontaminate, write_contamination_report
from pipeline.stages.dedup import dedup, write_clusters
from pipeline.stages.langid import langid
from pipeline.stages.normalize import normalize
from pipeline.stages.quality import quality
from pipeline.stages.redact import redact, write_pii_report
from pipeline.storage import Storage


@dataclass(frozen=True)
class DocumentStage:
    """A document stage: the annotating function and, optionally, extra outputs
    written from the committed result (dedup's clusters/)."""

    annotate: Callable[[ray.data.Dataset, BaseModel], ray.data.Dataset]
    after_write: Callable[[StageReport, Storage], object] | None = None


STAGES: dict[str, DocumentStage] = {
    "normalize": DocumentStage(normalize),
    "langid": DocumentStage(langid),
    "filter": DocumentStage(quality),
    "dedup": DocumentStage(dedup, write_clusters),
    "decontaminate": DocumentStage(decontaminate, write_contamination_report),
    "redact": DocumentStage(redact, write_pii_report),
}


def run_document_stage(
    name: str,
    inputs: list[str],
    out: str,
    cfg: BaseModel,
    *,
    reader: ReaderConfig | None = None,
    storage: StorageConfig | Storage | None = None,
    overwrite: bool = False,
    num_cpus: int | None = None,
) -> StageReport:
    """Read ``inputs``, apply stage ``name``, write and commit ``out``."""
    started = time.time()
    storage = storage if isinstance(storage, Storage) else Storage(storage)
    files = check_stage_input(name, inputs, out, reader, storage, overwrite)
    ensure_ray(num_cpus)
    stage = STAGES[name]
    extra = {"inputs": list(inputs), "config": cfg.model_dump(mode="json")}
    tally = InputTally()
    with stage_progress(name, sum(f.size for f in files)):
        ds = stage.annotate(read_documents(inputs, reader, storage, tally), cfg)
        report = write_stage(ds, out, name, storage=storage, overwrite=overwrite, extra=extra, started=started, tally=tally)
    if stage.after_write is not None:
        stage.after_write(report, storage)
    return report


def run_stage(name: str, settings) -> StageReport:
    """``run_document_stage`` for a command's resolved ``StageSettings``."""
    return run_document_stage(
        name,
        settings.inputs,
        settings.out,
        settings.stage,
        reader=settings.reader,
        storage=settings.storage,
        overwrite=settings.overwrite,
        num_cpus=settings.num_cpus,
    )


__all__ = [
    "STAGES",
    "run_document_stage",
    "run_stage",
    "InputTally",
    "read_documents",
    "write_stage",
    "normalize",
    "langid",
    "quality",
    "dedup",
    "decontaminate",
    "redact",
]
