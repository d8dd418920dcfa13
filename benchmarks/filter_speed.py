"""``pentaglot filter`` at growing input sizes: does its time grow linearly?

The end-to-end comparison (``datatrove_compare.py``) saw the filter stage take
2.56x the time on 2x the data (161.5 s at 1000 MB, 415 s at 2000 MB), more
than any other stage.  This runs the stage alone on langid output of each
size, the sizes interleaved per repetition, and reports seconds, documents
per second and each size's time relative to the smallest: a linear stage
gives the size ratio.

The input of each size is the ``kept/`` output of ``pentaglot langid`` over a
corpus of repeated real documents (``corpus.py``), built once into
benchmarks/work/; ``--input`` takes existing langid output instead, with
``{mb}`` standing for the size (e.g. that of a datatrove_compare run).

    python benchmarks/filter_speed.py [--sizes 1000 2000] [--reps 1] [--cpus 2]
        [--input 'benchmarks/work/pentaglot-{mb}mb/out/langid/kept'] [--out NAME]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import pyarrow.parquet as pq
from corpus import write_jsonl
from measure import WORK, run_measured, save

PENTAGLOT = [str(Path(sys.executable).with_name("pentaglot"))]


def langid_output(mb: int, cpus: int) -> Path:
    """The kept/ folder of ``pentaglot langid`` over a corpus of about ``mb`` MB, built once."""
    out = WORK / f"filter-{mb}mb" / "langid"
    if not (out / "kept").is_dir():
        corpus = write_jsonl(f"filter_{mb}mb", mb * 10**6)
        run_measured([*PENTAGLOT, "langid", str(corpus), str(out), "--overwrite", "--num-cpus", str(cpus)])
    return out / "kept"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000], help="input sizes in MB (of the corpus before langid)")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--input", help="existing langid kept/ folder per size, with {mb} for the size")
    ap.add_argument("--out", default="filter_speed", help="result name under benchmarks/results/")
    args = ap.parse_args()
    inputs = {mb: Path(args.input.format(mb=mb)) if args.input else langid_output(mb, args.cpus) for mb in args.sizes}
    rows = {mb: {"input": str(path), "documents": sum(pq.ParquetFile(f).metadata.num_rows for f in path.glob("*.parquet")),
                 "input_bytes": sum(f.stat().st_size for f in path.glob("*.parquet")), "seconds": [], "peak_system_mb": []}
            for mb, path in inputs.items()}
    target = WORK / "filter-speed-out"
    for rep in range(args.reps):
        for mb in args.sizes if rep % 2 == 0 else reversed(args.sizes):
            run = run_measured([*PENTAGLOT, "filter", str(inputs[mb]), str(target), "--overwrite", "--num-cpus", str(args.cpus)])
            rows[mb]["seconds"].append(round(run["seconds"], 1))
            rows[mb]["peak_system_mb"].append(run["peak_system_mb"])
            shutil.rmtree(target, ignore_errors=True)
            print(mb, "MB:", rows[mb]["seconds"][-1], "s", flush=True)
    smallest = min(args.sizes)
    base = min(rows[smallest]["seconds"])
    for mb, row in rows.items():
        best = min(row["seconds"])
        row["docs_per_s"] = round(row["documents"] / best, 1)
        row["time_vs_smallest"] = round(best / base, 3)
        row["size_vs_smallest"] = round(row["documents"] / rows[smallest]["documents"], 3)
    result = {"benchmark": "pentaglot filter alone, sizes interleaved", "cpus": args.cpus, "sizes": rows}
    settings = {"pentaglot": {"command": f"pentaglot filter IN OUT --num-cpus {args.cpus}", "config": "QualityConfig() defaults"},
                "baseline": {"what": "none: the smallest size is the reference for linear growth"}, "sizes_mb": args.sizes, "reps": args.reps}
    print(save(args.out, result, settings))
    for mb, row in rows.items():
        print(f"{mb} MB: {row['documents']} docs, best {min(row['seconds'])} s, {row['docs_per_s']} docs/s, "
              f"time x{row['time_vs_smallest']} for documents x{row['size_vs_smallest']}")


if __name__ == "__main__":
    main()
