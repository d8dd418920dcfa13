"""The base of every config section, wherever the section lives.

It sits in ``filters`` because that is the one package every other one may
import (``pipeline`` and ``tokenizer_training`` both depend on it, it depends
on neither), so stage settings, tokenizer settings and pipeline settings all
reject a mistyped key the same way.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
