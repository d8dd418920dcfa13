"""Settings of the ``decontaminate`` stage (run config section ``decontaminate``).

Defaults are measured (benchmarks/decontam_quality.py, planted JSQuAD, KLUE
NLI, XQuAD and CMRC 2018 items in other corpus documents): the sizes and the
overlap find every planted item while ordinary text that shares phrases with
an item stays clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class EvalSetConfig(BaseModel):
    """One evaluation set: a local JSONL/Parquet/CSV file or a local Hugging Face
    ``datasets`` folder (``save_to_disk`` output or a cache folder of .arrow files)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="local file or folder; never fetched from the network")
    name: str | None = Field(None, description="name in reports and in contaminated_by; default: the file or folder name")
    fields: list[str] = Field(default_factory=lambda: ["text"], min_length=1, description="text fields of an item (a list field counts each element, e.g. choices)")
    id_field: str | None = Field(None, description="field naming an item; default: its row number")
    format: Literal["auto", "jsonl", "parquet", "csv", "hf"] = "auto"

    @property
    def label(self) -> str:
        path = Path(self.path.rstrip("/"))
        return self.name or (path.stem if path.suffix in (".jsonl", ".json", ".parquet", ".csv") else path.name)


class DecontaminateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    eval_sets: list[EvalSetConfig] = Field(default_factory=list, description="evaluation sets; in `run` the step is skipped when empty")
    word_size: int = Field(8, ge=3, le=64, description="n of word n-grams (Latin and other spaced scripts)")
    char_size: int = Field(13, ge=3, le=64, description="n of character n-grams (Chinese, Japanese; Korean when hangul_unit is char)")
    hangul_unit: Literal["char", "word"] = Field("char", description="n-gram unit of Korean text (measured: char)")
    min_overlap: float = Field(0.5, gt=0, le=1, description="share of an item's n-grams a document must contain to be contaminated by it")
    max_ngram_items: int = Field(64, ge=1, description="an n-gram found in more items than this is a common phrase and never matches")
    action: Literal["reject", "mask"] = Field("reject", description="reject contaminated documents (drop_reason contamination) or keep them with the matched spans masked")
    mask_text: str = Field("<EVAL>", description="what a masked span is replaced with")
    index_memory_mb: int = Field(1024, ge=1, description="an index up to this size is shipped to every worker; a bigger one is joined through a shuffle")
    index_transport: Literal["auto", "broadcast", "shuffle"] = Field("auto", description="auto: broadcast when the index fits index_memory_mb, else shuffle")
    num_partitions: int | None = Field(None, ge=1, description="shuffle partitions of the join path; default from the index and corpus size")
    batch_size: int = Field(1024, ge=1, description="documents per batch")

    @model_validator(mode="after")
    def _unique_names(self):
        labels = [s.label for s in self.eval_sets]
        repeated = sorted({x for x in labels if labels.count(x) > 1})
        if repeated:
            raise ValueError(f"eval set names {repeated} repeat; give each a distinct 'name'")
        if any(":" in x for x in labels):
            raise ValueError("eval set names can't contain ':' (contaminated_by reads '<set>:<item>'); set 'name'")
        return self
