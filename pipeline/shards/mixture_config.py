"""The ``mixture:`` section of a run config: the language mixture of a training set.

Validated here (shares add up to 1, epochs positive); feasibility against a
shard set is checked by ``pentaglot_reader.mixture.plan`` before any work,
since only the shards know how many tokens each language has.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from filters.section import Section
from pentaglot_reader.mixture import DEFAULT_MAX_EPOCHS, Mixture


class MixtureConfig(Section):
    """Target token share and epoch cap per language; empty ``shares`` = every document once."""

    shares: dict[str, float] = Field(
        default_factory=dict, description="target token share per language, adding up to 1; languages not named are left out"
    )
    max_epochs: dict[str, float] = Field(
        default_factory=dict, description="most passes over a language's tokens; languages not named: default_max_epochs"
    )
    default_max_epochs: float = Field(DEFAULT_MAX_EPOCHS, gt=0, description="epoch cap of languages max_epochs does not name")
    tokens: int | None = Field(None, ge=1, description="tokens in the mixed set; None = as many as the shard set holds")
    seed: int = Field(0, description="decides which documents a down-sampled language keeps")

    @model_validator(mode="after")
    def _shares_are_shares(self) -> MixtureConfig:
        if any(v < 0 for v in self.shares.values()):
            raise ValueError("shares must be >= 0")
        if self.shares and abs(sum(self.shares.values()) - 1) > 1e-3:
            raise ValueError(f"shares add up to {sum(self.shares.values()):g}; they are token shares and must add up to 1")
        if any(v <= 0 for v in self.max_epochs.values()):
            raise ValueError("max_epochs must be > 0")
        return self

    def mixture(self) -> Mixture | None:
        """The reader's mixture, or None when no shares are set."""
        if not self.shares:
            return None
        return Mixture(dict(self.shares), dict(self.max_epochs), self.default_max_epochs, self.tokens)
