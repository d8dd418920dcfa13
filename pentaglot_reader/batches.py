"""Training batches from a token shard folder, as numpy arrays, without torch.

This is the whole reader logic (order, mixture, split, packing, resume);
``pentaglot_reader.torch_dataset`` only adapts it to PyTorch, and a JAX or custom loop
can use it directly.  A batch is a dict:

* packed (``seq_len`` set): ``tokens`` ``[b, seq_len+1]`` and ``cu_seqlens``,
  the segment starts over the flattened inputs ``tokens[:, :-1]`` (see
  ``pentaglot_reader.packing``); with ``positions=True`` also ``positions``
  ``[b, seq_len]`` (position ids of the inputs; costs about as much as
  the tokens themselves);
* documents (``seq_len`` None): ``tokens`` flat, ``cu_seqlens`` ``[b+1]``
  (the layout variable-length attention kernels take) and ``docs``;

plus ``samples`` (the epoch positions in the batch), ``epoch``, ``index``
(the batch's number within its rank) and ``consumed`` (see
``pentaglot_reader.order``).  Token ids are int32 when the
vocab allows it (what embedding layers index with), else int64.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import islice
from typing import Iterator

import numpy as np

from pentaglot_reader.mixture import Mixture
from pentaglot_reader.order import EpochOrder, Split, consumer_batches
from pentaglot_reader.packing import PackedStream, positions_from_cu_seqlens, split_rows
from pentaglot_reader.shards import TokenShards

STATE_VERSION = 2
GROUP_TOKENS = 1 << 19  # big enough to spread each numpy call's fixed cost, small enough to stay in cache


class TokenBatches:
    """Deterministic, resumable batches over one shard folder for one rank.

    ``state_dict()`` is a checkpoint of the whole job, valid when every rank has
    finished the same number of batches (true at any DDP step boundary); it
    can be loaded with another world size, worker count or batch size.
    """

    def __init__(
        self,
        shards: TokenShards | str,
        batch_size: int,
        seq_len: int | None = None,
        seed: int = 0,
        mixture: Mixture | None = None,
        rank: int = 0,
        world_size: int = 1,
        drop_last: bool = False,
        checks: str = "quick",
        positions: bool = False,
    ):
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.shards = TokenShards(shards, checks=checks) if isinstance(shards, str) else shards
        self.batch_size = batch_size
        self.seq_len = seq_len
        self.seed = seed
        self.mixture = mixture
        self.split = Split(rank=rank, world_size=world_size)
        self.drop_last = drop_last
        self.positions = positions
        self.order = EpochOrder(self.shards.lengths, self.shards.lang_codes, self.shards.lang_names, seed, mixture)
        self.dtype = np.int32 if self.shards.tokenizer.vocab_size <= np.iinfo(np.int32).max else np.int64
        self.epoch = 0
        self.start = 0
        self._consumed: int | None = None  # of the last batch this process yielded
        self._packed: tuple[int, PackedStream] | None = None

    # -- epoch structure -----------------------------------------------------------
    def _stream(self, epoch: int) -> PackedStream:
        """This epoch's packed rows; built once per epoch (O(documents) memory)."""
        if self._packed is None or self._packed[0] != epoch:
            doc_order = self.order.docs(epoch, np.arange(self.order.num_samples(epoch)))
            self._packed = (epoch, PackedStream(doc_order, self.shards.lengths, self.seq_len))
        return self._packed[1]

    def num_samples(self, epoch: int | None = None) -> int:
        """Samples (packed rows, or documents) in an epoch."""
        epoch = self.epoch if epoch is None else epoch
        if self.seq_len is None:
            return self.order.num_samples(epoch)
        return self._stream(epoch).num_rows

    # -- state ---------------------------------------------------------------------
    def set_epoch(self, epoch: int) -> None:
        """Start ``epoch`` from its beginning (call before each epoch, like a DistributedSampler)."""
        self.epoch, self.start, self._consumed = epoch, 0, None

    def state_dict(self, consumed: int | None = None) -> dict:
        """The checkpoint after the last batch this process yielded (or the loaded state, before any).

        ``consumed`` overrides that with a batch's own ``consumed``, for batches
        made in other processes (``TokenDataset.loader`` passes it).
        """
        if consumed is None:
            consumed = self.start if self._consumed is None else self._consumed
        return {
            "version": STATE_VERSION,
            "seed": self.seed,
            "epoch": self.epoch,
            "consumed": int(consumed),
            "seq_len": self.seq_len,
            "mixture": self.mixture.to_dict() if self.mixture else None,
            "tokenizer_sha256": self.shards.tokenizer.sha256,
            "num_samples": self.num_samples(),
        }

    def load_state_dict(self, state: dict) -> None:
        """Resume mid-epoch; refuses a checkpoint whose sample order would differ."""
        for key, mine in (
            ("seed", self.seed),
            ("seq_len", self.seq_len),
            ("mixture", self.mixture.to_dict() if self.mixture else None),
            ("tokenizer_sha256", self.shards.tokenizer.sha256),
        ):
            if state.get(key) != mine:
                raise ValueError(f"reader state: {key} is {state.get(key)!r} in the checkpoint but {mine!r} here")
        epoch = int(state["epoch"])
        if state.get("num_samples") != self.num_samples(epoch):
            raise ValueError(
                f"reader state: the checkpoint's epoch has {state.get('num_samples')} samples, this data "
                f"{self.num_samples(epoch)}; the shard folder changed since the checkpoint"
            )
        self.epoch, self.start, self._consumed = epoch, int(state["consumed"]), None

    # -- iteration -----------------------------------------------------------------
    def iter_batches(self, worker: int = 0, num_workers: int = 1) -> Iterator[dict]:
        """This rank's batches made by dataloader worker ``worker`` of ``num_workers``.

        Batches are assembled a group at a time (about ``GROUP_TOKENS`` tokens),
        which spreads the fixed cost of each numpy call over many batches; the
        batches and their order are the same as one at a time.
        """
        split = replace(self.split, worker=worker, num_workers=num_workers)
        epoch = self.epoch
        batches = consumer_batches(self.num_samples(epoch), self.start, self.batch_size, split, self.drop_last)
        per_sample = self.seq_len + 1 if self.seq_len else max(self.shards.num_tokens // max(self.shards.num_docs, 1), 1)
        group_size = max(1, GROUP_TOKENS // (self.batch_size * per_sample))
        while group := list(islice(batches, group_size)):
            samples = [where for _, where, _ in group]
            assemble = self._packed_batches if self.seq_len else self._doc_batches
            for (index, where, consumed), batch in zip(group, assemble(epoch, samples)):
                batch.update(samples=where, epoch=epoch, index=index, consumed=consumed)
                self._consumed = consumed
                yield batch

    def __iter__(self) -> Iterator[dict]:
        return self.iter_batches()

    def _packed_batches(self, epoch: int, samples: list[np.ndarray]) -> list[dict]:
        tokens, seg_starts = self._stream(epoch).rows(np.concatenate(samples), self.shards.gather, self.dtype)
        counts = [len(s) for s in samples]
        out = []
        for batch_tokens, cu in split_rows(tokens, seg_starts, counts, self.seq_len):
            batch = {"tokens": batch_tokens, "cu_seqlens": cu}
            if self.positions:
                batch["positions"] = positions_from_cu_seqlens(cu, len(batch_tokens), self.seq_len)
            out.append(batch)
        return out

    def _doc_batches(self, epoch: int, samples: list[np.ndarray]) -> list[dict]:
        docs = self.order.docs(epoch, np.concatenate(samples))
        lengths = self.shards.lengths[docs]
        tokens = self.shards.gather(docs, np.zeros_like(lengths), lengths).astype(self.dtype)
        doc_cuts = np.cumsum([len(s) for s in samples])
        token_cuts = np.concatenate([[0], np.cumsum(lengths)])[np.concatenate([[0], doc_cuts])]
        out = []
        for i in range(len(samples)):
            lo, hi = doc_cuts[i] - len(samples[i]), doc_cuts[i]
            cu = (np.concatenate([[0], np.cumsum(lengths[lo:hi])])).astype(np.int32)
            out.append({"tokens": tokens[token_cuts[i] : token_cuts[i + 1]], "cu_seqlens": cu, "docs": docs[lo:hi]})
        return out
