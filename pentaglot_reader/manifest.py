"""``manifest.json``: the commit point of a token shard folder.

A shard that the manifest does not list does not exist, so the manifest is
written last and atomically.  Everything in it except ``created_at`` is a
function of input, config and tokenizer, which is what makes two runs
comparable byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from pentaglot_reader.format import FORMAT_VERSION, MANIFEST_NAME, TokenizerInfo

FORMAT_NAME = "pentaglot.token_shards"
TIMESTAMP_KEY = "created_at"
_HASH_CHUNK = 8 << 20


@dataclass(frozen=True)
class ShardEntry:
    """What the manifest promises about one shard; ``path`` is relative to the folder."""

    path: str
    rows: int
    tokens: int
    bytes: int
    sha256: str
    tokens_by_lang: dict[str, int] = field(default_factory=dict)
    docs_by_lang: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict) -> "ShardEntry":
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def sha256_stream(stream) -> str:
    """Hex sha256 of a readable binary stream, read in large chunks."""
    digest = hashlib.sha256()
    while chunk := stream.read(_HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _sorted_counts(counts: Counter) -> dict[str, int]:
    return {key: int(counts[key]) for key in sorted(counts)}


def build_manifest(
    tokenizer: TokenizerInfo,
    tokenizer_uri: str,
    config: dict,
    shards: list[ShardEntry],
    skipped: dict[str, int] | None = None,
    created_at: str | None = None,
) -> dict:
    """The manifest document; shards sorted by path so listing order never leaks in."""
    shards = sorted(shards, key=lambda s: s.path)
    tokens_by_lang: Counter = Counter()
    docs_by_lang: Counter = Counter()
    for shard in shards:
        tokens_by_lang.update(shard.tokens_by_lang)
        docs_by_lang.update(shard.docs_by_lang)
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        TIMESTAMP_KEY: created_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "tokenizer": {"uri": tokenizer_uri, "dtype": tokenizer.dtype.name, **tokenizer.to_dict()},
        "config": config,
        "skipped": _sorted_counts(Counter(skipped or {})),
        "shards": [asdict(s) for s in shards],
        "totals": {
            "shards": len(shards),
            "rows": sum(s.rows for s in shards),
            "tokens": sum(s.tokens for s in shards),
            "bytes": sum(s.bytes for s in shards),
            "tokens_by_lang": _sorted_counts(tokens_by_lang),
            "docs_by_lang": _sorted_counts(docs_by_lang),
        },
    }


def dumps(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def parse(data: bytes, where: str) -> dict:
    """Parse and sanity-check a manifest; problems are ValueErrors naming ``where``."""
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{where}: not valid JSON ({err}); the folder is damaged, rerun tokenize") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ValueError(f"{where}: not a pentaglot token shard manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{where}: format version {manifest.get('format_version')} is not {FORMAT_VERSION}; "
            "read it with the pentaglot version that wrote it or re-tokenize"
        )
    for key in ("tokenizer", "shards", "totals"):
        if key not in manifest:
            raise ValueError(f"{where}: missing key '{key}'")
    return manifest


def never_committed(uri: str) -> ValueError:
    return ValueError(f"{uri}: missing; the folder was never committed (tokenize did not finish), rerun tokenize")


def read_local(folder: str) -> dict:
    """The manifest of a local shard folder; a missing or damaged one is a ValueError naming it."""
    path = os.path.join(folder, MANIFEST_NAME)
    if not os.path.isfile(path):
        raise never_committed(path)
    with open(path, "rb") as f:
        return parse(f.read(), path)


def manifest_tokenizer(manifest: dict) -> TokenizerInfo:
    return TokenizerInfo.from_dict(manifest["tokenizer"])


def manifest_shards(manifest: dict) -> list[ShardEntry]:
    return [ShardEntry.from_dict(entry) for entry in manifest["shards"]]

