"""pentaglot's training side: the light reader a GPU node imports.

Token shards memory-mapped with zero copies (``shards``), deterministic,
resumable batches with packing, a language mixture and rank/worker splitting
(``batches``, ``order``, ``mixture``, ``packing``), and the shard format and
manifest they trust (``format``, ``manifest``, ``check``).  It needs numpy and
pyarrow only: no Ray, no fastText, no sentencepiece, no stage configs (a test
holds it to that).  ``pentaglot_reader.torch_dataset`` adds the PyTorch
``IterableDataset`` and needs torch (``pip install '.[torch]'``).
"""

from pentaglot_reader.batches import TokenBatches
from pentaglot_reader.mixture import Mixture, MixtureError
from pentaglot_reader.shards import ShardError, TokenShards

__all__ = ["Mixture", "MixtureError", "ShardError", "TokenBatches", "TokenShards"]
