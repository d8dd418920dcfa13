"""Issue 6 benchmark: tokenize stage tokens/s vs a bare ``sp.encode(list, num_threads=N)``.

Baseline: the documents' texts already in a Python list, one
``SentencePieceProcessor.encode(texts, num_threads=N)`` call, in one process --
the fastest thing a user could write, with no reading or writing at all --
with N the number of pinned cores it shares with the stage it is compared
with (1 core, then 2).  pentaglot: the whole tokenize
stage at its default settings (read JSONL, actor pool encode, hash
repartition, shard write, manifest) on local Ray limited to 1, then 2 CPUs,
timed around ``run_tokenize`` (Ray start-up is reported separately, and so is
a read-only pass over the same file, since the baseline reads nothing).
Besides wall-clock ratios it reports tokens per CPU second (the stage's whole
process tree, Ray runtime included): on a shared machine the wall clock
mostly measures the other tenants, CPU seconds measure our work.  All runs
use the same file and tokenizer, in one session.

    python benchmarks/tokenize_speed.py [--mb 40] [--vocab 16000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from corpus import write_jsonl
from measure import WORK, run_measured, save


def tokenizer(vocab: int) -> Path:
    """A unigram model trained once on the benchmark corpus (cached in benchmarks/work/)."""
    import sentencepiece as spm

    model = WORK / f"bench_tok_{vocab}.model"
    if not model.exists():
        sample = write_jsonl("tokenizer_sample", 8 << 20, seed=1)
        texts = [json.loads(line)["text"].replace("\n", " ") for line in sample.open(encoding="utf-8")]
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(texts), model_prefix=str(model.with_suffix("")), vocab_size=vocab,
            character_coverage=0.9995, max_sentence_length=1 << 16, num_threads=2, minloglevel=2,
        )
    return model


def bare(path: Path, model: Path, threads: int, cores: list[int]) -> dict:
    """The bare call pinned to ``cores`` (restored after)."""
    import sentencepiece as spm

    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    sp = spm.SentencePieceProcessor(model_file=str(model))
    started, cpu = time.perf_counter(), time.process_time()
    ids = sp.encode(texts, num_threads=threads, add_eos=True, return_type="numpy")
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    os.sched_setaffinity(0, before)
    tokens = sum(map(len, ids))
    return {"threads": threads, "cores": len(cores), "seconds": seconds, "cpu_seconds": cpu_seconds, "tokens": tokens, "tokens_per_s": tokens / seconds,
            "tokens_per_cpu_s": tokens / cpu_seconds}


class TreeCpu:
    """CPU seconds of this process and its descendants (the local Ray runtime), sampled.

    Ray's actors exit when a dataset finishes, taking their CPU counters with
    them, so the tree is sampled every 50 ms and each process's last reading kept.
    """

    def __init__(self):
        import psutil

        self.me = psutil.Process()
        self.seen: dict[int, float] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        for p in [self.me, *self.me.children(recursive=True)]:
            try:
                t = p.cpu_times()
                self.seen[p.pid] = t.user + t.system
            except psutil.Error:
                pass

    def _run(self) -> None:
        while not self.done.is_set():
            self._sample()
            time.sleep(0.05)

    def __enter__(self):
        self._sample()
        self.start = dict(self.seen)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self._sample()
        self.seconds = sum(v - self.start.get(pid, 0.0) for pid, v in self.seen.items())


def stage(path: Path, model: Path, cpus: int) -> dict:
    """Runs in a child process, pinned to ``cpus`` cores, so each gets a fresh Ray limited to ``cpus``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from pipeline.resources import StageResources
    from pipeline.runtime import ensure_ray
    from pipeline.shards.config import TokenizeConfig
    from pipeline.stage_io import read_documents
    from pipeline.stages.tokenize import run_tokenize

    import ray

    t0 = time.perf_counter()
    # address="local": a fresh runtime of exactly ``cpus`` even when another
    # local Ray (someone else's, on a shared machine) is running.
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, logging_level="WARNING")
    ensure_ray(cpus)
    startup = time.perf_counter() - t0
    t0 = time.perf_counter()
    read_documents([str(path)]).count()  # the reader alone, for the breakdown (and a warm page cache)
    read_seconds = time.perf_counter() - t0
    out = WORK / f"tokenize_out_{cpus}"
    config = TokenizeConfig(tokenizer=str(model), shard_mb=64)
    resources = StageResources(cpus=cpus, memory_mb=256)  # one actor, cpus // threads calls at once
    started = time.perf_counter()
    with TreeCpu() as cpu:
        report = run_tokenize([str(path)], str(out), config, overwrite=True, resources=resources)
    seconds, cpu_seconds = time.perf_counter() - started, cpu.seconds
    totals = report.manifest["totals"]
    shutil.rmtree(out)
    return {
        "seconds": seconds,
        "ray_startup_seconds": startup,
        "read_only_seconds": read_seconds,
        "tokens": totals["tokens"],
        "tokens_per_s": totals["tokens"] / seconds,
        "cpu_seconds": cpu_seconds,
        "tokens_per_cpu_s": totals["tokens"] / cpu_seconds,
        "shards": totals["shards"],
        "bytes_per_token": totals["bytes"] / totals["tokens"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=40)
    parser.add_argument("--vocab", type=int, default=16000)
    parser.add_argument("--child", type=int, metavar="CPUS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = write_jsonl(f"tokenize_{args.mb}mb", args.mb << 20)
    model = tokenizer(args.vocab)
    if args.child:
        print("RESULT " + json.dumps(stage(path, model, args.child)))
        return
    from pipeline.shards.config import TokenizeConfig

    threads = TokenizeConfig(tokenizer=str(model)).threads
    cores = sorted(os.sched_getaffinity(0))

    def child(cpus):
        pin = ["taskset", "-c", ",".join(map(str, cores[:cpus]))]
        run = run_measured([*pin, sys.executable, __file__, "--mb", str(args.mb), "--vocab", str(args.vocab), "--child", str(cpus)])
        line = next(x for x in run["output"].splitlines() if x.startswith("RESULT "))
        return {**json.loads(line[7:]), "peak_rss_mb": run["peak_rss_mb"]}

    results = {
        "bare_encode_1_core": bare(path, model, 1, cores[:1]),
        "bare_encode_2_cores": bare(path, model, 2, cores[:2]),
        "stage_1_cpu": child(1),
        "stage_2_cpus": child(2),
    }
    for name in ("stage_1_cpu", "stage_2_cpus"):
        r = results[name]
        # A lower bound for everything after reading: the phases overlap, so this undercounts.
        r["excluding_read_tokens_per_s"] = r["tokens"] / max(r["seconds"] - r["read_only_seconds"], 1e-9)
    ratios = {}
    for ours, theirs in (("stage_1_cpu", "bare_encode_1_core"), ("stage_2_cpus", "bare_encode_2_cores")):
        ratios[f"{ours}_vs_{theirs}"] = results[ours]["tokens_per_s"] / results[theirs]["tokens_per_s"]
        ratios[f"{ours}_excluding_read_vs_{theirs}"] = results[ours]["excluding_read_tokens_per_s"] / results[theirs]["tokens_per_s"]
        # Work per token, independent of how much CPU the other tenants left us.
        ratios[f"{ours}_cpu_efficiency_vs_{theirs}"] = results[ours]["tokens_per_cpu_s"] / results[theirs]["tokens_per_cpu_s"]
    ratios["bare_2_cores_vs_bare_1_core"] = results["bare_encode_2_cores"]["tokens_per_s"] / results["bare_encode_1_core"]["tokens_per_s"]
    report = {
        "benchmark": "tokenize_speed",
        "input": {"file": path.name, "bytes": path.stat().st_size, "vocab": args.vocab},
        "goals": {"stage_1_cpu_vs_bare_encode_1_core": ">= 0.8", "stage_2_cpus_vs_bare_encode_2_cores": ">= 0.8 (per core, as at 1)"},
        "results": results,
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
    }
    print(json.dumps(report, indent=2))
    settings = {
        "pentaglot": {"stage": "run_tokenize, defaults", "threads_per_call": threads, "actors": "one of cpus CPUs, cpus // threads calls at once", "shard_mb": 64,
                      "pinned_cores": [1, 2]},
        "baseline": {"call": "SentencePieceProcessor.encode(texts, num_threads=N, add_eos=True, return_type='numpy')", "num_threads": "the pinned cores",
                     "pinned_cores": [1, 2], "reads_nothing": True},
        "input_mb": args.mb, "vocab": args.vocab,
    }
    save("tokenize_speed", report, settings, ("sentencepiece",))


if __name__ == "__main__":
    main()
