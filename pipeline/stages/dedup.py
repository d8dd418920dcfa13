"""The dedup stage: exact dedup, then (unless ``exact_only``) near dedup.

Output columns: ``dup_cluster`` (id of the document kept for the row's cluster,
its own id when unique) on every row dedup looked at, ``dup_of`` (the same id)
on rejected duplicates, ``drop_reason`` ``exact_dup`` / ``near_dup``.
``write_clusters`` then writes ``OUT/clusters/`` from the stage's kept/ and
rejected/ files (two columns read back), so the corpus is not run twice.

Where each piece of state lives is in DESIGN.md; in short the driver holds
counts and file names only, and every task's share of the data is sized to
the stage's memory budget (``resources.dedup``).
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import ray

from filters.dedup_config import DedupConfig
from pipeline.checkpoints import IN_STORE, Kept
from pipeline.documents import ID
from pipeline.resources import ResourcesConfig, StageResources, task_options
from pipeline.runtime import get_all, materialized
from pipeline.stage_io import STAGE_FILE, StageReport
from pipeline.stages.dedup_apply import apply_clusters
from pipeline.stages.dedup_exact import DUP_CLUSTER, exact_decisions, map_tables
from pipeline.stages.dedup_lookup import with_tag
from pipeline.stages.dedup_near import near_decisions
from pipeline.storage import Storage, join

CLUSTERS = "clusters"
CLUSTER_SCHEMA = pa.schema([(ID, pa.string()), ("cluster_id", pa.string()), ("keep", pa.bool_())])


def dedup(ds: ray.data.Dataset, cfg: DedupConfig | None = None, res: StageResources | None = None, kept: Kept = IN_STORE) -> ray.data.Dataset:
    cfg = cfg or DedupConfig()
    res = res or ResourcesConfig().dedup
    # Every later step reads the documents (keys, signatures, the apply):
    # materialize them once, each block tagged so decisions can find it.  Their
    # lineage is a read and a map, so they stay in the store; the decisions and
    # edges, ends of shuffle chains, are ``kept`` (pipeline/checkpoints.py).
    tagged = materialized(map_tables(ds, with_tag, (), task_options(res), batch_size=None, zero_copy_batch=True))
    exact = exact_decisions(tagged, cfg, res, kept)
    decisions = exact if cfg.exact_only else near_decisions(tagged, exact, cfg, res, kept)
    return apply_clusters(tagged, decisions, cfg, res)


def _cluster_file(storage: Storage, out: str, kind: str, path: str) -> dict | None:
    """One kept/rejected file's (id, cluster_id, keep) rows as one clusters/ file."""
    with storage.open_input(join(out, path), random_access=True) as f:
        table = pq.read_table(f, columns=[ID, DUP_CLUSTER])
    table = table.filter(pc.is_valid(table[DUP_CLUSTER]))
    if not table.num_rows:
        return None
    keep = pa.array([kind == "kept"] * table.num_rows, pa.bool_())
    rows = pa.table([pc.cast(table[ID], pa.string()), table[DUP_CLUSTER], keep], schema=CLUSTER_SCHEMA)
    rel = f"{CLUSTERS}/{kind}-{path.rsplit('/', 1)[-1]}"
    with storage.open_output(join(out, rel)) as sink:
        pq.write_table(rows, sink.stream, compression="zstd")
    return {"path": rel, "rows": rows.num_rows}


def write_clusters(report: StageReport, storage: Storage, res: StageResources | None = None) -> None:
    """Write ``OUT/clusters/`` (id, cluster_id, keep), then list it in stage.json.

    One Ray task per kept/rejected file reads its two columns and writes one
    clusters/ file; the driver gathers each file's name and row count only.
    stage.json is rewritten (atomically) with a ``clusters`` entry last: a
    stage.json without it means clusters/ is incomplete.
    """
    task = ray.remote(_cluster_file).options(**task_options(res or ResourcesConfig().dedup))
    refs = [task.remote(storage, report.out, kind, entry["path"]) for kind in ("kept", "rejected") for entry in report.data["files"][kind]]
    files = [f for f in get_all(refs) if f is not None]
    report.data["clusters"] = {"rows": sum(f["rows"] for f in files), "files": files}
    data = json.dumps(report.data, indent=2, ensure_ascii=False).encode()
    storage.write_bytes(join(report.out, STAGE_FILE), data)
