"""Bytes of each piece of dedup state, per document and per edge, measured.

Runs the stage's own steps on a synthetic corpus (benchmarks/dedup_synthetic.py)
on local Ray and reads each materialized intermediate's size from Ray's block
metadata: the tagged corpus, the key rows exact dedup shuffles, its
decisions, the signature table, the banding rows, the verified edges, the
rows of the component rounds, the ``id -> cluster`` mapping, the tag rows and
the composed decisions the apply looks up.  Where each lives (object store,
spilled to local disk past its limit; one partition of it in a task) is in the
stage docstrings; the driver holds none of it.

    python benchmarks/dedup_state_bytes.py [--documents 50000]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_synthetic import corpus  # noqa: E402
from measure import save  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=50_000)
    args = parser.parse_args()
    import ray

    from filters.dedup_config import DedupConfig
    from filters.lsh import optimal_bands
    from pipeline.resources import ResourcesConfig
    from pipeline.stages import dedup_exact, dedup_near
    from pipeline.stages.dedup_apply import composed
    from pipeline.stages.dedup_components import cluster_mapping, initial_pieces, large_star, reduce_rows
    from pipeline.stages.dedup_ranks import rank_nodes
    from pipeline.stages.dedup_lookup import tag_lookup, with_tag
    from pipeline.stages.dedup_tasks import InProcess

    ray.init(address="local", num_cpus=2, logging_level="ERROR")
    cfg, res = DedupConfig(), ResourcesConfig().dedup
    table, info = corpus(args.documents)
    n = table.num_rows
    ds = ray.data.from_arrow([table.slice(i, 10_000) for i in range(0, n, 10_000)]).materialize()
    tagged = ds.map_batches(with_tag, batch_size=None, batch_format="pyarrow").materialize()
    keyed = tagged.map_batches(dedup_exact._key_rows, fn_args=(cfg,), batch_format="pyarrow").materialize()
    probed = keyed.map_batches(dedup_exact._with_probes, fn_args=(4,), batch_format="pyarrow").materialize()
    exact = dedup_exact.exact_decisions(tagged, cfg, res)
    lookup = tag_lookup(exact, cfg, res)
    bands, rows = optimal_bands(cfg.threshold, cfg.num_perm)
    sigs = tagged.map_batches(dedup_near._signature_rows, fn_args=(cfg, bands, rows, res.memory_bytes, lookup), batch_format="pyarrow").materialize()
    band_rows = sigs.map_batches(dedup_near._band_rows, fn_args=(bands, 4), batch_format="pyarrow").materialize()
    shuffled = lambda ds_, fn: dedup_exact.shuffle_partitions(ds_, cfg, res, 4, fn).materialize()
    candidates = shuffled(band_rows, lambda t: dedup_near._candidates(t, 4))
    sig_rows = sigs.map_batches(dedup_near._sig_join_rows, fn_args=(4,), batch_format="pyarrow").materialize()
    left_done = shuffled(candidates.union(sig_rows), lambda t: dedup_near._attach_left(t, 4))
    edges, tags = dedup_near.verified_edges(tagged, lookup, cfg, res)
    m = edges.count()
    # The rank and round state, built in this process by the steps the tasks run.
    blocks = ray.get(edges.to_arrow_refs())
    ranking = rank_nodes(InProcess(), blocks, 2 * m, 4)
    pieces = [initial_pieces(ranking.positions[b], ranking.offsets, 4, *[reply[b] for reply in ranking.replies])[:4] for b in range(len(blocks))]
    whole = lambda column: np.array([(0, len(piece)) for piece in column], np.int64).reshape(-1, 2)
    after_large = [reduce_rows(large_star, 4, ranking.nodes, None, whole([piece[p] for piece in pieces]), *[piece[p] for piece in pieces])[:4] for p in range(4)]
    nbytes = lambda arrays: sum(a.nbytes for group in arrays for a in group)
    mapping = cluster_mapping(edges, cfg, res)
    decisions = composed(exact, mapping, tags, cfg, res)
    live = sigs.count()
    per = lambda ds_, count: round(ds_.size_bytes() / max(count, 1), 1)
    result = {
        "corpus": info,
        "documents": n,
        "live_after_exact": live,
        "verified_edges": m,
        "mapping_rows": mapping.count(),
        "exact_decisions": exact.count(),
        "decisions": decisions.count(),
        "bytes_per_document": {
            "input_corpus": per(ds, n),
            "tagged_corpus_materialized": per(tagged, n),
            "exact_key_rows": per(keyed, n),
            "exact_shuffle_rows_with_id_probes": per(probed, n),
            "exact_decision_row_per_copy": per(exact, exact.count()),
            "signature_table": per(sigs, live),
            "band_rows": per(band_rows, live),
            "verify_candidate_rows": per(candidates, live),
            "verify_signature_rows_each_join": per(sig_rows, live),
            "verify_left_attached_rows": per(left_done, live),
            "tag_rows": per(tags, live),
            "rank_range_ids_per_node": round(nbytes([ranking.ids]) / max(ranking.nodes, 1), 1),
        },
        "bytes_per_edge": {
            "verified_edges": per(edges, m),
            "rank_endpoint_positions": round(nbytes([ranking.positions]) / max(m, 1), 1),
            "rank_replies": round(nbytes(ranking.replies) / max(m, 1), 1),
            "round_rows_both_directions": round(nbytes(pieces) / max(m, 1), 1),
            "round_rows_after_large_star": round(nbytes(after_large) / max(m, 1), 1),
            "mapping_row_per_moved_document": per(mapping, mapping.count()),
            "decision_row_per_duplicate": per(decisions, decisions.count()),
        },
        "mean_id_bytes": float(np.mean([len(x) for x in table["id"].to_pylist()[:1000]])),
    }
    print(result)
    save("dedup_state_bytes", result, {"pentaglot": {"dedup": "DedupConfig() defaults, each intermediate materialized and sized"}, "baseline": None, "documents": n})
    ray.shutdown()


if __name__ == "__main__":
    main()
