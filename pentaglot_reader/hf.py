"""Hugging Face ``datasets`` reads the shards themselves, through its Arrow loader:

    import datasets
    from pentaglot_reader.hf import data_files

    ds = datasets.load_dataset("arrow", data_files=data_files("/data/tokens"), split="train")

Rows come in manifest order with the shard columns (``id``, ``lang``, ``source``,
``n_tokens``, ``tokens``).  ``datasets`` copies them into its cache as it
loads; for training at scale, ``TokenBatches`` reads the shards in place.
"""

from __future__ import annotations

import os

from pentaglot_reader.shards import TokenShards


def data_files(folder: str, checks: str = "quick") -> list[str]:
    """The committed shards of a local folder, in manifest order, each checked against the manifest first."""
    shards = TokenShards(folder, checks=checks)
    return [os.path.join(folder, entry.path) for entry in shards.entries]
