"""Language ID speed: the ``langid`` stage vs a bare ``predict(list)`` loop, same documents.

The baseline is what a user would write: one process, lid.176, newlines
flattened, ``model.predict(batch)`` over batches of 1024.  pentaglot is
measured twice: its decision alone in the same process (``identify``), and
the Ray stage end to end (read JSONL → langid actors → write Parquet, Ray
already started) with Ray given 1 and then 2 CPUs, each in a fresh
subprocess.  "Cores" are real: the in-process loops and the 1-CPU run are
pinned to one core (CPU affinity, inherited by Ray's workers), the 2-CPU run
to two.  Documents are the shared corpora's documents (all five languages),
cycled to ``--docs``.

    python benchmarks/langid_speed.py [--docs 40000] [--out benchmarks/results/langid_speed.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
BATCH = 1024


def corpus(corpora: Path, n: int) -> list[str]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from langid_accuracy import document_sets

    pool = [t for _, texts in document_sets(corpora).values() for t in texts]
    pool.sort(key=len)  # a fixed, interleaved order: long and short documents spread over batches
    pool = pool[::2] + pool[1::2][::-1]
    return [pool[i % len(pool)] for i in range(n)]


def bare_loop(texts: list[str]) -> float:
    from filters.langid import load_model

    model = load_model()
    start = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        model.predict([" ".join(t.split()) for t in texts[i : i + BATCH]], k=1)
    return time.perf_counter() - start


def identify_loop(texts: list[str]) -> float:
    from filters.langid import LanguageIdentifier

    ident = LanguageIdentifier()
    start = time.perf_counter()
    for i in range(0, len(texts), BATCH):
        ident.identify(texts[i : i + BATCH])
    return time.perf_counter() - start


def stage_run(path: str, cpus: int) -> float:
    """Runs in a subprocess: Ray with ``cpus`` CPUs, read → langid → write."""
    import ray

    from filters.langid import LangIdConfig
    from pipeline.config import ReaderConfig
    from pipeline.stage_io import read_documents, write_stage
    from pipeline.stages.langid import langid
    from pipeline.storage import Storage

    # A fresh local Ray of exactly ``cpus`` CPUs, even if another one runs on this machine.
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, logging_level="WARNING")
    storage = Storage()
    out = tempfile.mkdtemp(prefix="langid-speed-")
    start = time.perf_counter()
    ds = read_documents([path], ReaderConfig(), storage)
    ds = langid(ds, LangIdConfig(actors=cpus, batch_size=BATCH))
    report = write_stage(ds, out, "langid", storage=storage, overwrite=True)
    seconds = time.perf_counter() - start
    assert report.counts["read"] == report.counts["kept"] + report.counts["rejected"] + report.counts["quarantined"]
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=40000)
    ap.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "langid_speed.json"))
    ap.add_argument("--stage-run", nargs=2, metavar=("JSONL", "CPUS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage_run:
        print(json.dumps({"seconds": stage_run(args.stage_run[0], int(args.stage_run[1]))}))
        return

    texts = corpus(Path(args.corpora), args.docs)
    n_bytes = sum(len(t.encode()) for t in texts)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "docs.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False) + "\n")
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(0, cores[:1])
        bare = bare_loop(texts)
        ours = identify_loop(texts)
        stage = {}
        for cpus in (1, 2):
            pin = ",".join(map(str, cores[:cpus]))
            proc = subprocess.run(
                ["taskset", "-c", pin, sys.executable, __file__, "--stage-run", path, str(cpus)],
                capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            stage[cpus] = json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]
    rate = lambda s: round(len(texts) / s, 1)  # noqa: E731
    result = {
        "conditions": {
            "docs": len(texts), "mbytes": round(n_bytes / 2**20, 1), "batch": BATCH,
            "machine": f"{os.cpu_count()} cores shared with other engineers' jobs: absolute times drift, ratios are the result",
        },
        "docs_per_s": {
            "bare_predict_loop": rate(bare),
            "pentaglot_identify_in_process": rate(ours),
            "pentaglot_stage_1cpu": rate(stage[1]),
            "pentaglot_stage_2cpu": rate(stage[2]),
        },
        "ratio_vs_bare": {
            "identify_in_process": round(bare / ours, 3),
            "stage_1cpu": round(bare / stage[1], 3),
            "stage_2cpu": round(bare / stage[2], 3),
        },
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
