"""Decontamination quality: planted evaluation items found per language, pentaglot vs word 13-grams.

Items come from the evaluation-style sets in ../shared/corpora (XQuAD en/es,
CMRC 2018 zh, JSQuAD ja, KLUE NLI ko: premise and hypothesis); each planted
copy is one item inside another real document of its language, verbatim or
re-spaced, full-width, re-punctuated or re-cased (tests/unit/decontam_planting.py).
Clean documents are the other sources of each language (state-of-the-union
speeches, Spanish news, CMRC trial, JSQuAD test, Tatoeba sentences grouped
into paragraphs), each also planted with a short phrase of some item, and
hosts equal to an item are left out (they are true contamination).

The baseline is the recipe GPT-3 and datatrove's n-gram decontamination use:
lowercase, datatrove's ``simplify_text`` (punctuation folded), whitespace
words, any shared 13-gram flags the document.  pentaglot runs its defaults;
Korean is also measured with word n-grams (``hangul_unit: word``) to choose
that setting.

    python benchmarks/decontam_quality.py [--planted 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import require_corpora, save  # noqa: E402

from filters.decontam_config import DecontaminateConfig, EvalSetConfig  # noqa: E402
from filters.decontam_eval_sets import read_eval_sets  # noqa: E402
from filters.decontam_index import build_index, find_in_index  # noqa: E402
from tests.unit.decontam_planting import PERTURBATIONS, eval_sets, hosts, item_texts, perturb, plant  # noqa: E402

LANGS = ("en", "es", "zh", "ja", "ko")
BASELINE_N = 13


def more_clean(root: Path) -> dict[str, list[str]]:
    """Tatoeba sentences grouped 8 to a paragraph: more clean documents per language."""
    files = {"en": "eng-spa.tatoeba-test-v2021-08-07.eng", "es": "eng-spa.tatoeba-test-v2021-08-07.spa", "zh": "eng-zho.tatoeba-test-v2021-08-07.zho", "ja": "eng-jpn.tatoeba-test-v2021-08-07.jpn", "ko": "eng-kor.tatoeba-test-v2021-08-07.kor"}
    out = {}
    for lang, name in files.items():
        lines = (root / "tatoeba_opus_v2021-08-07" / name).read_text(encoding="utf-8").splitlines()
        out[lang] = [" ".join(lines[i : i + 8]) for i in range(0, len(lines) - 7, 8)][:1500]
    return out


def build_set(root: Path, planted: int, seed: int):
    rng = random.Random(seed)
    sets, host_docs, extra = eval_sets(root), hosts(root), more_clean(root)
    data = {}
    for lang in LANGS:
        items = item_texts(*sets[lang])
        item_set = set(items)
        clean_hosts = [h for h in host_docs[lang] + extra[lang] if h not in item_set]
        picks = [rng.randrange(len(items)) for _ in range(planted)]
        dirty = [plant(rng.choice(clean_hosts), perturb(items[i], PERTURBATIONS[k % len(PERTURBATIONS)], rng), rng) for k, i in enumerate(picks)]
        clean = []
        for host in clean_hosts:
            item = items[rng.randrange(len(items))]
            phrase = " ".join(item.split()[2:8]) if lang in ("en", "es") else item.replace(" ", "")[4:13]
            clean.append(plant(host, phrase, rng))
        data[lang] = {"dirty": dirty, "clean": clean, "picks": picks}
    return sets, data


def baseline_index(sets) -> set:
    from datatrove.utils.text import simplify_text

    grams = set()
    for lang in LANGS:
        for text in item_texts(*sets[lang]):
            words = simplify_text(text).split()
            grams.update(tuple(words[i : i + BASELINE_N]) for i in range(len(words) - BASELINE_N + 1))
    return grams


def baseline_flags(texts: list[str], grams: set) -> list[bool]:
    from datatrove.utils.text import simplify_text

    out = []
    for text in texts:
        words = simplify_text(text).split()
        out.append(any(tuple(words[i : i + BASELINE_N]) in grams for i in range(len(words) - BASELINE_N + 1)))
    return out


def pentaglot_flags(texts: list[str], index, cfg) -> list[bool]:
    found = find_in_index(pa.array(texts), index, cfg)
    flagged = set(found.doc.tolist())
    return [i in flagged for i in range(len(texts))]


def scores(flags_dirty: list[bool], flags_clean: list[bool]) -> dict:
    return {
        "recall": round(sum(flags_dirty) / len(flags_dirty), 4),
        "false_positive_rate": round(sum(flags_clean) / len(flags_clean), 5),
        "planted": len(flags_dirty),
        "clean": len(flags_clean),
        "false_positives": sum(flags_clean),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--planted", type=int, default=200, help="planted copies per language")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    root = require_corpora()
    sets, data = build_set(root, args.planted, args.seed)
    eval_cfgs = [EvalSetConfig(path=str(p), fields=f, name=lang) for lang, (p, f) in sets.items()]
    systems = {"pentaglot": DecontaminateConfig(eval_sets=eval_cfgs), "pentaglot_hangul_word": DecontaminateConfig(eval_sets=eval_cfgs, hangul_unit="word")}
    items = read_eval_sets(eval_cfgs)
    result = {"baseline": {}, **{name: {} for name in systems}}
    seconds = {}
    t0 = time.perf_counter()
    grams = baseline_index(sets)
    for lang in LANGS:
        result["baseline"][lang] = scores(baseline_flags(data[lang]["dirty"], grams), baseline_flags(data[lang]["clean"], grams))
    seconds["baseline"] = round(time.perf_counter() - t0, 2)
    for name, cfg in systems.items():
        t0 = time.perf_counter()
        index = build_index(items, cfg)
        for lang in LANGS:
            result[name][lang] = scores(pentaglot_flags(data[lang]["dirty"], index, cfg), pentaglot_flags(data[lang]["clean"], index, cfg))
        seconds[name] = round(time.perf_counter() - t0, 2)
    defaults = systems["pentaglot"]
    out = {
        "benchmark": "decontam_quality",
        "settings": {
            "pentaglot": defaults.model_dump(mode="json", exclude={"eval_sets"}),
            "baseline": {"recipe": "GPT-3 / datatrove n-gram decontamination", "normalize": "datatrove simplify_text, whitespace words", "n": BASELINE_N, "rule": "any shared n-gram"},
            "eval_sets": {lang: {"path": str(p.relative_to(root)), "fields": f} for lang, (p, f) in sets.items()},
            "perturbations": list(PERTURBATIONS),
        },
        "seconds": seconds,
        "results": result,
        "recall_ratio_to_baseline": {lang: round(result["pentaglot"][lang]["recall"] / max(result["baseline"][lang]["recall"], 1e-9), 2) for lang in LANGS},
    }
    print(save("decontam_quality", out, out.pop("settings"), ("datatrove",)))
    for name in result:
        for lang in LANGS:
            r = result[name][lang]
            print(f"{name:<22} {lang}  recall {r['recall']:.4f}  FP {r['false_positives']}/{r['clean']} ({r['false_positive_rate']:.4%})")


if __name__ == "__main__":
    main()
