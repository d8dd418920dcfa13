"""pentaglot vs datatrove on the same labelled corpus, same cores, one run.

    python benchmarks/datatrove_compare.py                  # 500 MB, then 2x and 4x
    python benchmarks/datatrove_compare.py --size-mb 25     # quick look
    python benchmarks/datatrove_compare.py --report         # table and plot from saved results

For each size: builds the seeded corpus (compare_corpus.py), runs ``pentaglot
run`` (normalize, langid, filter, dedup, tokenize; ``--num-cpus 2``) and then
datatrove (datatrove_pipeline.py; ``workers=2``) twice, with its word
tokenizers and without (``--plain``), each as a measured process tree, and
scores all three against the planted labels.

Both sides dedup at the same Jaccard threshold (``--threshold``, default
pentaglot's): pentaglot's ``dedup.threshold`` is set to it, and datatrove gets
the buckets and hashes per bucket that pentaglot's LSH picks for it
(``filters.lsh.optimal_bands`` at pentaglot's ``num_perm``), so both have the
same S-curve; pentaglot then also checks each candidate pair's estimated
Jaccard against the threshold, which datatrove does not.  A 32k tokenizer is trained
once on the first base corpus and cached in benchmarks/work/tokenizer-32k; both
sides tokenize with it (datatrove through its exported tokenizer.json).

Duplicate detection is scored by the same rule for both sides, on the labelled
groups (an original and its planted copies) whose members reached dedup in that
system: a pair (original, copy) is found when one of them was removed as a
duplicate and its group still has a survivor; a removal is correct when the
removed document belongs to a group that has another member (so removing a
``related`` document, which only shares half its sentences, is a false
positive).  datatrove has no separate exact stage: its MinHash finds exact
copies too, so both are scored on all duplicates removed.

Results: benchmarks/results/datatrove_<size>mb.json per size, the plot
benchmarks/results/datatrove_compare.png, and a Markdown table printed at the
end for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq

from compare_corpus import LANGS, build, load_labels
from measure import RESULTS, WORK, run_measured, save

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from filters.dedup_config import DedupConfig  # noqa: E402
from filters.lsh import optimal_bands  # noqa: E402

BENCH = Path(__file__).resolve().parent
PENTAGLOT = str(Path(sys.executable).with_name("pentaglot"))
# A private Ray temp dir: with the default /tmp/ray, ray.init() joins any cluster
# another process on the machine started (ray_current_cluster) instead of the
# embedded 2-CPU runtime, and then refuses --num-cpus.
PRIVATE_RAY = {"RAY_TMPDIR": "/tmp/pg-bench"}


def train_tokenizer(corpus: Path) -> Path:
    out = WORK / "tokenizer-32k"
    if not (out / "tokenizer.json").exists():
        run_measured(
            [PENTAGLOT, "tokenizer", "train", "--vocab-size", "32000", "--input", str(corpus / "shard-*.jsonl"), "--out", str(out),
             "--char-budget", "8000000", "--num-cpus", "2", "--max-memory-gb", "4", "--overwrite"],
            env=PRIVATE_RAY,
        )
    return out


def lsh(threshold: float) -> tuple[int, int]:
    """pentaglot's (bands, rows) for ``threshold``, which datatrove is given too."""
    return optimal_bands(threshold, DedupConfig().num_perm)


