"""Kept datasets written to a stage's folder and read back (pipeline/checkpoints.py)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipeline.checkpoints import CHECKPOINTS, Checkpoints
from pipeline.resources import StageResources
from pipeline.storage import Storage

pytestmark = pytest.mark.ray


def _table(n: int) -> pa.Table:
    return pa.table({
        "id": [f"doc {i}, \"ñ\" 東京" for i in range(n)],
        "tag": pa.array(range(n), pa.uint64()),
        "digest": pa.array([i.to_bytes(16, "little") for i in range(n)], pa.binary(16)),
        "prio": pa.array([None if i % 3 else float(i) for i in range(n)], pa.float64()),
    })


def test_a_checkpoint_reads_back_every_row_and_knows_its_size_unread(ray_session, tmp_path):
    table = _table(1000)
    ds = ray_session.data.from_arrow([table.slice(i, 100) for i in range(0, 1000, 100)]).map_batches(lambda t: t, batch_format="pyarrow")
    kept = Checkpoints.under(str(tmp_path), Storage(), StageResources(memory_mb=256))
    back = kept.keep(ds, "rows")
    files = sorted((tmp_path / CHECKPOINTS).rglob("*.arrow"))
    assert len(files) == 10 and back.count() == 1000
    assert back.size_bytes() == ds.materialize().size_bytes()  # recorded by the write: nothing is read for it
    got = pa.concat_tables(ray_session.get(back.to_arrow_refs())).sort_by("tag")
    assert got.equals(table)
    assert back.filter(expr="tag < 10").count() == 10  # a later step reads the files again
    kept.clear()
    assert not (tmp_path / CHECKPOINTS).exists()


def test_an_empty_dataset_is_kept_without_files(ray_session, tmp_path):
    kept = Checkpoints.under(str(tmp_path), Storage(), StageResources(memory_mb=256))
    back = kept.keep(ray_session.data.from_arrow(_table(0)), "empty")
    assert back.count() == 0 and not list(tmp_path.rglob("*.arrow"))
    kept.clear()  # nothing to remove is not an error
