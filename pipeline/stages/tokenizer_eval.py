"""Token counts for ``tokenizer eval`` on Ray: each block folded to sums, the driver adds the folds.

The tokenizers load once per actor; a block leaves its actor as a few rows
per language and parallel group (``tokenizer_training.evaluate.partial_sums``),
so evaluating on a large corpus never brings the corpus to the driver.
"""

from __future__ import annotations

import pyarrow as pa
import ray

from pipeline.stages.tokenizer_sample import with_languages
from tokenizer_training.evaluate import TokenCounter, count_rows, partial_sums


class _Count:
    def __init__(self, models: list[bytes], names: list[str]):
        self.counters = [TokenCounter(model, name) for model, name in zip(models, names)]

    def __call__(self, table: pa.Table) -> pa.Table:
        return partial_sums(count_rows(table, self.counters))


def count_tokens(ds: ray.data.Dataset, models: list[bytes], names: list[str]) -> pa.Table:
    """Sums per tokenizer, language and parallel group over the live documents of ``ds``.

    Models travel as serialized protos, so workers on other nodes need no copy of the files.
    """
    folds = with_languages(ds).map_batches(
        _Count,
        fn_constructor_args=(models, names),
        batch_format="pyarrow",
        batch_size=4096,
        compute=ray.data.ActorPoolStrategy(min_size=1),
    )
    tables = [t for t in folds.iter_batches(batch_format="pyarrow", batch_size=None) if t.num_rows]
    return pa.concat_tables(tables) if tables else pa.table({})
