"""The demo run: ``pentaglot run`` on the built-in sample with a small tokenizer.

The sample is ~50 documents, so the tokenizer vocabulary is small; everything
else runs with the defaults a real run uses.
"""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.config import STEPS, RunConfig
from pipeline.runner import Runner
from pipeline.runtime import Console, configure_console
from pipeline.sample_data import sample_path

DEMO_VOCAB = 1400


def demo_config(out: Path) -> RunConfig:
    return RunConfig(
        input=[str(sample_path())],
        output=str(out),
        steps=list(STEPS),  # redact too (opt-in in a run): the sample has personal data to show it
        tokenizer={"vocab_size": DEMO_VOCAB, "char_budget": 1_000_000},
        tokenize={"shard_mb": 1},
    )


def run_demo(out: Path, num_cpus: int | None) -> None:
    """Like ``pentaglot run``: a rerun resumes the committed steps (delete OUT to start over)."""
    configure_console(Console.verbose, str(out / "_logs"))
    Runner(demo_config(out.resolve()), num_cpus=num_cpus, echo=click.echo).run()
    click.echo("Demo finished: open the stats report above in a browser; the shards load with pentaglot_reader.torch_dataset.TokenDataset.")
