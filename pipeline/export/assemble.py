"""One output dataset from its shards' parts: ``NAME.bin``, ``NAME.idx``, ``NAME.provenance.parquet``.

Parts are joined in shard order, so sequence ``i`` of the dataset is row ``i``
of its provenance table (which also says so, in ``sequence``).  Everything
streams one part at a time: the task's memory is one part's lengths and a
copy buffer, whatever the dataset's size.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.export.megatron_index import write_index
from pipeline.export.shard_parts import part_uri
from pipeline.storage import Storage, join

PROVENANCE_SUFFIX = ".provenance.parquet"
_COPY_BYTES = 16 << 20


def _part_lengths(storage: Storage, out: str, dataset: str, parts: list[int]):
    for index in parts:
        with storage.open_input(part_uri(out, dataset, index, ".parquet"), random_access=True) as f:
            yield pq.read_table(f, columns=["n_tokens"])["n_tokens"].to_numpy()


def assemble(storage: Storage, out: str, dataset: str, parts: list[int], sequences: int, dtype: np.dtype) -> dict:
    """Join the parts of ``dataset`` (shard indices ``parts``, in order); what was written."""
    prefix = join(out, dataset)
    with storage.open_output(prefix + ".bin") as f:
        for index in parts:
            with storage.open_input(part_uri(out, dataset, index, ".bin")) as part:
                while chunk := part.read(_COPY_BYTES):
                    f.write(chunk)
    with storage.open_output(prefix + ".idx") as f:
        write_index(f.write, dtype, sequences, lambda: _part_lengths(storage, out, dataset, parts))
    first = 0
    with storage.open_output(prefix + PROVENANCE_SUFFIX) as f:
        writer = None
        for index in parts:
            with storage.open_input(part_uri(out, dataset, index, ".parquet"), random_access=True) as part:
                table = pq.read_table(part)
            table = table.add_column(0, "sequence", pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))
            first += table.num_rows
            writer = writer or pq.ParquetWriter(f.stream, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    return {
        "name": dataset,
        "sequences": sequences,
        "bin_bytes": storage.stat(prefix + ".bin").size,
        "idx_bytes": storage.stat(prefix + ".idx").size,
    }
