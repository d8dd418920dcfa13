"""Which reader a file needs, from its name: known without Ray, so paths can be checked before it starts."""

from __future__ import annotations

_SUFFIX_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".txt": "text", ".text": "text"}
_COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}


def detect(uri: str, fmt: str) -> tuple[str, str | None]:
    """(format, compression) of a file from its name, unless the format is forced."""
    name = uri.rsplit("/", 1)[-1].lower()
    compression = None
    for suffix, comp in _COMPRESSIONS.items():
        if name.endswith(suffix):
            compression, name = comp, name[: -len(suffix)]
    if fmt != "auto":
        return fmt, compression
    for suffix, kind in _SUFFIX_FORMATS.items():
        if name.endswith(suffix):
            return kind, compression
    return "text", compression
