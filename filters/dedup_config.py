"""Settings of the dedup stage, usable without the pipeline.

Defaults are for web text: exact dedup on the matching form, then MinHash with
128 permutations over character 5-grams at Jaccard 0.6, keeping the document
with the lowest id in each cluster.  0.6, not the usual 0.8, is measured
(benchmarks/dedup_quality.py): character shingles score copies with two
realistic edits at 0.75-0.95 and different pages sharing a long site template
at <= 0.5, and 0.8 loses 10-30% of the copies in every language.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, field_validator

from filters.dedup_normalize import MatchNormalizeConfig
from filters.section import Section


class ShingleOverride(Section):
    """Replaces the language table's shingle unit/size for one language."""

    unit: Literal["char", "word"]
    size: int = Field(ge=1, le=64)


class DedupConfig(Section):
    """The ``dedup`` section of the run config.

    ``keep`` is ``lowest_id``, ``longest`` or the name of a numeric column
    (higher wins, e.g. a quality score); ties always go to the lowest id, so the
    choice is deterministic.  ``exact_match`` says what exact dedup compares:
    the raw text, or the matching form (case, width, punctuation, whitespace
    folded).  ``num_partitions`` fixes the number of hash-shuffle partitions
    of every dedup shuffle (None: each shuffle gets as many as keep a partition
    within the stage's per-task memory budget, ``resources.dedup.memory_mb``;
    it also fixes the range partitions the component rounds rank nodes over,
    and 1 runs connected components in one task).  ``shuffle`` picks
    Ray's exchange for those partitions; all move rows by the same partition
    key.  "hash" (the default) is Ray's task-based hash shuffle, whose map
    tasks batch a quarter of the task budget of input each, so the driver
    owns far fewer pieces, and pieces are zstd-compressed.  "sort" is Ray's
    pull-based sort shuffle: 1.14-1.23x faster on one 2-CPU node at 1M-4M
    documents, but the driver owns a piece per (input block, output block),
    which grows with the square of the data (driver heap 1.83x from 1M to 4M
    documents, against 1.09x), and it spills twice as much
    (benchmarks/README.md, dedup at scale).  "disk" is "hash" with the
    pieces in files on the nodes' disks instead of the object store: tested
    to give the same clusters, not measured at scale.
    """

    exact_only: bool = False
    exact_match: Literal["raw", "matching"] = "matching"
    threshold: float = Field(0.6, gt=0.0, lt=1.0)
    num_perm: int = Field(128, ge=8, le=1024)
    seed: int = 1
    shingles: dict[str, ShingleOverride] = Field(default_factory=dict)
    normalize: MatchNormalizeConfig = Field(default_factory=MatchNormalizeConfig)
    keep: str = "lowest_id"
    num_partitions: Optional[int] = Field(None, ge=1)
    shuffle: Literal["sort", "hash", "disk"] = "hash"

    @field_validator("keep")
    @classmethod
    def _keep_named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("keep must be lowest_id, longest or a numeric column name")
        return value
