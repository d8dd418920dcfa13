"""Issue 6 device check: tokens/s the shard reader moves into accelerator memory.

A prepared script for a machine with a GPU (an H200 when one is lent); it
needs only this repository and torch, no corpora: it writes synthetic shards
(random ids, log-normal document lengths) with the stage's own shard writer,
then for each worker count and pinned/unpinned memory runs
``TokenDataset.loader()`` and copies every batch to the device
(``non_blocking``), synchronizing at the end.  CI never runs it; on CPU
(``--device cpu``) it checks that the script itself works.

    python benchmarks/gpu_feed.py --device cuda [--tokens 400_000_000] [--seconds 20] [--out NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from measure import save  # noqa: E402
from pentaglot_reader import manifest as mf  # noqa: E402
from pentaglot_reader.format import MANIFEST_NAME, TokenizerInfo  # noqa: E402
from pipeline.shards.writer import write_shards  # noqa: E402
from pipeline.storage import Storage, join  # noqa: E402


def synthetic_shards(out: str, tokens: int, vocab: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    info = TokenizerInfo(sha256="0" * 64, vocab_size=vocab, bos_id=1, eos_id=2, pad_id=-1, unk_id=0)
    lengths = np.maximum(rng.lognormal(6.0, 1.0, size=int(tokens / 600) + 1).astype(np.int64), 1)
    lengths = lengths[np.cumsum(lengths) <= tokens]
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.integers(0, vocab, size=int(offsets[-1]), dtype=info.dtype)
    n = len(lengths)
    table = pa.table({
        "id": pa.array([f"d{i:09d}" for i in range(n)]),
        "lang": pa.array(np.array(["en", "ko", "zh", "ja", "es"])[np.arange(n) % 5]),
        "n_tokens": pa.array(lengths.astype(np.int32)),
        "tokens": pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values)),
    })
    entries = write_shards(Storage(), out, 0, table, info, 256 << 20)
    manifest = mf.build_manifest(info, "synthetic", {}, entries)
    Storage().write_bytes(join(out, MANIFEST_NAME), mf.dumps(manifest))
    return manifest


def feed(folder: str, device, workers: int, pin: bool, batch: int, seq_len: int, seconds: float) -> dict:
    import torch

    from pentaglot_reader.torch_dataset import TokenDataset

    ds = TokenDataset(folder, batch_size=batch, seq_len=seq_len, seed=0, rank=0, world_size=1)
    moved = 0
    started = None
    for i, b in enumerate(ds.loader(num_workers=workers, pin_memory=pin and device.type == "cuda", prefetch_factor=4 if workers else None)):
        x = b["tokens"].to(device, non_blocking=True)
        cu = b["cu_seqlens"].to(device, non_blocking=True)
        if i == 2:  # workers are up, the first batches were prefetched; start the clock
            if device.type == "cuda":
                torch.cuda.synchronize()
            started, moved = time.perf_counter(), 0
        moved += x.numel() - x.shape[0]
        if started is not None and time.perf_counter() - started > seconds:
            break
    if device.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started
    del x, cu
    return {"workers": workers, "pinned": pin, "tokens_per_s": round(moved / elapsed), "seconds": round(elapsed, 2)}


def main() -> None:
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--tokens", type=int, default=400_000_000)
    parser.add_argument("--vocab", type=int, default=32000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seq-len", type=int, default=4096)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", default="0,2,4,8")
    parser.add_argument("--out", default="gpu_feed", help="result name under benchmarks/results/, or a .json path")
    args = parser.parse_args()
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        manifest = synthetic_shards(os.path.join(tmp, "shards"), args.tokens, args.vocab)
        build_s = time.perf_counter() - t0
        runs = []
        for workers in [int(w) for w in args.workers.split(",")]:
            for pin in (True, False) if device.type == "cuda" else (False,):
                runs.append(feed(os.path.join(tmp, "shards"), device, workers, pin, args.batch, args.seq_len, args.seconds))
                print(json.dumps(runs[-1]), flush=True)
    report = {
        "benchmark": "gpu_feed",
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "shards": {"tokens": manifest["totals"]["tokens"], "bytes": manifest["totals"]["bytes"], "build_seconds": round(build_s, 1)},
        "batch": args.batch,
        "seq_len": args.seq_len,
        "runs": runs,
    }
    print(json.dumps(report, indent=2))
    settings = {"pentaglot": {"reader": "torch DataLoader over the shard reader", "workers": args.workers, "pin_memory": [True, False]},
                "baseline": {"what": "none: the GPU's consumption rate is the bar"}, "tokens": args.tokens, "seconds": args.seconds}
    save(args.out, report, settings, ("torch",))


if __name__ == "__main__":
    main()
