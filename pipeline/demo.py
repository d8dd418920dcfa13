"""The demo run: every stage that exists, in order, on the built-in sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from filters.normalize import NormalizeConfig
from pipeline.api import STAGES, run_stage
from pipeline.commands.demo import sample_path
from pipeline.config import ReaderConfig, StorageConfig


class _Settings:
    def __init__(self, inputs, out, stage, num_cpus):
        self.inputs, self.out, self.stage, self.num_cpus = inputs, out, stage, num_cpus
        self.reader, self.storage, self.overwrite = ReaderConfig(), StorageConfig(), True


def run_demo(out: Path, num_cpus: int | None) -> None:
    if out.exists():
        shutil.rmtree(out)
    steps = [("normalize", NormalizeConfig())]
    current = [str(sample_path())]
    for name, cfg in steps:
        report = run_stage(name, _Settings(current, str(out / name), cfg, num_cpus))
        click.echo(report.summary())
        current = [str(out / name)]
    click.echo(f"\nDemo finished; outputs are in {out.resolve()} (stages: {', '.join(STAGES)})")
