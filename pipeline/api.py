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
from functools import partial
from typing import Callable

import ray
from pydantic import BaseModel

from pipeline.checkpoints import Checkpoints
from pipeline.config import ReaderConfig, StorageConfig
from pipeline.preflight import check_stage_input
from pipeline.progress import stage_progress
from pipeline.readers.tally import InputTally
from pipeline.resources import ResourcesConfig, StageResources, check_resources
from pipeline.runtime import ensure_ray
from pipeline.stage_files import prepare_output
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
    """A document stage: the annotating function, optionally extra outputs
    written from the committed result (dedup's clusters/), and whether its
    reads and writes reserve what the stage's own tasks do.

    ``io_as_stage``: for a stateless per-batch stage, read, stage and write
    run fused as one task when their Ray arguments are equal (Ray Data fuses
    only then), and that task holds the stage's memory budget; the other stages
    read and write with ``resources.io``.  ``checkpoints``: ``annotate`` takes
    ``kept=``, where it keeps the datasets it reads more than once
    (pipeline/checkpoints.py: ``OUT/_checkpoints``, removed once the stage is
    written).
    """

    annotate: Callable[[ray.data.Dataset, BaseModel, StageResources], ray.data.Dataset]
    after_write: Callable[[StageReport, Storage, StageResources], object] | None = None
    io_as_stage: bool = False
    checkpoints: bool = False


STAGES: dict[str, DocumentStage] = {
    "normalize": DocumentStage(normalize, io_as_stage=True),
    "langid": DocumentStage(langid),
    "filter": DocumentStage(quality, io_as_stage=True),
    "dedup": DocumentStage(dedup, write_clusters, checkpoints=True),
    "decontaminate": DocumentStage(decontaminate, lambda r, s, _: write_contamination_report(r, s), io_as_stage=True),
    "redact": DocumentStage(redact, lambda r, s, _: write_pii_report(r, s), io_as_stage=True),
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
    resources: ResourcesConfig | None = None,
) -> StageReport:
    """Read ``inputs``, apply stage ``name``, write and commit ``out``.

    ``resources`` is the run config's section; the stage's requests are
    checked against the cluster's node types before anything is read.
    """
    started = time.time()
    storage = storage if isinstance(storage, Storage) else Storage(storage)
    files = check_stage_input(name, inputs, out, reader, storage, overwrite)
    ensure_ray(num_cpus)
    resources = resources or ResourcesConfig()
    check_resources(resources, [name])
    stage = STAGES[name]
    res = getattr(resources, name)
    io = res if stage.io_as_stage else resources.io
    extra = {"inputs": list(inputs), "config": cfg.model_dump(mode="json")}
    tally = InputTally()
    kept = None
    if stage.checkpoints:  # they live in OUT, so OUT is cleared before the stage instead of at the write
        prepare_output(out, storage, overwrite)
        kept = Checkpoints.under(out, storage, res)
    annotate = partial(stage.annotate, kept=kept) if kept is not None else stage.annotate
    writing = False
    try:
        with stage_progress(name, sum(f.size for f in files)):
            ds = annotate(read_documents(inputs, reader, storage, tally=tally, res=io), cfg, res)
            writing = True
            report = write_stage(
                ds, out, name, storage=storage, overwrite=overwrite, extra=extra, started=started, tally=tally, res=io, prepared=kept is not None
            )
    finally:
        if kept is not None:
            kept.clear()
            if not writing:
                storage.delete(out)  # failed before the write: leave no folder that a rerun would have to --overwrite
    if stage.after_write is not None:
        stage.after_write(report, storage, res)
    return report


def run_stage(name: str, settings, actors: int | None = None) -> StageReport:
    """``run_document_stage`` for a command's resolved ``StageSettings``; ``actors`` fixes the stage's pool."""
    resources = settings.run.resources if settings.run is not None else ResourcesConfig()
    fixed = getattr(resources, name).fixed(actors)
    return run_document_stage(
        name,
        settings.inputs,
        settings.out,
        settings.stage,
        reader=settings.reader,
        storage=settings.storage,
        overwrite=settings.overwrite,
        num_cpus=settings.num_cpus,
        resources=resources.model_copy(update={name: fixed}),
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
