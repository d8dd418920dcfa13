"""Issue 2 benchmark: read + normalize + write, pentaglot vs a plain single-process loop.

Baseline: what a user writes first — read JSONL line by line with ``json``,
normalize each text in Python (unicodedata + re, the same steps as
``filters.normalize``), write Parquet with pyarrow.  pentaglot: ``pentaglot
normalize`` with local Ray limited to 1 and then 2 CPUs.  All three run in one
session on the same file; MB/s is input bytes over wall time.

    python benchmarks/normalize_throughput.py [--mb 200]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
import unicodedata

import pyarrow as pa
import pyarrow.parquet as pq

from corpus import write_jsonl
from measure import WORK, machine, run_measured, save

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]")
HSPACE = re.compile("[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f]+")
EDGE = re.compile("(?m)^ | $")


def normalize_one(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    text = INVISIBLE.sub("", CONTROL.sub("", text))
    text = EDGE.sub("", HSPACE.sub(" ", text))
    text = re.sub("\n{3,}", "\n\n", text)
    return text.strip("\n ")


def baseline(path, out) -> None:
    ids, texts, rejected = [], [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            text = normalize_one(rec["text"])
            if text.strip():
                ids.append(rec["id"])
                texts.append(text)
            else:
                rejected += 1
    pq.write_table(pa.table({"id": ids, "text": texts}), out, compression="zstd")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    src = write_jsonl(f"normalize_{args.mb}mb", args.mb << 20)
    size_mb = src.stat().st_size / 2**20
    runs = {}
    out = WORK / "normalize_out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    # Each side is pinned to its cores: Ray's own processes (raylet, GCS, driver)
    # would otherwise lend an unpinned "1 CPU" run the second core.
    base = run_measured(["taskset", "-c", "0", sys.executable, __file__, "--baseline", str(src), str(out / "baseline.parquet")])
    runs["baseline_1_core"] = base
    for cpus in (1, 2):
        target = out / f"pentaglot_{cpus}"
        runs[f"pentaglot_{cpus}_core"] = run_measured(
            ["taskset", "-c", ",".join(map(str, range(cpus))), "pentaglot", "normalize", str(src), str(target), "--num-cpus", str(cpus), "--overwrite"],
            env={"RAY_AUTH_MODE": "disabled", "RAY_DATA_DISABLE_PROGRESS_BARS": "1"},
        )
        stage = json.loads((target / "stage.json").read_text())
        runs[f"pentaglot_{cpus}_core"]["stage_seconds"] = stage["seconds"]
    result = {"input_mb": round(size_mb, 1), "machine": machine(), "total_seconds": round(time.perf_counter() - started, 1)}
    for name, r in runs.items():
        r.pop("output")
        r["mb_per_s"] = round(size_mb / r["seconds"], 2)
    base_rate = runs["baseline_1_core"]["mb_per_s"]
    for cpus in (1, 2):
        r = runs[f"pentaglot_{cpus}_core"]
        r["ratio_vs_baseline"] = round(r["mb_per_s"] / base_rate, 2)
        r["ratio_per_core"] = round(r["mb_per_s"] / base_rate / cpus, 2)
    result["runs"] = runs
    print(json.dumps(result, indent=2))
    save("normalize_throughput", result)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--baseline":
        baseline(sys.argv[2], sys.argv[3])
    else:
        main()
