"""PyTorch adapter for ``TokenBatches``: an ``IterableDataset`` plus a resumable loader.

torch is an optional extra (``pip install '.[torch]'`` in a clone); importing this
module is the only thing that needs it.  The dataset yields whole batches, so
build the DataLoader with ``batch_size=None`` -- or use ``loader()``, which
does that and also tracks the checkpoint state for ``state_dict()``.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from pentaglot_reader.batches import TokenBatches
from pentaglot_reader.mixture import Mixture


def _dist_rank_world() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _tensor(array: np.ndarray) -> torch.Tensor:
    """A tensor owning just this batch's memory.

    Batches are views into a group buffer; a worker sends a tensor's whole
    storage to the main process, so a view would ship the entire group.
    """
    return torch.from_numpy(array.copy() if array.base is not None else array)


class TokenDataset(IterableDataset):
    """Batches of this rank, split across dataloader workers with no overlap.

    ``rank``/``world_size`` default to ``torch.distributed``'s.  Arguments are
    those of ``TokenBatches``.
    """

    def __init__(self, folder: str, batch_size: int, seq_len: int | None = None, *, seed: int = 0,
                 mixture: Mixture | None = None, rank: int | None = None,
                 world_size: int | None = None, drop_last: bool = False, checks: str = "quick",
                 positions: bool = False):
        dist_rank, dist_world = _dist_rank_world()
        self.batches = TokenBatches(
            folder, batch_size, seq_len, seed=seed, mixture=mixture,
            rank=dist_rank if rank is None else rank,
            world_size=dist_world if world_size is None else world_size,
            drop_last=drop_last, checks=checks, positions=positions,
        )
        self._consumed: int | None = None

    def __iter__(self) -> Iterator[dict]:
        info = get_worker_info()
        worker, num_workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for batch in self.batches.iter_batches(worker, num_workers):
            yield {k: _tensor(v) if isinstance(v, np.ndarray) else v for k, v in batch.items()}

    def loader(self, num_workers: int = 2, pin_memory: bool | None = None, **kwargs) -> Iterator[dict]:
        """Iterate this epoch (from the loaded state) through a DataLoader, tracking progress.

        ``pin_memory`` defaults to whether CUDA is available: pinned pages only
        speed up copies to a GPU, and without one DataLoader warns about them.
        Extra keyword arguments go to ``DataLoader`` (e.g. ``prefetch_factor``).
        """
        if pin_memory is None:
            pin_memory = torch.cuda.is_available()
        dl = DataLoader(self, batch_size=None, num_workers=num_workers, pin_memory=pin_memory, **kwargs)
        for batch in dl:
            self._consumed = batch["consumed"]
            yield batch

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)
        self._consumed = None

    def state_dict(self) -> dict:
        """Checkpoint after the last batch ``loader()`` yielded (call at a step boundary)."""
        return self.batches.state_dict(self._consumed)

    def load_state_dict(self, state: dict) -> None:
        self.batches.load_state_dict(state)
        self._consumed = None
