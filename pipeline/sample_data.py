"""Where the built-in five-language sample lives (shipped as package data).

Its own module so the demo command, the demo run and the tests share it
without the command and the run importing each other.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def sample_path() -> Path:
    return Path(str(resources.files("pipeline").joinpath("sample/sample.jsonl")))
