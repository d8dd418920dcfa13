"""``tokenizer train`` as one call: sample the corpus on Ray, train in a Ray task, write the folder.

The command and ``pentaglot run`` both call :func:`train_from_corpus`.  Nothing
heavy runs on the driver (on a cluster, the head node): the sample is written
by Ray tasks as parts under ``OUT/_sample_parts/``, and training is a task that
asks for the memory it needs, joins the parts on its node, trains in a
temporary folder and copies the result to ``OUT`` (local or ``s3://``);
``tokenizer.model`` is what the tokenize stage reads.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from filters.langid import LangIdConfig
from pipeline.config import ReaderConfig, StorageConfig
from pipeline.errors import UserError
from pipeline.preflight import check_stage_input
from pipeline.resources import ResourcesConfig
from pipeline.runtime import ensure_ray
from pipeline.stage_files import prepare_output
from pipeline.stage_io import read_documents
from pipeline.stages.tokenizer_sample import join_parts, sample_corpus, training_request
from pipeline.storage import Storage, join
from tokenizer_training.memory import estimate_peak_bytes
from tokenizer_training.sampling import format_sample
from tokenizer_training.train import MODEL_NAME, TokenizerConfig, train_tokenizer

SAMPLE_PARTS = "_sample_parts"


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


def _train_on_node(parts: list[str], out: str, cfg: TokenizerConfig, report: dict, storage: Storage, messages) -> dict:
    """The training task: on the node Ray placed it (by its CPU and memory
    request), join the sample parts into a local file, train, and copy the
    folder to ``out``; progress lines go to the ``messages`` queue.  Returns
    the training figures and where it ran."""
    import ray

    with tempfile.TemporaryDirectory(prefix="pentaglot-tokenizer-") as tmp:
        local = Path(tmp)
        join_parts(parts, storage, local / "sample.txt")
        result = train_tokenizer(local / "sample.txt", local, cfg, report, progress=messages.put)
        _export_hf(local, messages.put)
        _upload(local, out, storage)
    return {**result, "node_id": ray.get_runtime_context().get_node_id()}


def _run_with_progress(task, args: tuple, progress: Callable[[str], None]) -> dict:
    """Run the training task, passing its progress lines to ``progress`` as they come.

    The queue is a 0-CPU actor, so it never competes with the task for a CPU.
    """
    import ray
    from ray.util.queue import Queue

    messages = Queue(actor_options={"num_cpus": 0})
    ref = task.remote(*args, messages)
    try:
        while True:
            done, _ = ray.wait([ref], timeout=0.5)
            while not messages.empty():
                progress(messages.get())
            if done:
                return ray.get(ref)
    finally:
        messages.shutdown()


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
    resources: ResourcesConfig | None = None,
) -> dict:
    """Sample ``inputs``, train, and write the tokenizer folder ``out``; returns what was written.

    ``langid`` only matters for input without a ``lang`` column.  Training is
    one Ray task asking for ``resources.tokenizer.cpus`` and the memory
    guard's estimate (at least ``resources.tokenizer.memory_mb``), so it runs
    on a worker that has that memory, never on a CPU-less head.  Errors a user
    can fix (memory guard, no node big enough, a vocab the sample cannot fill)
    become UserError.
    """
    import ray

    storage = storage if isinstance(storage, Storage) else Storage(storage)
    files = check_stage_input("tokenizer", [inputs] if isinstance(inputs, str) else list(inputs), out, reader, storage, overwrite)
    resources = resources or ResourcesConfig()
    prepare_output(out, storage, overwrite)
    ensure_ray(num_cpus)
    parts_folder = join(out, SAMPLE_PARTS)
    try:
        report, parts = sample_corpus(
            lambda: read_documents(inputs, reader, storage, res=resources.io), cfg, parts_folder, storage, resources,
            progress=progress, langid=langid, input_bytes=sum(f.size for f in files),
        )
        progress(format_sample(report))
        cpus, memory = training_request(resources.tokenizer, estimate_peak_bytes(cfg.model_type, report["total"]["sampled_chars"]))
        task = ray.remote(_train_on_node).options(num_cpus=cpus, memory=memory)
        result = _run_with_progress(task, (parts, out, cfg, report, storage), progress)
    except ValueError as err:  # from the training task too: Ray's error is also a ValueError, its cause the message
        raise UserError(f"{out}: {getattr(err, 'cause', None) or err}") from None
    finally:
        if storage.exists(parts_folder):
            storage.delete(parts_folder)
    return {
        "out": out,
        "model": join(out, f"{MODEL_NAME}.model"),
        "train_seconds": round(result["train_seconds"], 3),
        "estimated_peak_bytes": result["estimated_peak_bytes"],
        "node_id": result["node_id"],
        "sample": report,
    }
