"""The run config: one YAML file describes a run; validated on load.

Every section is a pydantic model with ``extra="forbid"`` so a mistyped key is
an error, not a silently ignored setting.  Errors become one line that names
the file and the dotted key (see ``load_config``).  Stage commands build the
same models from their flags, so the CLI and the YAML can't drift apart.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from filters.decontam_config import DecontaminateConfig
from filters.dedup_config import DedupConfig
from filters.langid import LangIdConfig
from filters.languages import DEFAULT_LANGUAGES
from filters.normalize import NormalizeConfig
from filters.pii_config import RedactConfig
from filters.quality import QualityConfig
from filters.section import Section
from pipeline.errors import UserError
from pipeline.resources import ResourcesConfig
from pipeline.shards.config import TokenizeConfig
from pipeline.shards.mixture_config import MixtureConfig
from pipeline.stats.settings import StatsConfig
from pipeline.storage import Storage, StorageConfig
from tokenizer_training.train import TokenizerConfig

# The steps of ``pentaglot run``, in order.  "tokenizer" trains one only when
# ``tokenize.tokenizer`` names none.
STEPS = ("normalize", "langid", "filter", "dedup", "decontaminate", "redact", "tokenizer", "tokenize", "stats")
Step = Literal["normalize", "langid", "filter", "dedup", "decontaminate", "redact", "tokenizer", "tokenize", "stats"]
# Steps a run leaves out unless its config lists them.
OPT_IN_STEPS = ("redact",)


class ReaderConfig(Section):
    """How raw input becomes documents."""

    format: Literal["auto", "jsonl", "parquet", "text"] = "auto"
    text_field: str = "text"
    id_field: str = "id"
    text_unit: Literal["file", "line"] = Field(
        "file", description="plain text: one document per file or per non-empty line"
    )
    split_bytes: int = Field(
        64 << 20, ge=1 << 20, description="plain files larger than this are read by several tasks"
    )
    task_bytes: int = Field(
        128 << 20, ge=1 << 20, description="small files are grouped into read tasks of about this size"
    )
    max_record_bytes: int = Field(
        8 << 20,
        ge=1 << 10,
        description="longest record kept (a JSONL line, a Parquet text cell, a text file or line); longer ones "
        "are skipped without being held in memory and quarantined with their size",
    )


class RunConfig(Section):
    """A whole run: inputs, output, languages, which steps, and one section per stage."""

    input: list[str]
    output: str
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    steps: list[Step] = Field(default_factory=lambda: [s for s in STEPS if s not in OPT_IN_STEPS], description="steps to run, in pipeline order")
    storage: StorageConfig = Field(default_factory=StorageConfig)
    reader: ReaderConfig = Field(default_factory=ReaderConfig)
    normalize: NormalizeConfig = Field(default_factory=NormalizeConfig)
    langid: LangIdConfig = Field(default_factory=LangIdConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    decontaminate: DecontaminateConfig = Field(default_factory=DecontaminateConfig)
    redact: RedactConfig = Field(default_factory=RedactConfig)
    tokenizer: TokenizerConfig = Field(default_factory=TokenizerConfig)
    tokenize: TokenizeConfig = Field(default_factory=TokenizeConfig)
    stats: StatsConfig = Field(default_factory=StatsConfig)
    resources: ResourcesConfig = Field(default_factory=ResourcesConfig)
    mixture: MixtureConfig = Field(default_factory=MixtureConfig)

    @field_validator("input", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="before")
    @classmethod
    def _languages_reach_langid(cls, data: Any) -> Any:
        """The top-level language list is langid's unless langid sets its own."""
        if isinstance(data, dict) and "languages" in data:
            section = data.get("langid") or {}
            if isinstance(section, dict) and "languages" not in section:
                data = {**data, "langid": {**section, "languages": data["languages"]}}
        return data


def _key_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def _suggest(model: type[BaseModel], loc: tuple) -> str:
    """'did you mean' for a mistyped key, from the fields of the section it sits in."""
    section: Any = model
    for part in loc[:-1]:
        fields = getattr(section, "model_fields", {})
        if part not in fields:
            return ""
        section = fields[part].annotation
    names = list(getattr(section, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def format_validation_error(err: ValidationError, model: type[BaseModel], where: str) -> str:
    """One line naming the file and the first bad key, the way a user reads it."""
    first = err.errors()[0]
    loc = tuple(first["loc"])
    key = _key_path(loc) or "(top level)"
    if first["type"] == "extra_forbidden":
        return f"{where}: unknown key '{key}'{_suggest(model, loc)}"
    if first["type"] == "missing":
        return f"{where}: missing required key '{key}'"
    more = len(err.errors()) - 1
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{where}: {key}: {first['msg']} (got {first.get('input')!r}){tail}"


def validate(model: type[Section], data: dict, where: str):
    """Build ``model`` from ``data`` or raise a one-line UserError naming ``where``."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise UserError(format_validation_error(err, model, where)) from None
    except UserError as err:  # a validator that must not echo the value (a secret in a URL)
        raise UserError(f"{where}: {err}") from None


def _read_config_text(path: str) -> str:
    """Config text from a local file or an S3 object (a RayJob keeps it in S3)."""
    if path.startswith("s3://"):
        storage = Storage(StorageConfig(endpoint_url=os.environ.get("PENTAGLOT_S3_ENDPOINT_URL")))
        if storage.stat(path) is None:
            raise UserError(f"{path}: config file not found; pass the path of a YAML run config")
        return storage.read_bytes(path).decode("utf-8")
    if not Path(path).is_file():
        raise UserError(f"{path}: config file not found; pass the path of a YAML run config")
    return Path(path).read_text(encoding="utf-8")


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a run config; every problem is a one-line UserError."""
    path = str(path)
    text = _read_config_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise UserError(f"{where}: not valid YAML ({getattr(err, 'problem', err)})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of settings at the top level")
    return validate(RunConfig, data, str(path))


def dump_config(config: BaseModel) -> str:
    """The effective config as YAML, defaults filled in."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
