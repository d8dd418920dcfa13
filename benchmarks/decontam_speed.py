"""Decontamination speed: documents/s per core vs a bare in-process n-gram set lookup.

The bare lookup is what a user writes first: the evaluation items' n-grams in
a Python set (word 8-gram tuples of lowercased whitespace words; character
13-grams of the text without whitespace when it is mostly Chinese/Japanese/
Korean, the same sizes pentaglot uses), then every document's n-grams looked
up one by one; a hit flags it.  pentaglot is timed twice over the same
documents and items: ``find_in_index`` in one process over 1024-document
batches (per core, the same work as the baseline plus folding width, case
and punctuation and counting overlap per item), and on Ray with 2 CPUs: the
stage's operator over the documents already read into the object store
(index built and broadcast included: the work the bare lookup does), and the
whole stage (read JSONL, decontaminate, write Parquet, per-set report).

    python benchmarks/decontam_speed.py [--mb 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_jsonl  # noqa: E402
from measure import require_corpora, save  # noqa: E402

from filters.decontam_config import DecontaminateConfig, EvalSetConfig  # noqa: E402
from filters.decontam_eval_sets import read_eval_sets  # noqa: E402
from filters.decontam_index import build_index, find_in_index  # noqa: E402
from tests.unit.decontam_planting import eval_sets  # noqa: E402

BATCH = 1024


def _unspaced(text: str) -> bool:
    cjk = sum(1 for c in text if "\u3040" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7a3")
    return cjk * 2 > len(text)


def bare_grams(text: str, word_n: int, char_n: int):
    if _unspaced(text):
        chars = "".join(text.split())
        return (chars[i : i + char_n] for i in range(len(chars) - char_n + 1))
    words = text.lower().split()
    return (tuple(words[i : i + word_n]) for i in range(len(words) - word_n + 1))


def bare(docs: list[str], items: list[str], cfg: DecontaminateConfig) -> tuple[float, int]:
    index = set()
    for item in items:
        index.update(bare_grams(item, cfg.word_size, cfg.char_size))
    t0 = time.perf_counter()
    hits = sum(any(g in index for g in bare_grams(d, cfg.word_size, cfg.char_size)) for d in docs)
    return time.perf_counter() - t0, hits


def ours(docs: pa.Array, items, cfg: DecontaminateConfig) -> tuple[float, int]:
    index = build_index(items, cfg)
    t0 = time.perf_counter()
    hits = 0
    for start in range(0, len(docs), BATCH):
        hits += len(set(find_in_index(docs.slice(start, BATCH), index, cfg).doc.tolist()))
    return time.perf_counter() - t0, hits


def on_ray(path: Path, cfg: DecontaminateConfig, cpus: int) -> tuple[float, float, dict]:
    """Seconds of the operator over materialized documents, of the whole stage, and its counts."""
    from pipeline.api import run_document_stage
    from pipeline.runtime import ensure_ray
    from pipeline.stage_io import read_documents
    from pipeline.stages.decontaminate import decontaminate

    ensure_ray(cpus)
    docs = read_documents([str(path)]).materialize()
    t0 = time.perf_counter()
    decontaminate(docs, cfg).materialize()
    operator_s = time.perf_counter() - t0
    out = Path(tempfile.mkdtemp(prefix="decontam_speed_"))
    try:
        t0 = time.perf_counter()
        report = run_document_stage("decontaminate", [str(path)], str(out / "o"), cfg)
        return operator_s, time.perf_counter() - t0, report.counts
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()
    root = require_corpora()
    path = write_jsonl(f"decontam_{args.mb}mb", args.mb << 20)
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    sets = eval_sets(root)
    cfg = DecontaminateConfig(eval_sets=[EvalSetConfig(path=str(p), fields=f, name=lang) for lang, (p, f) in sets.items()])
    items = read_eval_sets(cfg.eval_sets)
    bare_s, bare_hits = bare(texts, items.texts.to_pylist(), cfg)
    ours_s, ours_hits = ours(pa.array(texts, pa.large_string()), items, cfg)
    operator_s, stage_s, counts = on_ray(path, cfg, args.cpus)
    n = len(texts)
    rate = {
        "bare_set_lookup_1core": n / bare_s,
        "pentaglot_1core": n / ours_s,
        f"pentaglot_ray_{args.cpus}cpu": n / operator_s,
        f"pentaglot_whole_stage_{args.cpus}cpu": n / stage_s,
    }
    out = {
        "benchmark": "decontam_speed",
        "corpus": {"documents": n, "mb": round(path.stat().st_size / 2**20, 1), "source": "benchmarks/corpus.py documents(), repeated"},
        "settings": {
            "pentaglot": cfg.model_dump(mode="json", exclude={"eval_sets"}),
            "bare": f"Python set of word {cfg.word_size}-gram tuples / char {cfg.char_size}-gram strings, lookup per n-gram, any hit flags",
            "eval_sets": {lang: str(p.relative_to(root)) for lang, (p, _) in sets.items()},
            "items": len(items.labels),
        },
        "seconds": {"bare": round(bare_s, 2), "pentaglot_1core": round(ours_s, 2), "ray_operator": round(operator_s, 2), "whole_stage": round(stage_s, 2)},
        "documents_flagged": {"bare": bare_hits, "pentaglot_1core": ours_hits, "stage_rejected": counts["rejected"]},
        "docs_per_s": {k: round(v, 1) for k, v in rate.items()},
        "ratio_to_bare": {k: round(v / rate["bare_set_lookup_1core"], 2) for k, v in rate.items()},
    }
    print(save("decontam_speed", out, out.pop("settings")))
    print(json.dumps({k: out[k] for k in ("seconds", "documents_flagged", "docs_per_s", "ratio_to_bare")}, indent=1))


if __name__ == "__main__":
    main()
