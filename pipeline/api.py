"""The Python API: the same stages the CLI runs, for notebooks and scripts.

Each stage is a function ``(Dataset, section config) -> Dataset`` that annotates
documents; ``run_stage`` wraps one in read → stage → write.  Compose them
directly for custom flows::

    ds = read_documents("s3://bucket/raw/")
    ds = normalize(ds, NormalizeConfig(form="NFKC"))
    write_stage(ds, "s3://bucket/normalized", "normalize")
"""

from __future__ import annotations

import time
from typing import Callable

import ray
from pydantic import BaseModel

from pipeline.errors import UserError
from pipeline.runtime import ensure_ray
from pipeline.stage_io import StageReport, read_documents, write_stage
from pipeline.stages.langid import langid
from pipeline.stages.normalize import normalize
from pipeline.stages.quality import quality
from pipeline.storage import Storage

StageFn = Callable[[ray.data.Dataset, BaseModel], ray.data.Dataset]

STAGES: dict[str, StageFn] = {
    "normalize": normalize,
    "langid": langid,
    "filter": quality,
}


def run_stage(name: str, settings) -> StageReport:
    """Read ``settings.inputs``, apply stage ``name``, write ``settings.out``."""
    started = time.time()
    out = settings.out.rstrip("/")
    if any(i.rstrip("/") == out for i in settings.inputs):
        raise UserError(f"{settings.out}: output is also an input; choose another output path")
    ensure_ray(settings.num_cpus)
    storage = Storage(settings.storage)
    ds = read_documents(settings.inputs, settings.reader, storage)
    ds = STAGES[name](ds, settings.stage)
    extra = {"inputs": settings.inputs, "config": settings.stage.model_dump(mode="json")}
    return write_stage(ds, settings.out, name, storage=storage, overwrite=settings.overwrite, extra=extra, started=started)


__all__ = ["STAGES", "run_stage", "read_documents", "write_stage", "normalize"]
