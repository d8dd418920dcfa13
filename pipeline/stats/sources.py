"""What PATH is: a raw corpus, a stage output folder, a run folder, token shards or an export.

Each kind is read the cheapest way that still gives exact counts: stage outputs
through the file lists of their committed ``stage.json`` (never a directory
listing, which could include an interrupted writer's leftovers), token shards
through ``manifest.json`` and only the ``lang``/``n_tokens`` columns of each
shard, an export through ``export.json`` and only the ``lang``/``n_tokens``
columns of its provenance tables (one row per exported sequence), and raw
corpora through the same readers the stages use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pentaglot_reader.format import MANIFEST_NAME
from pipeline.errors import UserError
from pipeline.export.job import EXPORT_MANIFEST, read_export_manifest
from pipeline.shards.verify import read_manifest
from pipeline.stage_io import STAGE_FILE, read_stage_manifest
from pipeline.storage import Storage, is_s3, join

CLUSTERS = "clusters"
SUMMARIES = ("contamination", "pii")


@dataclass
class Source:
    """A detected input: its kind and the files each part of the stats reads."""

    kind: str  # "raw" | "stage" | "run" | "shards" | "export"
    path: str
    stages: list[str] = field(default_factory=list)
    # (uri, stage name) of kept/, rejected/ and quarantine/ Parquet files: the
    # stage that rejected a row is the one whose folder holds it.
    documents: list[tuple[str, str]] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)
    cluster_rows: int = 0
    shards: list[str] = field(default_factory=list)
    # Bytes of each document, shard or raw input file, as stage.json, the
    # manifest or the listing records them: what sizes the work and its progress.
    sizes: dict[str, int] = field(default_factory=dict)
    manifest: dict | None = None
    provenance: list[str] = field(default_factory=list)
    export: dict | None = None
    # Stage reports carried into stats.json as they are (decontaminate, redact).
    summaries: dict = field(default_factory=dict)


def detect(path: str, storage: Storage) -> Source:
    """Classify ``path``; an unusable path is a UserError that says why."""
    path = path.rstrip("/") or "/"
    if storage.stat(join(path, MANIFEST_NAME)) is not None:
        try:
            manifest = read_manifest(storage, path)
        except ValueError as err:
            raise UserError(str(err)) from None
        sizes = {join(path, entry["path"]): entry["bytes"] for entry in manifest["shards"]}
        return Source("shards", path, shards=list(sizes), manifest=manifest, sizes=sizes)
    if storage.stat(join(path, EXPORT_MANIFEST)) is not None:
        export = read_export_manifest(storage, path)
        return Source("export", path, provenance=[join(path, d["provenance"]) for d in export["datasets"]], export=export)
    stage = read_stage_manifest(storage, path)
    if stage is not None:
        source = Source("stage", path)
        _add_stage(source, path, stage)
        return source
    children = _stage_children(storage, path)
    if children:
        return _run(storage, path, children)
    if storage.exists(join(path, "kept")):
        raise UserError(f"{path}: has kept/ but no {STAGE_FILE}; the stage was interrupted, rerun it")
    files = storage.expand([path])  # raises a UserError naming the path when nothing is there
    return Source("raw", path, sizes={f.uri: f.size for f in files})


def _add_stage(source: Source, folder: str, stage: dict, kinds=("kept", "rejected")) -> None:
    """Add one committed stage folder's files; ``kinds`` says which document files count."""
    files = stage.get("files", {})
    name = stage.get("stage", Path(folder).name)
    source.stages.append(name)
    listed = [f for kind in (*kinds, "quarantine") for f in files.get(kind, [])]
    source.documents += [(join(folder, f["path"]), name) for f in listed]
    source.sizes.update({join(folder, f["path"]): f["bytes"] for f in listed})
    # Dedup lists clusters/ in stage.json once it is complete (pipeline.stages.dedup).
    clusters = stage.get(CLUSTERS, {})
    source.clusters += [join(folder, f["path"]) for f in clusters.get("files", [])]
    source.cluster_rows += clusters.get("rows", 0)
    source.summaries.update({key: stage[key] for key in SUMMARIES if key in stage})


def _stage_children(storage: Storage, path: str) -> list[str]:
    """Immediate subfolders of ``path`` that are committed stage outputs."""
    if is_s3(path):
        suffix = "/" + STAGE_FILE
        refs = storage.list_files(path) if storage.exists(path) else []
        base = path.rstrip("/") + "/"
        return sorted(
            r.uri[: -len(suffix)]
            for r in refs
            if r.uri.endswith(suffix) and "/" not in r.uri[len(base) : -len(suffix)]
        )
    folder = Path(path)
    if not folder.is_dir():
        return []
    return sorted(str(child) for child in folder.iterdir() if (child / STAGE_FILE).is_file())


def _run(storage: Storage, path: str, children: list[str]) -> Source:
    """A run folder: rejections of every stage; documents of the final stage(s).

    stage.json records each stage's inputs: a stage is final when no other
    stage of the run read its output (so kept documents are counted once), and
    stages are listed in pipeline order (a stage after the one it read).
    """
    stages = {child: read_stage_manifest(storage, child) for child in children}
    parent = {}
    for child, data in stages.items():
        inputs = {_canonical(i) for i in data.get("inputs", [])}
        parent[child] = next((other for other in children if _canonical(other) in inputs), None)

    def depth(child: str) -> int:
        seen = 0
        while parent[child] is not None and seen < len(children):
            child, seen = parent[child], seen + 1
        return seen

    source = Source("run", path)
    for child in sorted(children, key=lambda c: (depth(c), c)):
        final = child not in parent.values()
        _add_stage(source, child, stages[child], ("kept", "rejected") if final else ("rejected",))
    return source


def _canonical(path: str) -> str:
    """Comparable form of a folder path as written in stage.json (relative or absolute)."""
    path = path.rstrip("/")
    return path if is_s3(path) else str(Path(path).resolve())
