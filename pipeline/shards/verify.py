"""Checking a whole shard folder, local or on S3, against its manifest.

``pentaglot verify`` runs it: every listed shard is fully checked
(``pentaglot_reader.check``), and files the manifest does not list are
reported as leftovers.
"""

from __future__ import annotations

import os

import pyarrow as pa

from pentaglot_reader import manifest as mf
from pentaglot_reader.check import check_shard
from pentaglot_reader.format import MANIFEST_NAME
from pipeline.storage import Storage, is_s3, join


def _relative(uri: str, out: str) -> str:
    if is_s3(out):
        return uri[len(out.rstrip("/")) + 1 :]
    return os.path.relpath(uri, out)


def read_manifest(storage: Storage, out: str) -> dict:
    """The folder's manifest; a missing or damaged one is a ValueError naming it."""
    uri = join(out, MANIFEST_NAME)
    if storage.stat(uri) is None:
        raise mf.never_committed(uri)
    return mf.parse(storage.read_bytes(uri), uri)


def verify(storage: Storage, out: str, tokenizer_sha256: str | None = None) -> list[str]:
    """Every problem found in a shard folder; empty when it is sound.

    ``tokenizer_sha256`` is the hash of the tokenizer the caller intends to
    train with; a folder written with another one is a problem even if it is
    internally consistent.
    """
    try:
        manifest = read_manifest(storage, out)
    except ValueError as err:
        return [str(err)]
    tokenizer = mf.manifest_tokenizer(manifest)
    entries = mf.manifest_shards(manifest)
    problems = []
    if tokenizer_sha256 is not None and tokenizer_sha256 != tokenizer.sha256:
        problems.append(
            f"{MANIFEST_NAME}: written with tokenizer {tokenizer.sha256[:12]}…, not the given one ({tokenizer_sha256[:12]}…)"
        )
    present = {_relative(ref.uri, out) for ref in storage.list_files(out)}
    listed = {e.path for e in entries}
    for extra in sorted(present - listed - {MANIFEST_NAME}):
        problems.append(f"{extra}: extra file not listed in the manifest (a leftover of another run?)")
    for entry in entries:
        if entry.path not in present:
            problems.append(f"{entry.path}: missing")
            continue
        problems.extend(check_shard(pa.py_buffer(storage.read_bytes(join(out, entry.path))), entry, tokenizer))
    totals = manifest["totals"]
    for key in ("rows", "tokens", "bytes"):
        total = sum(getattr(e, key) for e in entries)
        if totals.get(key) != total:
            problems.append(f"{MANIFEST_NAME}: totals.{key} is {totals.get(key)}, shards add up to {total}")
    return problems
