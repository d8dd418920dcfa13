"""Dedup speed: MinHash signatures per second per core against datasketch and
rensa on the same documents in one run, then the whole ``pentaglot dedup``
stage at 1x, 2x and 4x a base corpus size (docs/s and peak memory).

Signatures: every method gets the same matching-form texts and the same
shingles (character 5-grams, 128 permutations) and runs on one core:

* pentaglot: ``shingle_hashes`` + ``signatures`` over the whole batch;
* datasketch: shingles built in Python, ``MinHash.bulk`` (its default hash);
* rensa end to end (it ships no shingler, so its users build the shingles in
  Python): per document ``RMinHash.update`` + ``digest``, and its batch path
  ``RMinHash.digest_matrix_from_token_sets`` (rensa hashes the shingles);
* kernels alone on the same hashed shingles: pentaglot's ``signatures`` and
  rensa's ``digest_matrix_from_flat_token_hashes``, both fed pentaglot's
  shingle hashes.

The best of several interleaved rounds is kept, since the machine is shared.

Stage: a corpus of short documents (3 sentences of ../shared/corpora text)
with controlled duplication (10% exact copies, 10% near copies with one edit)
is written as Parquet under benchmarks/work/, then ``pentaglot dedup`` runs as
a subprocess; wall time and the peak RSS of its whole process tree are taken.

    python benchmarks/dedup_speed.py [--base 1000000] [--scales 1 2 4] [--docs 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import documents  # noqa: E402
from measure import WORK, run_measured, save  # noqa: E402

from filters.dedup_normalize import MatchNormalizeConfig, normalize_for_matching  # noqa: E402
from filters.minhash import signatures  # noqa: E402
from filters.shingles import shingle_hashes  # noqa: E402

NUM_PERM, SEED, SIZE = 128, 1, 5
SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")


def python_shingles(text: str) -> list[str]:
    """What a user writes: character 5-grams of the text without spaces."""
    text = text.replace(" ", "")
    return [text[i : i + SIZE] for i in range(len(text) - SIZE + 1)] or [text]


def run_pentaglot(matching: pa.Array) -> None:
    hashes, offsets = shingle_hashes(matching, "char", SIZE)
    signatures(hashes, offsets, NUM_PERM, SEED)


def run_datasketch(texts: list[str]) -> None:
    from datasketch import MinHash

    MinHash.bulk([[s.encode("utf-8") for s in python_shingles(t)] for t in texts], num_perm=NUM_PERM, seed=SEED)


def run_rensa(texts: list[str]) -> None:
    from rensa import RMinHash

    for text in texts:
        m = RMinHash(NUM_PERM, SEED)
        m.update(python_shingles(text))
        m.digest()


def run_rensa_batch(texts: list[str]) -> None:
    from rensa import RMinHash

    RMinHash.digest_matrix_from_token_sets([python_shingles(t) for t in texts], NUM_PERM, SEED)


def signature_speed(n_docs: int, rounds: int) -> dict:
    from rensa import RMinHash

    rng = random.Random(0)
    docs = [text for _, text in documents()]
    rng.shuffle(docs)
    docs = docs[:n_docs]
    started = time.perf_counter()
    matching = normalize_for_matching(pa.array(docs), MatchNormalizeConfig())
    normalize_s = time.perf_counter() - started
    texts = matching.to_pylist()
    hashes, offsets = shingle_hashes(matching, "char", SIZE)
    hashes64, offsets64 = hashes.astype(np.uint64), offsets.astype(np.uint64)
    methods = {
        "pentaglot": lambda: run_pentaglot(matching),
        "datasketch_bulk": lambda: run_datasketch(texts),
        "rensa": lambda: run_rensa(texts),
        "rensa_batch": lambda: run_rensa_batch(texts),
        "rensa_flat_kernel_only": lambda: RMinHash.digest_matrix_from_flat_token_hashes(hashes64, offsets64, NUM_PERM, SEED),
        "pentaglot_kernel_only": lambda: signatures(hashes, offsets, NUM_PERM, SEED),
    }
    best = {name: float("inf") for name in methods}
    for _ in range(rounds):
        for name, fn in methods.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    out = {
        "rounds": rounds,
        "documents": len(docs),
        "shingles": int(len(hashes)),
        "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
        "normalize_seconds_shared_by_all": round(normalize_s, 4),
        "seconds_best_of_rounds": {k: round(v, 4) for k, v in best.items()},
        "docs_per_second": {k: round(len(docs) / v, 1) for k, v in best.items()},
    }
    p = best["pentaglot"]
    out["pentaglot_vs_datasketch"] = round(best["datasketch_bulk"] / p, 2)
    out["pentaglot_vs_rensa"] = round(best["rensa"] / p, 2)
    out["pentaglot_vs_rensa_batch"] = round(best["rensa_batch"] / p, 2)
    out["kernel_pentaglot_vs_rensa_flat"] = round(best["rensa_flat_kernel_only"] / best["pentaglot_kernel_only"], 2)
    return out


# -- whole stage ------------------------------------------------------------------------
def sentence_pool() -> list[str]:
    pool = []
    for _, text in documents():
        pool += [s.strip() for s in SENTENCE_END.split(text) if 20 <= len(s.strip()) <= 300]
    return sorted(set(pool))


def near_copy(text: str, rng: random.Random) -> str:
    edit = rng.randrange(3)
    if edit == 0:
        i = rng.randrange(max(1, len(text) - 1))
        return text[:i] + text[i + 1 :]
    if edit == 1:
        return text.replace(",", "，").replace(".", "。").replace("，", ",", 1)
    return "Share this: " + text


def build_corpus(n: int, seed: int = 0) -> tuple[Path, dict]:
    """``n`` short documents: 80% distinct, 10% exact copies, 10% near copies."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"dedup_{n}.parquet"
    meta = WORK / f"dedup_{n}.json"
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    rng = random.Random(seed)
    pool = sentence_pool()
    n_unique = int(n * 0.8)
    # Three sentences of similar length each: two random documents then share
    # at most one sentence with overwhelming probability (Jaccard ~0.2), so
    # duplicates are (almost only) the planted ones.
    pool = [s for s in pool if 40 <= len(s) <= 200]
    texts = [" ".join(rng.sample(pool, 3)) for _ in range(n_unique)]
    exact = [texts[rng.randrange(n_unique)] for _ in range(int(n * 0.1))]
    near = [near_copy(texts[rng.randrange(n_unique)], rng) for _ in range(n - n_unique - len(exact))]
    texts = texts + exact + near
    order = list(range(n))
    rng.shuffle(order)
    table = pa.table({"id": [f"doc-{i:09d}" for i in range(n)], "text": pa.array([texts[i] for i in order], pa.large_string())})
    for part, start in enumerate(range(0, n, 250_000)):
        path.mkdir(exist_ok=True)
        pq.write_table(table.slice(start, 250_000), path / f"part-{part:04d}.parquet")
    info = {"documents": n, "planted_exact_copies": len(exact), "planted_near_copies": len(near), "mean_chars": round(float(np.mean([len(t) for t in texts])), 1)}
    meta.write_text(json.dumps(info))
    return path, info


