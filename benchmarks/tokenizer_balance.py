"""Balanced tokenizer training vs sentencepiece defaults on the plain concatenation.

Training text: the monolingual shared corpora (en State of the Union, es fake
news, ko KLUE-NLI premises and hypotheses, ja JSQuAD, zh CMRC 2018 contexts).
Evaluation text is held out from training: the parallel sets Tatoeba (LASER
and OPUS test sets), UDHR and XQuAD, with parity = tokens(translation) /
tokens(English) per set, and chars/token per language on the same text.

Every variant trains in its own subprocess at vocab 32k; time and peak RSS
are measured there.  The pentaglot variants sample through the real Ray stage
(``sample_corpus``) and train with the exact settings ``tokenizer train`` uses.

    python benchmarks/tokenizer_balance.py [--vocab-size 32000] [--alphas 0.3,0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("RAY_AUTH_MODE", "disabled")

from measure import RESULTS, WORK, require_corpora, run_measured, save  # noqa: E402

from tokenizer_training.evaluate import TokenCounter, count_rows, format_table, summarize, write_chart  # noqa: E402
from tokenizer_training.memory import estimate_peak_bytes  # noqa: E402
from tokenizer_training.train import TokenizerConfig, trainer_settings  # noqa: E402

TRAIN_ONE = "import json, sys, sentencepiece as spm; spm.SentencePieceTrainer.Train(**json.load(open(sys.argv[1])))"
TATOEBA = {"ko": "kor", "ja": "jpn", "zh": "cmn", "es": "spa"}
OPUS = {"ko": "kor", "ja": "jpn", "zh": "zho", "es": "spa"}
UDHR = {"en": "eng", "ko": "kor", "ja": "jpn", "zh": "cmn_hans", "es": "spa"}


def _jsonl(path: Path, *fields: str) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row[f] for row in rows for f in fields]


def training_documents(root: Path) -> pa.Table:
    """Monolingual training documents; nothing from the parallel evaluation sets."""
    docs: list[tuple[str, str]] = []
    docs += [("en", p.read_text(encoding="utf-8")) for p in sorted((root / "nltk_state_union").glob("*.txt"))
             if p.name != "README"]
    docs += [("es", t) for t in _jsonl(next((root / "spanish_fake_news_v2").glob("*.jsonl")), "text")]
    klue = root / "klue_nli_dev" / "klue-nli-v1.1_dev.jsonl"
    docs += [("ko", t) for t in dict.fromkeys(_jsonl(klue, "premise"))] + [("ko", t) for t in _jsonl(klue, "hypothesis")]
    docs += [("ja", t) for p in sorted((root / "jsquad_v1.3").glob("*.jsonl")) for t in _jsonl(p, "text")]
    docs += [("zh", t) for p in sorted((root / "cmrc2018").glob("*.jsonl")) for t in _jsonl(p, "text")]
    return pa.table({
        "id": [f"{lang}-{i}" for i, (lang, _) in enumerate(docs)],
        "text": [t for _, t in docs],
        "lang": [lang for lang, _ in docs],
    })


def evaluation_rows(root: Path) -> pa.Table:
    """Parallel text: rows sharing (parallel_set, parallel_id) are translations of each other."""
    rows: list[tuple[str, str, str, str]] = []  # lang, text, set, id

    def lines(path: Path) -> list[str]:
        return path.read_text(encoding="utf-8").splitlines()

    for lang, code in TATOEBA.items():
        base = root / "tatoeba_laser_v1" / f"tatoeba.{code}-eng"
        for i, (xx, en) in enumerate(zip(lines(Path(f"{base}.{code}")), lines(Path(f"{base}.eng")))):
            rows += [(lang, xx, "tatoeba_laser", f"{code}-{i}"), ("en", en, "tatoeba_laser", f"{code}-{i}")]
    for lang, code in OPUS.items():
        base = root / "tatoeba_opus_v2021-08-07" / f"eng-{code}.tatoeba-test-v2021-08-07"
        for i, (xx, en) in enumerate(zip(lines(Path(f"{base}.{code}")), lines(Path(f"{base}.eng")))):
            rows += [(lang, xx, "tatoeba_opus", f"{code}-{i}"), ("en", en, "tatoeba_opus", f"{code}-{i}")]
    for lang, code in UDHR.items():
        rows.append((lang, (root / "udhr" / f"udhr_{code}.txt").read_text(encoding="utf-8"), "udhr", "udhr"))
    for lang in ("en", "es", "zh"):
        for i, text in enumerate(_jsonl(root / "xquad" / f"xquad.{lang}.contexts.jsonl", "text")):
            rows.append((lang, text, "xquad", str(i)))
    return pa.table({
        "text": [r[1] for r in rows], "lang": [r[0] for r in rows],
        "parallel_set": [r[2] for r in rows], "parallel_id": [r[3] for r in rows],
    })


def train_measured(settings: dict, work: Path) -> dict:
    path = work / f"{Path(settings['model_prefix']).name}.settings.json"
    path.write_text(json.dumps(settings))
    run = run_measured([sys.executable, "-c", TRAIN_ONE, str(path)])
    return {"train_seconds": round(run["seconds"], 2), "peak_rss_mb": run["peak_rss_mb"]}


def baseline(docs: pa.Table, work: Path, vocab_size: int) -> dict:
    """sentencepiece with its defaults on every training document, concatenated as it comes."""
    concat = work / "concat.txt"
    concat.write_text("\n".join(docs["text"].to_pylist()) + "\n", encoding="utf-8")
    settings = {"input": str(concat), "model_prefix": str(work / "baseline"), "vocab_size": vocab_size}
    return {"model": str(work / "baseline.model"), "settings": settings, **train_measured(settings, work)}


def balanced(docs: pa.Table, work: Path, cfg: TokenizerConfig, name: str) -> dict:
    """pentaglot: the Ray sampling stage, then the trainer settings ``tokenizer train`` uses."""
    import ray

    from pipeline.runtime import ensure_ray
    from pipeline.stages.tokenizer_sample import join_parts, sample_corpus
    from pipeline.storage import Storage

    ensure_ray(num_cpus=2)
    sample = work / f"{name}.sample.txt"
    started = time.perf_counter()
    storage = Storage()
    report, parts = sample_corpus(lambda: ray.data.from_arrow(docs), cfg, str(work / f"{name}.parts"), storage, progress=lambda _: None)
    join_parts(parts, storage, sample)
    sample_seconds = time.perf_counter() - started
    n_chars = report["total"]["sampled_chars"]
    settings = trainer_settings(cfg, sample, work / name, n_chars)
    settings["minloglevel"] = 2
    measured = train_measured(settings, work)
    return {
        "model": str(work / f"{name}.model"),
        "config": cfg.model_dump(mode="json"),
        "sample_seconds": round(sample_seconds, 2),
        "sample": {lang: {k: row[k] for k in ("corpus_chars", "sampled_chars", "share", "split_lines")}
                   for lang, row in report["languages"].items()},
        "estimated_peak_mb": round(estimate_peak_bytes(cfg.model_type, n_chars) / 2**20, 1),
        **measured,
    }


def headline(report: dict, base: str) -> dict:
    """Per variant: worst parity (mean over sets) and English chars/token relative to the baseline."""
    out = {}
    en_base = report["tokenizers"][base]["languages"]["en"]["chars_per_token"]
    for name, tok in report["tokenizers"].items():
        langs = tok["languages"]
        parity = {lang: m["parity"]["mean"] for lang, m in langs.items() if m["parity"]}
        worst = max(parity, key=parity.get)
        en_ratio = langs["en"]["chars_per_token"] / en_base
        out[name] = {
            "worst_parity": {"lang": worst, "value": parity[worst]},
            "en_chars_per_token_vs_baseline": round(en_ratio, 4),
            "goal_met": parity[worst] <= 1.3 and en_ratio >= 0.95,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--alphas", default="0.3,0.5", help="comma-separated alphas for the default (BPE) model")
    parser.add_argument("--char-budget", type=int, default=2_000_000)
    parser.add_argument("--unigram-alpha", type=float, default=0.3, help="also train unigram at this alpha (negative: skip)")
    args = parser.parse_args()

    root = require_corpora()
    work = WORK / "tokenizer_balance"
    work.mkdir(parents=True, exist_ok=True)
    docs = training_documents(root)
    evaluation = evaluation_rows(root)
    variants = {"spm-defaults-concat": baseline(docs, work, args.vocab_size)}
    runs = [("bpe", float(a)) for a in args.alphas.split(",") if a]
    runs += [("unigram", args.unigram_alpha)] if args.unigram_alpha >= 0 else []
    for model_type, alpha in runs:
        cfg = TokenizerConfig(vocab_size=args.vocab_size, model_type=model_type, alpha=alpha,
                              char_budget=args.char_budget, num_threads=2)
        name = f"{model_type}-a{alpha:g}"
        variants[f"pentaglot-{name}"] = balanced(docs, work, cfg, name)

    counters = [TokenCounter(v["model"], name) for name, v in variants.items()]
    report = summarize(count_rows(evaluation, counters))
    print(format_table(report))
    result = {
        "benchmark": "tokenizer_balance",
        "vocab_size": args.vocab_size,
        "training_chars": {lang: sum(len(t) for t, l in zip(docs["text"].to_pylist(), docs["lang"].to_pylist())
                                     if l == lang) for lang in sorted(set(docs["lang"].to_pylist()))},
        "evaluation_rows": evaluation.num_rows,
        "variants": {name: {k: v for k, v in var.items() if k != "model"} for name, var in variants.items()},
        "headline": headline(report, "spm-defaults-concat"),
        "evaluation": report,
    }
    settings = {"pentaglot": {"trainer": "pentaglot tokenizer training (balanced sample)", "variants": [f"{m} alpha={a:g}" for m, a in runs],
                              "char_budget": args.char_budget},
                "baseline": {"trainer": "sentencepiece defaults on the concatenated training documents"}, "vocab_size": args.vocab_size}
    path = save("tokenizer_balance", result, settings, ("sentencepiece",))
    write_chart(report, RESULTS / "tokenizer_balance.png")
    print(json.dumps(result["headline"], indent=2))
    print(json.dumps({n: {k: v[k] for k in ("train_seconds", "peak_rss_mb")} for n, v in result["variants"].items()}))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
