"""The files of a stage's input and output, found without Ray.

Kept apart from ``stage_io`` (which needs Ray Data) so that the commands can
check a user's paths before Ray starts: a wrong path is then an error in a
second, not after the runtime's start-up.
"""

from __future__ import annotations

import json

from pipeline.errors import UserError
from pipeline.storage import FileRef, Storage, join

STAGE_FILE = "stage.json"


def read_stage_manifest(storage: Storage, folder: str) -> dict | None:
    """The committed ``stage.json`` of an output folder, or None if there is none."""
    uri = join(folder, STAGE_FILE)
    if storage.stat(uri) is None:
        return None
    return json.loads(storage.read_bytes(uri))


def input_files(inputs: list[str], storage: Storage) -> list[FileRef]:
    """Files to read: a stage output folder contributes only its committed kept files."""
    files: list[FileRef] = []
    raw: list[str] = []
    for spec in inputs:
        manifest = read_stage_manifest(storage, spec)
        if manifest is None:
            raw.append(spec)
            continue
        files += [FileRef(join(spec, f["path"]), f["bytes"]) for f in manifest["files"]["kept"]]
    if raw:
        files += storage.expand(raw)
    return files


def check_output(out: str, storage: Storage, overwrite: bool) -> None:
    """An existing output is an error unless the user asked to replace it."""
    if not overwrite and storage.exists(out):
        raise UserError(f"{out}: output already exists; pass --overwrite or choose another output path")


def prepare_output(out: str, storage: Storage, overwrite: bool) -> None:
    """Refuse to clobber an existing output unless asked; clear it when asked."""
    check_output(out, storage, overwrite)
    if storage.exists(out):
        storage.delete(out)
    storage.ensure_dir(out)