def stage_run(path: Path) -> dict:
    out = WORK / f"{path.name}-out"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [str(Path(sys.executable).parent / "pentaglot"), "dedup", str(path), str(out), "--overwrite"]
    # RAY_ADDRESS=local: a fresh local Ray of this machine's CPUs, even when some
    # other process left a `ray start` cluster that ray.init() would join.
    env = {"RAY_DATA_DISABLE_PROGRESS_BARS": "1", "RAY_ADDRESS": "local"}
    measured = run_measured(cmd, env=env, cwd=str(Path(__file__).resolve().parents[1]))
    stage = json.loads((out / "stage.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": round(measured["seconds"], 1), "peak_rss_mb": measured["peak_rss_mb"],
            "peak_system_mb": measured["peak_system_mb"],
            "counts": stage["counts"], "rejected_by_reason": stage["rejected_by_reason"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=3000, help="documents for the signature comparison")
    parser.add_argument("--base", type=int, default=1_000_000, help="stage corpus size at scale 1")
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the signature comparison (best kept)")
    parser.add_argument("--name", default=None, help="results file name under benchmarks/results/ (default dedup_speed, or "
                        "dedup_signatures without --scales)")
    args = parser.parse_args()
    name = args.name or ("dedup_speed" if args.scales else "dedup_signatures")
    settings = {
        "pentaglot": {"signatures": "shingle_hashes('char', 5) + signatures, whole batch", "stage": "pentaglot dedup, defaults, local Ray, all CPUs"},
        "baseline": {"datasketch": "Python char 5-grams, MinHash.bulk", "rensa": "Python char 5-grams, RMinHash.update + digest per document",
                     "rensa_batch": "Python char 5-grams, RMinHash.digest_matrix_from_token_sets",
                     "rensa_flat_kernel_only": "pentaglot's shingle hashes, RMinHash.digest_matrix_from_flat_token_hashes"},
        "num_perm": NUM_PERM, "seed": SEED, "shingle": f"char {SIZE}", "docs": args.docs, "rounds": args.rounds, "one_core": True,
    }
    result = {"signatures": signature_speed(args.docs, args.rounds)}
    print(json.dumps(result["signatures"], indent=1))
    if args.scales:
        result["stage"] = {"cpus": os.cpu_count(), "runs": []}
    for scale in args.scales:
        path, info = build_corpus(args.base * scale)
        run = {"scale": scale, **info, **stage_run(path)}
        run["docs_per_second"] = round(info["documents"] / run["seconds"], 1)
        result["stage"]["runs"].append(run)
        print(json.dumps(run))
        save(name, result, settings, ("datasketch", "rensa"))
    save(name, result, settings, ("datasketch", "rensa"))


if __name__ == "__main__":
    main()
