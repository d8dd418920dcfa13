"""Settings of the tokenize stage (the ``tokenize:`` section of a run config)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from filters.section import Section

SpecialTokens = Literal["eos", "bos", "both", "none"]


class TokenizeConfig(Section):
    """How documents become token shards.

    ``special_tokens`` has no silent default inside the tokenizer model: the
    policy is written here and into the manifest, because BOS/EOS placement is
    part of what a model learns and must match between data and inference.
    ``threads`` is 1 because an actor's CPUs go further as concurrent calls
    (each reading, encoding and writing a piece) than as encode threads of one
    call, whose reads are single-threaded (see ``pipeline.stages.tokenize``).
    """

    tokenizer: str | None = Field(None, description="sentencepiece .model file (local or s3://); required to run")
    special_tokens: SpecialTokens = Field(
        "eos", description="per document: eos appended (GPT style), bos prepended, both, or none"
    )
    threads: int = Field(
        1,
        ge=1,
        le=256,
        description="sentencepiece encode threads per call; an actor runs resources.tokenize.cpus // threads calls at once",
    )
    batch_size: int = Field(1024, ge=1, description="documents per encode call")
    shard_mb: int = Field(256, ge=1, le=1 << 20, description="target shard size in MiB (a shard never exceeds it by more than one document)")
    buckets: int | None = Field(
        None,
        ge=1,
        description="hash buckets of document ids (each bucket is one or more shards); None = input size / shard size",
    )
    min_pieces: int = Field(
        16,
        ge=1,
        description="the input is cut into at least this many pieces (none under 16 KiB), each read and encoded "
        "by one actor call; more pieces spread a small input over more CPUs",
    )

    @property
    def add_bos(self) -> bool:
        return self.special_tokens in ("bos", "both")

    @property
    def add_eos(self) -> bool:
        return self.special_tokens in ("eos", "both")