def run_pentaglot(corpus: Path, work: Path, tokenizer: Path, threshold: float) -> dict:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    config = {
        "input": [str(corpus / "shard-*.jsonl")],
        "output": str(work / "out"),
        "steps": ["normalize", "langid", "filter", "dedup", "tokenize"],
        "tokenize": {"tokenizer": str(tokenizer / "tokenizer.model")},
        "dedup": {"threshold": threshold},
    }
    (work / "run.yaml").write_text(json.dumps(config))
    measured = run_measured([PENTAGLOT, "run", str(work / "run.yaml"), "--num-cpus", "2"], env=PRIVATE_RAY)
    report = json.loads((work / "out" / "run_report.json").read_text())
    steps = {s["step"]: s for s in report["steps"]}
    dedup = work / "out" / "dedup"
    rejected = pq.read_table(dedup / "rejected", columns=["id", "lang", "drop_reason"]).to_pylist()
    kept = pq.read_table(dedup / "kept", columns=["id", "lang"]).to_pylist()
    return {
        "seconds": round(measured["seconds"], 1),
        "cpu_seconds": measured["cpu_seconds"],
        "peak_rss_mb": measured["peak_rss_mb"],
        "peak_system_mb": measured["peak_system_mb"],
        "stage_seconds": {name: s["seconds"] for name, s in steps.items()},
        "kept_after_langid_filter": {lang: row["read"] for lang, row in steps["dedup"]["by_language"].items()},
        "kept_final": {lang: row["kept"] for lang, row in steps["dedup"]["by_language"].items()},
        "langid_rejected_by_reason": steps["langid"]["rejected_by_reason"],
        "filter_rejected_by_reason": steps["filter"]["rejected_by_reason"],
        "tokens": steps["tokenize"]["tokens"],
        "_dedup_input": {r["id"]: r["lang"] for r in kept + rejected},
        "_removed": {r["id"] for r in rejected},
    }


def _jsonl_ids(folder: Path) -> dict[str, str]:
    """id -> language folder, for datatrove's per-language JSONL outputs."""
    out = {}
    for f in folder.glob("*/*.jsonl"):
        for line in f.open(encoding="utf-8"):
            out[json.loads(line)["id"]] = f.parent.name
    return out


def run_datatrove(corpus: Path, work: Path, tokenizer: Path, threshold: float, plain: bool = False) -> dict:
    bands, rows = lsh(threshold)
    measured = run_measured(
        [sys.executable, str(BENCH / "datatrove_pipeline.py"), "--corpus", str(corpus), "--work", str(work),
         "--tokenizer-json", str(tokenizer / "tokenizer.json"), "--workers", "2", "--bands", str(bands), "--rows", str(rows)]
        + (["--plain"] if plain else [])
    )
    summary = json.loads((work / "summary.json").read_text())
    dedup_input = _jsonl_ids(work / "lid")
    kept = Counter(_jsonl_ids(work / "dedup").values())
    return {
        "seconds": round(measured["seconds"], 1),
        "cpu_seconds": measured["cpu_seconds"],
        "peak_rss_mb": measured["peak_rss_mb"],
        "peak_system_mb": measured["peak_system_mb"],
        "stage_seconds": summary["seconds"],
        "kept_after_langid_filter": dict(sorted(Counter(dedup_input.values()).items())),
        "kept_final": dict(sorted(kept.items())),
        "tokens": summary["tokens"],
        "word_tokenizers": summary["word_tokenizers"],
        "minhash": summary["minhash"],
        "_dedup_input": dedup_input,
        "_removed": set(_jsonl_ids(work / "dedup_removed")),
    }


def score(labels: list[dict], dedup_input: dict[str, str], removed: set[str]) -> dict:
    """Per planted language: off-language docs let through, duplicates removed, precision and recall."""
    groups: dict[str, list[str]] = defaultdict(list)
    for row in labels:
        if row["id"] in dedup_input:
            groups[row["group"]].append(row["id"])
    survivors = {g: any(i not in removed for i in members) for g, members in groups.items()}
    stats: dict[str, Counter] = defaultdict(Counter)
    for row in labels:
        s, i = stats[row["lang"]], row["id"]
        if row["kind"] == "offlang":
            s["offlang_total"] += 1
            s["offlang_passed_langid"] += i in dedup_input
            continue
        if i not in dedup_input:
            continue
        group = groups[row["group"]]
        if i in removed:
            s["removed"] += 1
            s["removed_correct"] += len(group) > 1
        if row["kind"] in ("exact", "near") and row["group"] in dedup_input:
            s[f"{row['kind']}_pairs"] += 1
            found = (i in removed or row["group"] in removed) and survivors[row["group"]]
            s[f"{row['kind']}_found"] += found
            if row["kind"] == "near":
                s[f"near_pairs_{row['edits']}_edits"] += 1
                s[f"near_found_{row['edits']}_edits"] += found
        if row["kind"] == "related":
            s["related_removed"] += i in removed
    out = {}
    for lang, s in sorted(stats.items()):
        entry = dict(s)
        if lang in LANGS:
            pairs, found = s["exact_pairs"] + s["near_pairs"], s["exact_found"] + s["near_found"]
            entry["precision"] = round(s["removed_correct"] / s["removed"], 4) if s["removed"] else None
            entry["recall"] = round(found / pairs, 4) if pairs else None
            entry["near_recall"] = round(s["near_found"] / s["near_pairs"], 4) if s["near_pairs"] else None
            entry["near_recall_by_edits"] = {e: round(s[f"near_found_{e}_edits"] / s[f"near_pairs_{e}_edits"], 4) for e in range(1, 5) if s[f"near_pairs_{e}_edits"]}
        out[lang] = entry
    return out


