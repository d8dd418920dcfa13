"""Issue 23 benchmark: memory and time of reading over-long records, before and after.

Inputs, built streaming (never held in memory):

* ``bomb``: a ``.jsonl.gz`` of three records whose second is one JSON string of
  ``--bomb-mb`` MB (1.5 MB compressed for 1,500 MB), and ``bomb_control``, the
  same file without that record;
* ``mixed``: 1,000 normal records with ten of ``--long-mb`` MB each mixed in,
  and ``mixed_control``, the same 1,000 records alone.

Each side runs from its own checkout (``--base``: the commit before
``reader.max_record_bytes``; this checkout: after), alternating input by input
in one session, measured by ``measure.run_measured``: wall time, peak RSS of
the whole process tree and the machine's peak memory in use.  ``--command
read`` (default) runs every read task of the input in one process, no Ray: the
part that changed, and the one that holds a record.  ``--command normalize``
runs ``pentaglot normalize`` on local Ray, which on an oversubscribed machine
can fail to start Ray within its fixed 30 s.  The baseline's bomb is capped
(``--base-bomb-mb``, 300 by default): with the full 1.5 GB line it took 21 GB
on a 23 GB machine.  Goal (issue 23): after, each input's peak within 2 GB of
its control's, every normal record kept and each over-long one quarantined
with its size.

    python benchmarks/record_limit.py --base ../wt-safe-base [--command read|normalize] [--bomb-mb 1500] [--base-bomb-mb 300] [--long-mb 20]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from measure import WORK, pythonpath, run_measured, save

HERE = Path(__file__).resolve().parents[1]
CHUNK = 1 << 20


def normal_record(i: int) -> bytes:
    text = f"Document {i}: " + " ".join(f"word{(i * 7 + j) % 997}" for j in range(60 + i % 40))
    return json.dumps({"id": f"n{i}", "text": text}).encode() + b"\n"


def long_record(i: int, mb: int, out) -> int:
    """Write a record whose text is ``mb`` MB, a megabyte at a time; return its size without the newline."""
    head = f'{{"id": "long{i}", "text": "'.encode()
    out.write(head)
    for _ in range(mb):
        out.write(b"A" * CHUNK)
    out.write(b'"}\n')
    return len(head) + mb * CHUNK + 2


def build(folder: Path, bomb_mb: int, base_bomb_mb: int, long_mb: int) -> dict[str, dict]:
    """The inputs, and what each should give: documents kept and over-long sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for name, mb in (("bomb", base_bomb_mb), ("bomb_control", 0), ("bomb_full", bomb_mb)):
        path = folder / f"{name}.jsonl.gz"
        sizes = []
        with gzip.open(path, "wb", compresslevel=9) as out:
            out.write(normal_record(0))
            if mb:
                sizes.append(long_record(0, mb, out))
            out.write(normal_record(1))
        inputs[name] = {"path": path, "documents": 2, "long_sizes": sizes}
    for name, with_long in (("mixed", True), ("mixed_control", False)):
        path = folder / f"{name}.jsonl"
        sizes = []
        with path.open("wb") as out:
            for i in range(1000):
                out.write(normal_record(i))
                if with_long and i % 100 == 50:
                    sizes.append(long_record(i, long_mb, out))
        inputs[name] = {"path": path, "documents": 1000, "long_sizes": sizes}
    for spec in inputs.values():
        spec["file_mb"] = round(spec["path"].stat().st_size / 2**20, 2)
    return inputs


# The reader alone, in one process: every read task of the input run in turn, as Ray would run them.
READ = """
import json, sys
import pyarrow as pa
from pipeline.config import ReaderConfig
from pipeline.readers.datasource import DocumentDatasource
from pipeline.storage import Storage
storage = Storage()
source = DocumentDatasource(storage.expand([sys.argv[1]]), ReaderConfig(), storage)
kept, quarantined = 0, []
for task in source.get_read_tasks(2):
    for block in task():
        bad = block.filter(block["error"].is_valid())
        kept += block.num_rows - bad.num_rows
        quarantined += bad.select([c for c in ("error", "record_bytes") if c in bad.column_names]).to_pylist()
print(json.dumps({"kept": kept, "quarantined": quarantined}))
"""


