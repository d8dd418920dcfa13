"""What every stage command shares: input/output arguments, config + flags, errors.

A stage's settings come from its section of an optional ``--config`` run file,
then flags override them; both go through the same pydantic models, so a bad
flag value gets the same one-line error as a bad YAML value.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable

import click
from pydantic import BaseModel

from pipeline.config import ReaderConfig, RunConfig, StorageConfig, load_config, validate
from pipeline.errors import UserError


def find_user_error(err: BaseException) -> UserError | None:
    """The innermost UserError behind ``err``, also when Ray wrapped it in a task
    error (Ray's wrapper is itself a UserError whose text is the remote traceback)."""
    found, seen = None, 0
    while err is not None and seen < 10:
        if isinstance(err, UserError):
            found = err
        err = getattr(err, "cause", None) or err.__cause__
        seen += 1
    return found


def handle_errors(fn: Callable) -> Callable:
    """Turn user errors into one line on stderr and exit code 2, no traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as err:
            user = find_user_error(err)
            if user is None:
                raise
            click.echo(f"error: {user}", err=True)
            sys.exit(user.exit_code)

    return wrapper


def io_options(fn: Callable) -> Callable:
    """INPUT... OUT plus the options every stage command takes."""
    decorators = [
        click.argument("inputs", nargs=-1, required=True, metavar="IN..."),
        click.argument("out", metavar="OUT"),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), help="run config YAML to take settings from"),
        click.option("--overwrite", is_flag=True, help="replace OUT if it exists"),
        click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "parquet", "text"]), help="input format (default: from file names)"),
        click.option("--text-field", help="field holding the document text (default: text)"),
        click.option("--id-field", help="field holding the document id (default: id)"),
        click.option("--text-unit", type=click.Choice(["file", "line"]), help="plain text: a document per file or per line"),
        click.option("--endpoint-url", help="S3-compatible endpoint URL (MinIO, R2, ...)"),
        click.option("--region", help="S3 region"),
        click.option("--profile", help="AWS profile name"),
        click.option("--num-cpus", type=int, help="CPUs for the embedded local Ray (ignored on a cluster)"),
    ]
    for decorate in reversed(decorators):
        fn = decorate(fn)
    return handle_errors(fn)


def _merge(model: type[BaseModel], base: BaseModel | None, flags: dict[str, Any], where: str):
    data = base.model_dump() if base is not None else {}
    data.update({k: v for k, v in flags.items() if v is not None})
    return validate(model, data, where)


class StageSettings:
    """The resolved settings of one stage command invocation."""

    def __init__(self, opts: dict[str, Any], section: str | None, model: type[BaseModel] | None, flags: dict[str, Any]):
        run: RunConfig | None = load_config(opts["config_path"]) if opts.get("config_path") else None
        self.run = run
        self.inputs = list(opts["inputs"])
        self.out = opts["out"]
        self.overwrite = opts["overwrite"]
        self.num_cpus = opts.get("num_cpus")
        self.reader = _merge(
            ReaderConfig,
            run.reader if run else None,
            {"format": opts.get("fmt"), "text_field": opts.get("text_field"), "id_field": opts.get("id_field"), "text_unit": opts.get("text_unit")},
            "command-line reader flags",
        )
        self.storage = _merge(
            StorageConfig,
            run.storage if run else None,
            {"endpoint_url": opts.get("endpoint_url"), "region": opts.get("region"), "profile": opts.get("profile")},
            "command-line storage flags",
        )
        self.stage = None
        if model is not None:
            base = getattr(run, section) if run is not None and section and hasattr(run, section) else None
            self.stage = _merge(model, base, flags, f"command-line flags of {section}")

    def check(self, stage: str) -> None:
        """Paths and input columns, before the caller imports Ray or starts it."""
        from pipeline.preflight import check_stage_input
        from pipeline.storage import Storage

        check_stage_input(stage, self.inputs, self.out, self.reader, Storage(self.storage), self.overwrite)


def run_stage_command(stage: str, opts: dict[str, Any], section: str, model: type[BaseModel], flags: dict[str, Any], actors: int | None = None) -> None:
    """A document stage command: settings, checks, then Ray; prints the stage summary (``actors``: a fixed pool)."""
    settings = StageSettings(opts, section, model, flags)
    settings.check(stage)
    from pipeline.api import run_stage  # Ray Data: a second to import

    click.echo(run_stage(stage, settings, actors).summary())