SYSTEMS = {
    "pentaglot": run_pentaglot,
    "datatrove": run_datatrove,
    "datatrove_plain": lambda corpus, work, tokenizer, threshold: run_datatrove(corpus, work, tokenizer, threshold, plain=True),
}


def settings(threshold: float) -> dict:
    bands, rows = lsh(threshold)
    return {
        "pentaglot": {"command": "pentaglot run run.yaml --num-cpus 2", "steps": "normalize, langid, filter, dedup, tokenize", "dedup_threshold": threshold,
                      "lsh": {"bands": bands, "rows": rows}, "shingles": "char 5 (default)", "verifies_candidates": True},
        "baseline": {"datatrove": "datatrove_pipeline.py --workers 2: LanguageFilter, 4 MinHash stages per language, DocumentTokenizer",
                     "dedup_threshold": threshold, "minhash": {"num_buckets": bands, "hashes_per_bucket": rows, "n_grams": 5},
                     "word_tokenizers": {"datatrove": "per language (Kiwi, spaCy+jieba, spaCy+SudachiPy, spaCy)", "datatrove_plain": "none: whitespace words, characters for zh/ja"},
                     "verifies_candidates": False},
        "cpus": 2,
    }


def compare(size_mb: int, tokenizer: Path, threshold: float, systems: tuple[str, ...] = tuple(SYSTEMS)) -> dict:
    """Run ``systems`` on the corpus of ``size_mb``; save datatrove_<size>mb.json (with one system only:
    datatrove_<size>mb_<system>_only.json, which the tables leave out)."""
    corpus = WORK / f"compare-{size_mb}mb"
    manifest = build(corpus, size_mb)
    labels = load_labels(corpus)
    result = {"size_mb": size_mb, "corpus": manifest, "tokenizer": str(tokenizer.relative_to(BENCH.parent))}
    for name in systems:
        runner = SYSTEMS[name]
        print(f"== {size_mb} MB: {name}", flush=True)
        load_before = os.getloadavg()[0]
        side = runner(corpus, WORK / f"{name}-{size_mb}mb", tokenizer, threshold)
        side["load_avg_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
        side["mb_per_s"] = round(manifest["bytes"] / 2**20 / side["seconds"], 3)
        side["dedup"] = score(labels, side.pop("_dedup_input"), side.pop("_removed"))
        result[name] = side
        print(json.dumps({k: side[k] for k in ("seconds", "peak_rss_mb", "stage_seconds")}), flush=True)
    packages = ("datatrove", "spacy", "jieba", "sudachipy", "kiwipiepy", "fasttext", "sentencepiece", "tokenizers")
    if len(systems) == 1:
        save(f"datatrove_{size_mb}mb_{systems[0]}_only", result, settings(threshold), packages)
        return result
    result["throughput_ratio"] = round(result["pentaglot"]["mb_per_s"] / result["datatrove"]["mb_per_s"], 2)
    result["throughput_ratio_vs_plain"] = round(result["pentaglot"]["mb_per_s"] / result["datatrove_plain"]["mb_per_s"], 2)
    # Work done, whatever the neighbours took: CPU seconds of each process tree.
    result["cpu_ratio"] = round(result["datatrove"]["cpu_seconds"] / result["pentaglot"]["cpu_seconds"], 2)
    result["cpu_ratio_vs_plain"] = round(result["datatrove_plain"]["cpu_seconds"] / result["pentaglot"]["cpu_seconds"], 2)
    save(f"datatrove_{size_mb}mb", result, settings(threshold), packages)
    return result


def systems_in(result: dict) -> list[str]:
    return [name for name in SYSTEMS if name in result]


def table(results: list[dict]) -> str:
    lines = [
        "| corpus | system | end to end s | MB/s | ratio | peak RSS MB | machine MB | tokens |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name in systems_in(r):
            s = r[name]
            ratio = {"pentaglot": f"{r['throughput_ratio']}x / {r['throughput_ratio_vs_plain']}x", "datatrove": "1x"}.get(name, "—")
            machine_mb = s.get("peak_system_mb", "—")  # recorded from the third session on
            lines.append(
                f"| {r['size_mb']} MB | {name} | {s['seconds']} | {s['mb_per_s']} | {ratio} | {s['peak_rss_mb']} | {machine_mb} | {s['tokens']:,} |"
            )
    stages = ["| corpus | system | seconds per stage |", "|---|---|---|"]
    for r in results:
        for name in systems_in(r):
            stages.append(f"| {r['size_mb']} MB | {name} | " + ", ".join(f"{k} {v:.0f}" for k, v in r[name]["stage_seconds"].items()) + " |")
    lines += ["", *stages]
    lines += [
        "",
        "| corpus | lang | system | kept after LID (+quality) | kept final | dups removed | precision | recall | near recall | near recall, 1/2/3/4 edits |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for lang in LANGS:
            for name in systems_in(r):
                s, d = r[name], r[name]["dedup"][lang]
                by_edits = "/".join(f"{v:.2f}" for v in d["near_recall_by_edits"].values())
                lines.append(
                    f"| {r['size_mb']} MB | {lang} | {name} | {s['kept_after_langid_filter'].get(lang, 0)} | {s['kept_final'].get(lang, 0)} | "
                    f"{d.get('removed', 0)} | {d['precision']} | {d['recall']} | {d['near_recall']} | {by_edits} |"
                )
    off_langs = sorted(k for k in results[0]["pentaglot"]["dedup"] if k not in LANGS)
    lines += ["", "| corpus | system | " + " | ".join(f"{k} passed" for k in off_langs) + " |", "|---|---|" + "---|" * len(off_langs)]
    for r in results:
        for name in systems_in(r):
            d = r[name]["dedup"]
            lines.append(f"| {r['size_mb']} MB | {name} | " + " | ".join(f"{d[k]['offlang_passed_langid']}/{d[k]['offlang_total']}" for k in off_langs) + " |")
    return "\n".join(lines)


def plot(results: list[dict]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(10, 4))
    sizes = [r["size_mb"] for r in results]
    for name, marker in (("pentaglot", "o"), ("datatrove", "s")):
        ax_t.plot(sizes, [r[name]["seconds"] for r in results], marker=marker, label=name)
        ax_m.plot(sizes, [r[name]["peak_rss_mb"] for r in results], marker=marker, label=name)
    ax_t.set(xlabel="corpus MB", ylabel="end-to-end seconds (2 CPUs)", title="time")
    ax_m.set(xlabel="corpus MB", ylabel="peak RSS of process tree, MB", title="memory")
    for ax in (ax_t, ax_m):
        ax.set_ylim(bottom=0)
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = RESULTS / "datatrove_compare.png"
    fig.savefig(path, dpi=100)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500, help="base corpus size (default 500)")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 2, 4], help="multiples of the base size to run (default 1 2 4)")
    parser.add_argument("--only", choices=sorted(SYSTEMS), help="run one system (its result is kept apart from the tables)")
    parser.add_argument("--threshold", type=float, default=DedupConfig().threshold, help="Jaccard threshold of both sides (default pentaglot's)")
    parser.add_argument("--report", action="store_true", help="only redraw the plot and table from results/datatrove_*mb.json")
    args = parser.parse_args()
    if not args.report:
        base = WORK / f"compare-{args.size_mb}mb"
        build(base, args.size_mb)
        tokenizer = train_tokenizer(base)
        for k in args.scales:
            compare(args.size_mb * k, tokenizer, args.threshold, (args.only,) if args.only else tuple(SYSTEMS))
    results = sorted((json.loads(p.read_text()) for p in RESULTS.glob("datatrove_*mb.json")), key=lambda r: r["size_mb"])
    results = [r for r in results if "datatrove_plain" in r]  # the same-threshold runs; earlier ones are in git history
    print(plot(results))
    print(table(results))


if __name__ == "__main__":
    main()
