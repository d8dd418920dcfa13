"""Where a stage keeps the datasets it reads more than once.

Ray keeps a task's spec on the driver for as long as any object it produced
is alive, and, through that task's arguments, the specs of everything before
it, so it can rebuild a lost object from its lineage.  A kept dataset at the
end of a chain of shuffles therefore pins every task of the chain: at 16M
documents the driver held ~55 MB of such specs by the end of near dedup (a
shuffle map task names one return per partition, so those grew 26x from 4M
to 16M) and its peak RSS was 1.22x its 1M peak (benchmarks/README.md).

``Checkpoints`` cuts the chain the way Spark's checkpoint does: the dataset
is written once to files under the stage's output folder and read back
lazily by tasks that take only a file name.  The chain's specs are released,
a lost block is rebuilt by reading its file again, and the object store holds
no copy while nothing reads it.  ``InStore`` keeps the dataset in the object
store (``materialized``), for callers with no output folder (tests, notebooks).
The row count and in-memory bytes of every file are recorded as it is
written, so ``count()`` and ``size_bytes()`` of a checkpoint read nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import partial

import pyarrow as pa
import ray
from ray.data.block import BlockMetadata
from ray.data.datasource import Datasink, Datasource, ReadTask

from pipeline.resources import StageResources, task_options
from pipeline.runtime import materialized
from pipeline.storage import Storage, join

CHECKPOINTS = "_checkpoints"


class InStore:
    """Kept datasets held whole in Ray's object store, their lineage pinned on the driver."""

    def keep(self, ds: ray.data.Dataset, name: str) -> ray.data.Dataset:
        return materialized(ds)


IN_STORE = InStore()


@dataclass(frozen=True)
class _File:
    uri: str
    rows: int
    nbytes: int


def _write_file(storage: Storage, uri: str, table: pa.Table) -> _File:
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with storage.open_output(uri) as out, pa.ipc.new_stream(out.stream, table.schema, options=options) as writer:
        writer.write_table(table)
    return _File(uri, table.num_rows, table.nbytes)


def _read_file(storage: Storage, uri: str) -> list[pa.Table]:
    with storage.open_input(uri) as f:
        return [pa.ipc.open_stream(f).read_all()]


@dataclass
class _Written:
    files: list[_File]
    schema: pa.Schema | None


class _Sink(Datasink[_Written]):
    """One Arrow IPC file per non-empty block, named by write task and block (a retried task rewrites its own)."""

    def __init__(self, storage: Storage, folder: str):
        self.storage, self.folder = storage, folder
        self.written = _Written([], None)

    def write(self, blocks, ctx) -> _Written:
        tables = [b for b in blocks if b.num_rows]
        files = [_write_file(self.storage, join(self.folder, f"{ctx.task_idx:06d}-{i:04d}.arrow"), t) for i, t in enumerate(tables)]
        return _Written(files, tables[0].schema if tables else None)

    def on_write_complete(self, write_result) -> None:
        for part in write_result.write_returns:
            self.written.files += part.files
            self.written.schema = part.schema or self.written.schema
        self.written.files.sort(key=lambda f: f.uri)


class _Source(Datasource):
    def __init__(self, storage: Storage, files: list[_File], schema: pa.Schema):
        super().__init__()
        self.storage, self.files, self.schema = storage, files, schema

    def get_name(self) -> str:
        return "ReadCheckpoint"

    def estimate_inmemory_data_size(self) -> int:
        return sum(f.nbytes for f in self.files)

    def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None) -> list[ReadTask]:
        return [
            ReadTask(partial(_read_file, self.storage, f.uri), BlockMetadata(f.rows, f.nbytes, None, None), schema=self.schema,
                     per_task_row_limit=per_task_row_limit)
            for f in self.files
        ]


@dataclass
class Checkpoints:
    """Kept datasets written under ``folder`` (``OUT/_checkpoints``) and read back lazily; ``clear`` when the stage is written."""

    storage: Storage
    folder: str
    res: StageResources
    _names: itertools.count = field(default_factory=itertools.count)

    @classmethod
    def under(cls, out: str, storage: Storage, res: StageResources) -> "Checkpoints":
        return cls(storage, join(out, CHECKPOINTS), res)

    def keep(self, ds: ray.data.Dataset, name: str) -> ray.data.Dataset:
        sink = _Sink(self.storage, join(self.folder, f"{next(self._names):02d}-{name}"))
        ds.write_datasink(sink, ray_remote_args=task_options(self.res))
        files, schema = sink.written.files, sink.written.schema
        if not files:
            return materialized(ds)  # empty: no lineage worth cutting
        return ray.data.read_datasource(_Source(self.storage, files, schema), override_num_blocks=len(files), **task_options(self.res))

    def clear(self) -> None:
        self.storage.delete(self.folder)


Kept = InStore | Checkpoints
