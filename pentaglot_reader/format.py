"""The token shard format: one Arrow IPC *file* per shard, uncompressed.

The IPC file format (not the stream format) has a footer with the offset of
every record batch, so a reader memory-maps the file and gets numpy views of
the token buffer without copying or parsing.  Each shard holds a single record
batch, which makes its ``tokens`` values one contiguous buffer.

Everything a reader needs to trust a shard on its own (format version,
tokenizer hash, vocab size, special-token ids) travels in the schema metadata,
so a shard copied out of its folder still says what it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa

FORMAT_VERSION = 1
SHARD_SUFFIX = ".arrow"
MANIFEST_NAME = "manifest.json"

ID = "id"
LANG = "lang"
SOURCE = "source"
N_TOKENS = "n_tokens"
TOKENS = "tokens"
UNKNOWN_LANG = "und"

META_PREFIX = "pentaglot."
META_FORMAT_VERSION = META_PREFIX + "format_version"

# uint16 holds ids 0..65535, so a vocab of exactly 65536 still fits.
UINT16_VOCAB_LIMIT = 1 << 16


@dataclass(frozen=True)
class TokenizerInfo:
    """Identity of the tokenizer a shard was written with.

    ``sha256`` is over the serialized model file: two models with the same
    vocab size but different pieces must never be mixed in one training run.
    Ids of -1 mean the model has no such token (sentencepiece's convention).
    """

    sha256: str
    vocab_size: int
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TokenizerInfo":
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    @property
    def dtype(self) -> np.dtype:
        return token_dtype(self.vocab_size)


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (half the disk and PCIe bytes), else uint32."""
    if vocab_size <= 0:
        raise ValueError(f"vocab size must be positive, got {vocab_size}")
    if vocab_size <= UINT16_VOCAB_LIMIT:
        return np.dtype(np.uint16)
    if vocab_size <= 1 << 32:
        return np.dtype(np.uint32)
    raise ValueError(f"vocab size {vocab_size} does not fit in uint32 token ids")


def numpy_view(array: pa.Array) -> np.ndarray:
    """Zero-copy numpy view of a primitive Arrow array without nulls.

    pyarrow's own ``to_numpy`` imports pandas on first use: two seconds of a
    GPU node's start-up (and of every Ray worker's first shard) for nothing.
    """
    dtype = np.dtype(str(array.type))
    data = array.buffers()[1]
    if data is None:
        return np.zeros(0, dtype)
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def schema_metadata(info: TokenizerInfo) -> dict[bytes, bytes]:
    fields = {META_FORMAT_VERSION: str(FORMAT_VERSION)}
    fields.update({META_PREFIX + name: str(value) for name, value in info.to_dict().items()})
    return {k.encode(): v.encode() for k, v in fields.items()}


def shard_schema(info: TokenizerInfo) -> pa.Schema:
    """Shard columns; ``tokens`` is a large_list so a shard may exceed 2**31 tokens.

    ``source`` is the document's source (the input file it was read from, or
    the record's own ``source``), so an exported sequence traces back to it;
    null when unknown.  Dictionary-encoded: a shard's documents come from few
    files, so it costs 4 bytes a document instead of a path each (~7% of a
    shard's bytes).  Shards written before it existed lack the column and are
    read the same.
    """
    value_type = pa.from_numpy_dtype(info.dtype)
    return pa.schema(
        [
            pa.field(ID, pa.string(), nullable=False),
            pa.field(LANG, pa.string(), nullable=False),
            pa.field(SOURCE, pa.dictionary(pa.int32(), pa.string())),
            pa.field(N_TOKENS, pa.int32(), nullable=False),
            pa.field(TOKENS, pa.large_list(pa.field("item", value_type, nullable=False)), nullable=False),
        ],
        metadata=schema_metadata(info),
    )


def info_from_schema(schema: pa.Schema) -> tuple[int, TokenizerInfo]:
    """Format version and tokenizer identity from a shard's schema metadata.

    Raises ValueError when the metadata is missing, which is what a file that is
    not a pentaglot shard looks like.
    """
    meta = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items()}
    if META_FORMAT_VERSION not in meta:
        raise ValueError("no pentaglot format version in the schema metadata (not a pentaglot shard)")
    values = {}
    for name, field_type in TokenizerInfo.__annotations__.items():
        raw = meta.get(META_PREFIX + name)
        if raw is None:
            raise ValueError(f"schema metadata lacks {META_PREFIX + name}")
        values[name] = raw if field_type == "str" else int(raw)
    return int(meta[META_FORMAT_VERSION]), TokenizerInfo(**values)
