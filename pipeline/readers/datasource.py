"""The Ray Data datasource that turns input files into document tables.

Its read tasks are the groups of ``pipeline.readers.units.plan_groups``, each
read by ``read_group``; this module only hands them to Ray Data.
"""

from __future__ import annotations

from ray.data.block import BlockMetadata
from ray.data.datasource import Datasource, ReadTask

from pipeline.config import ReaderConfig
from pipeline.readers.tally import InputTally
from pipeline.readers.units import Unit, plan_groups, read_group
from pipeline.storage import FileRef, Storage


class DocumentDatasource(Datasource):
    def __init__(self, files: list[FileRef], reader: ReaderConfig, storage: Storage, progress=None, tally: InputTally | None = None):
        super().__init__()
        self.files = files
        self.reader = reader
        self.storage = storage
        self.progress = progress  # a pipeline.progress counter, or None
        self.tally = tally

    def get_name(self) -> str:
        return "ReadDocuments"

    def estimate_inmemory_data_size(self) -> int:
        return sum(f.size for f in self.files)

    def get_read_tasks(self, parallelism: int, per_task_row_limit=None, data_context=None) -> list[ReadTask]:
        total = sum(f.size for f in self.files)
        # Enough tasks to use the cluster, but none smaller than 1 MB unless configured so;
        # a big file is cut to the same size so its pieces spread evenly over the CPUs.
        target = min(self.reader.task_bytes, max(1 << 20, total // max(parallelism, 1) + 1))
        tasks = []
        for index, group in enumerate(plan_groups(self.files, self.reader, self.storage, target)):
            meta = BlockMetadata(
                num_rows=None,
                size_bytes=sum(u.size for u in group),
                input_files=[u.file.uri for u in group],
                exec_stats=None,
            )
            count_to = self.tally.reporter(index) if self.tally is not None else None
            tasks.append(ReadTask(_reader(group, self.reader, self.storage, self.progress, count_to), meta, per_task_row_limit=per_task_row_limit))
        return tasks


def _reader(units: list[Unit], cfg: ReaderConfig, storage: Storage, progress, count_to):
    return lambda: read_group(units, cfg, storage, progress, count_to)
