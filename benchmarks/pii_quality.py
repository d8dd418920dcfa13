"""PII quality: per-type precision and recall on a labelled five-language set,
pentaglot vs datatrove's PII formatter and Presidio's pattern recognizers.

The set (benchmarks/pii_labelled.py) embeds valid real-format values and
look-alikes (dates, order numbers, ISBNs, prices, times, versions, wrong
check digits) in real corpus paragraphs of each language.  A detection is
correct when its type matches a labelled value's and the two spans overlap by
at least 80% of the longer one.  A type a system doesn't detect has recall 0
and no precision.

    python benchmarks/pii_quality.py [--docs 3000]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import require_corpora, save  # noqa: E402
from pii_labelled import build  # noqa: E402
from pii_systems import datatrove_detector, pentaglot, presidio_detector  # noqa: E402

from filters.pii_config import PII_TYPES, RedactConfig  # noqa: E402


def _match(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return a[2] == b[2] and overlap >= 0.8 * max(a[1] - a[0], b[1] - b[0])


def score(gold: list[list[tuple]], predicted: list[list[tuple]]) -> dict:
    counts = {k: Counter() for k in PII_TYPES}
    for g, p in zip(gold, predicted):
        for span in g:
            counts[span[2]]["gold"] += 1
            counts[span[2]]["found"] += any(_match(span, q) for q in p)
        for span in p:
            counts[span[2]]["predicted"] += 1
            counts[span[2]]["correct"] += any(_match(span, q) for q in g)
    out = {}
    for kind, c in counts.items():
        out[kind] = {
            "precision": round(c["correct"] / c["predicted"], 4) if c["predicted"] else None,
            "recall": round(c["found"] / c["gold"], 4) if c["gold"] else None,
            "gold": c["gold"], "predicted": c["predicted"],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    require_corpora()
    data = build(args.docs, args.seed)
    langs, texts, gold = [d[0] for d in data], [d[1] for d in data], [d[2] for d in data]
    systems = {"pentaglot": pentaglot, "datatrove": datatrove_detector(), "presidio_patterns": presidio_detector()}
    results = {name: score(gold, detect(texts, langs)) for name, detect in systems.items()}
    out = {
        "benchmark": "pii_quality",
        "set": {"documents": len(texts), "values": sum(map(len, gold)), "by_type": dict(Counter(s[2] for g in gold for s in g)), "by_language": dict(Counter(langs))},
        "settings": {
            "pentaglot": RedactConfig().model_dump(mode="json"),
            "datatrove": "PIIFormatter(only_remove_public_ips=False): email and IPv4 replacers",
            "presidio_patterns": "Email, Ip, Phone(KR, JP, CN, ES, US), CreditCard, Iban, KrRrn recognizers; every result counted",
            "match": "same type, spans overlap >= 80% of the longer",
        },
        "results": results,
    }
    # Seed 0 is the set the checks were tuned on; other seeds are held out.
    print(save("pii_quality" + (f"_seed{args.seed}" if args.seed else ""), out, out.pop("settings"), ("phonenumbers", "python-stdnum", "datatrove", "presidio-analyzer")))
    print(f"{'type':<14}" + "".join(f"{name:>26}" for name in systems))
    for kind in PII_TYPES:
        row = [results[n][kind] for n in systems]
        print(f"{kind:<14}" + "".join(f"{'P ' + str(r['precision']) + ' R ' + str(r['recall']):>26}" for r in row))


if __name__ == "__main__":
    main()