def run_side(root: Path, src: Path, out: Path, command: str) -> dict:
    """The reader (``read``) or ``pentaglot normalize`` from the checkout at ``root``: its measures and what it gave."""
    shutil.rmtree(out, ignore_errors=True)
    if command == "read":
        cmd = [sys.executable, "-c", READ, str(src)]
    else:
        cmd = [sys.executable, "-c", "from pipeline.cli import main; main()", "normalize", str(src), str(out), "--num-cpus", "2"]
    for attempt in range(6):  # Ray gives its raylet 30 s to start, which an oversubscribed machine can miss
        try:
            result = run_measured(cmd, env={"PYTHONPATH": pythonpath(root), "RAY_ADDRESS": ""}, cwd=str(root))
            break
        except RuntimeError as err:
            if "timed out during startup" not in str(err) or attempt == 5:
                raise
            time.sleep(20)
    output = result.pop("output")
    if command == "read":
        result.update(json.loads(output.strip().splitlines()[-1]))
    else:
        quarantine = pq.read_table(out / "quarantine").to_pylist() if (out / "quarantine").exists() else []
        result.update(kept=pq.read_table(out / "kept").num_rows if (out / "kept").exists() else 0, quarantined=quarantine)
    result["quarantined"] = [{"error": q["error"][:120], "record_bytes": q.get("record_bytes")} for q in result["quarantined"]]
    shutil.rmtree(out, ignore_errors=True)
    return result


def commit(root: Path) -> str:
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True, help="checkout of the baseline commit")
    parser.add_argument("--bomb-mb", type=int, default=1500)
    parser.add_argument("--base-bomb-mb", type=int, default=300)
    parser.add_argument("--long-mb", type=int, default=20)
    parser.add_argument("--command", choices=["read", "normalize"], default="read",
                        help="read: the readers alone, no Ray (what changed); normalize: the whole stage on local Ray")
    args = parser.parse_args()
    work = WORK / "record_limit"
    sides = {"before": args.base.resolve(), "after": HERE}
    result: dict = {
        "benchmark": "record_limit",
        "settings": {"pentaglot": {"side": "after", "root": str(HERE), "commit": commit(HERE)},
                     "baseline": {"side": "before", "root": str(sides["before"]), "commit": commit(sides["before"])},
                     "bomb_mb": args.base_bomb_mb, "bomb_full_mb (after only)": args.bomb_mb, "long_mb": args.long_mb,
                     "long_records_in_mixed": 10, "normal_records_in_mixed": 1000,
                     "command_per_input": "every read task of the input in one process (no Ray)" if args.command == "read"
                     else "pentaglot normalize IN OUT --num-cpus 2",
                     "max_record_bytes": "default (8 MiB) on the after side"},
        "runs": {"before": {}, "after": {}},
    }
    inputs = build(work / "in", args.bomb_mb, args.base_bomb_mb, args.long_mb)
    for name, spec in inputs.items():
        for side, root in sides.items():
            if name == "bomb_full" and side == "before":
                continue  # the baseline holds the whole line: 21 GB for 1.5 GB, more than this machine has
            run = {"file_mb": spec["file_mb"], "expected_documents": spec["documents"], "long_sizes": spec["long_sizes"],
                   **run_side(root, spec["path"], work / f"out_{side}_{name}", args.command)}
            result["runs"][side][name] = run
            print(side, name, {k: run[k] for k in ("seconds", "peak_rss_mb", "peak_system_mb", "kept")}, flush=True)
    for runs in result["runs"].values():
        for name in ("bomb", "bomb_full", "mixed"):
            if name in runs:
                control = runs["bomb_control" if name.startswith("bomb") else "mixed_control"]
                runs[name]["peak_rss_over_control_mb"] = round(runs[name]["peak_rss_mb"] - control["peak_rss_mb"], 1)
                runs[name]["seconds_over_control"] = round(runs[name]["seconds"] / control["seconds"], 2)
    shutil.rmtree(work / "in", ignore_errors=True)
    after, before = result["runs"]["after"], result["runs"]["before"]
    result["after_vs_before"] = {
        name: {"peak_rss_ratio": round(after[name]["peak_rss_mb"] / before[name]["peak_rss_mb"], 3),
               "seconds_ratio": round(after[name]["seconds"] / before[name]["seconds"], 3)}
        for name in before
    }
    result["goal_met"] = all(
        after[name]["peak_rss_over_control_mb"] <= 2048
        and after[name]["kept"] == after[name]["expected_documents"]
        and sorted(q["record_bytes"] for q in after[name]["quarantined"]) == sorted(after[name]["long_sizes"])
        for name in ("bomb", "bomb_full", "mixed")
    )
    print(json.dumps({"after_vs_before": result["after_vs_before"], "goal_met": result["goal_met"]}, indent=2))
    print("wrote", save(f"record_limit_{args.command}", result, result.pop("settings"), ("zstandard",)))


if __name__ == "__main__":
    main()
