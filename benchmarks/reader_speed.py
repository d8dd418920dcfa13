"""Issues 6 and 20: reader tokens/s from shards (also a language-mixed epoch) vs the same tokens in a raw numpy memmap.

Baseline: the tokens of every document concatenated into one ``.npy`` and read
with ``np.load(mmap_mode="r")`` the way nanoGPT-style loaders do: windows of
``seq_len + 1`` in shuffled order, ``np.stack`` of slices, cast to int32.
pentaglot: ``TokenBatches`` over the shards (memory-mapped Arrow IPC), packed
rows of the same size with the epoch's document shuffle and the ``cu_seqlens``
document boundaries it adds (also measured: with ``positions=True``,
unpacked documents, and packed rows of a language mixture -- equal token
shares of the five languages, scarce ones repeated -- where the epoch order
also maps each position to its language's pass or subset).  Throughput is tokens per CPU second of this process
(``time.process_time``): both sides are single-threaded, and on a shared,
oversubscribed machine wall time mostly measures the other tenants.  Both read warm page cache, one epoch each, in one
process, alternated, ``--repeats`` times (a new seed each); the figures are
medians with their spread (min-max), and the ratio of each repeat's pair is
reported beside the ratio of medians.  An epoch must be long enough to time:
at 40 MB one took ~30 ms and the mixed ratio ranged 0.45-0.93 between runs,
so the goal is measured at 200 MB.  Also reported: bytes per token on disk.

    python benchmarks/reader_speed.py [--mb 200] [--repeats 9] [--seq-len 2048] [--batch 8]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from corpus import write_jsonl
from measure import WORK, save
from tokenize_speed import tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pentaglot_reader import manifest as mf  # noqa: E402
from pentaglot_reader.batches import TokenBatches  # noqa: E402
from pentaglot_reader.format import MANIFEST_NAME  # noqa: E402
from pentaglot_reader.mixture import Mixture  # noqa: E402
from pentaglot_reader.permutation import Permutation  # noqa: E402
from pipeline.shards.config import TokenizeConfig  # noqa: E402
from pipeline.shards.encode import Encoder  # noqa: E402
from pipeline.shards.writer import write_shards  # noqa: E402
from pipeline.storage import Storage, join  # noqa: E402


def build(path: Path, model: Path, out: Path, raw: Path, shards: int) -> dict:
    """Shards written by the stage's own writer (no Ray needed), and the same tokens as one .npy."""
    texts = [json.loads(line) for line in path.open(encoding="utf-8")]
    docs = pa.table({"id": [t["id"] for t in texts], "text": pa.array([t["text"] for t in texts], pa.large_string()),
                     "lang": [t["lang_hint"] for t in texts]})
    encoder = Encoder(model.read_bytes(), TokenizeConfig(threads=2))
    table = encoder.encode_table(docs)
    if out.exists():
        shutil.rmtree(out)
    target = -(-table["tokens"].combine_chunks().values.nbytes // shards)  # about ``shards`` shards
    entries = write_shards(Storage(), str(out), 0, table, encoder.info, target)
    manifest = mf.build_manifest(encoder.info, str(model), {}, entries)
    Storage().write_bytes(join(str(out), MANIFEST_NAME), mf.dumps(manifest))
    np.save(raw, table["tokens"].combine_chunks().values.to_numpy())
    return manifest


def baseline_epoch(raw: Path, seq_len: int, batch: int, seed: int) -> tuple[int, float]:
    data = np.load(raw, mmap_mode="r")
    rows = (len(data) - 1) // seq_len
    order = Permutation(rows, (seed, 0))(np.arange(rows))
    started = time.process_time()
    tokens = 0
    for i in range(0, rows, batch):
        x = np.stack([data[k * seq_len : k * seq_len + seq_len + 1] for k in order[i : i + batch]]).astype(np.int32)
        tokens += x.shape[0] * seq_len
    return tokens, time.process_time() - started


def ours_epoch(folder: Path, seq_len: int | None, batch: int, seed: int, positions: bool = False,
               mixture: Mixture | None = None) -> tuple[int, float, float]:
    t0 = time.perf_counter()
    reader = TokenBatches(str(folder), batch_size=batch, seq_len=seq_len, seed=seed, positions=positions, mixture=mixture)
    reader.num_samples()  # builds the epoch order
    setup = time.perf_counter() - t0
    started = time.process_time()
    tokens = 0
    for b in reader:
        tokens += b["tokens"].shape[0] * seq_len if seq_len else len(b["tokens"])
    return tokens, time.process_time() - started, setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--vocab", type=int, default=16000)
    parser.add_argument("--seq-len", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--name", default="reader_speed", help="results/NAME.json")
    args = parser.parse_args()
    path = write_jsonl(f"tokenize_{args.mb}mb", args.mb << 20)
    folder, raw = WORK / "reader_shards", WORK / "reader_raw.npy"
    manifest = build(path, tokenizer(args.vocab), folder, raw, args.shards)
    # The mixed set: equal token shares of the five languages, the scarce ones repeated as often as that takes.
    mixture = Mixture(shares={lang: 0.2 for lang in manifest["totals"]["tokens_by_lang"]}, default_max_epochs=100)
    runs = {"raw_memmap": [], "shards_packed": [], "shards_packed_with_positions": [], "shards_documents": [],
            "shards_packed_mixed": []}
    setup = []
    for seed in range(args.repeats):
        tokens, seconds = baseline_epoch(raw, args.seq_len, args.batch, seed)
        runs["raw_memmap"].append(tokens / seconds)
        tokens, seconds, s = ours_epoch(folder, args.seq_len, args.batch, seed)
        runs["shards_packed"].append(tokens / seconds)
        setup.append(s)
        tokens, seconds, _ = ours_epoch(folder, args.seq_len, args.batch, seed, positions=True)
        runs["shards_packed_with_positions"].append(tokens / seconds)
        tokens, seconds, _ = ours_epoch(folder, None, 64, seed)
        runs["shards_documents"].append(tokens / seconds)
        tokens, seconds, _ = ours_epoch(folder, args.seq_len, args.batch, seed, mixture=mixture)
        runs["shards_packed_mixed"].append(tokens / seconds)
    median = {k: statistics.median(v) for k, v in runs.items()}
    paired = {k: [ours / raw for ours, raw in zip(v, runs["raw_memmap"])] for k, v in runs.items() if k != "raw_memmap"}
    totals = manifest["totals"]
    report = {
        "benchmark": "reader_speed",
        "input": {"file": path.name, "tokens": totals["tokens"], "documents": totals["rows"], "shards": totals["shards"],
                  "seq_len": args.seq_len, "batch": args.batch, "vocab": args.vocab},
        "goal": {"shards_packed_vs_raw_memmap": ">= 0.8", "shards_packed_mixed_vs_raw_memmap": ">= 0.9"},
        "mixture": {"settings": mixture.to_dict(), "reached_epoch_0": [a.to_dict() for a in TokenBatches(
            str(folder), batch_size=args.batch, seq_len=args.seq_len, mixture=mixture).order.achieved(0)]},
        "tokens_per_cpu_s_median": {k: round(v) for k, v in median.items()},
        "tokens_per_cpu_s_spread": {k: [round(min(v)), round(max(v))] for k, v in runs.items()},
        "tokens_per_cpu_s_all": {k: [round(x) for x in v] for k, v in runs.items()},
        "reader_setup_seconds": round(statistics.median(setup), 3),
        "ratios": {f"{k}_vs_raw_memmap": round(median[k] / median["raw_memmap"], 3) for k in paired},
        "paired_ratios_median_min_max": {
            f"{k}_vs_raw_memmap": [round(statistics.median(v), 3), round(min(v), 3), round(max(v), 3)] for k, v in paired.items()
        },
        "bytes_per_token_on_disk": {
            "shards": round(totals["bytes"] / totals["tokens"], 3),
            "raw_npy": round(raw.stat().st_size / totals["tokens"], 3),
        },
    }
    print(json.dumps(report, indent=2))
    settings = {"pentaglot": {"reader": "token shards, packed rows + cu_seqlens (also: with positions, whole documents)", "shards": args.shards},
                "baseline": {"reader": "np.load(mmap_mode='r') of one .npy token array, shuffled windows of seq_len+1"},
                "seq_len": args.seq_len, "batch": args.batch, "vocab": args.vocab, "input_mb": args.mb, "repeats": args.repeats,
                "measured": "CPU-time ratios of medians, sides alternately in one process, a seed per repeat"}
    save(args.name, report, settings)


if __name__ == "__main__":
    main()
