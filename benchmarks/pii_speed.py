"""PII speed: MB/s per core, pentaglot's scan vs Presidio's pattern recognizers on the same text.

The text is the labelled set of benchmarks/pii_labelled.py (real corpus
paragraphs in five languages with values and look-alikes embedded), so both
sides see the same density of candidates.  Both run in this one process, one
core: pentaglot over 1024-document batches, Presidio's recognizers (those of
benchmarks/pii_quality.py) document by document, as its analyzer calls them.
The two are timed alternately, twice each, and the best of each is kept.

    python benchmarks/pii_speed.py [--docs 3000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import require_corpora, save  # noqa: E402
from pii_labelled import build  # noqa: E402
from pii_systems import pentaglot, presidio_detector  # noqa: E402

from filters.pii_config import RedactConfig  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    require_corpora()
    data = build(args.docs)
    langs, texts = [d[0] for d in data], [d[1] for d in data]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 2**20
    systems = {"pentaglot": pentaglot, "presidio_patterns": presidio_detector()}
    seconds = {name: [] for name in systems}
    for _ in range(args.repeat):
        for name, detect in systems.items():
            t0 = time.perf_counter()
            detect(texts, langs)
            seconds[name].append(round(time.perf_counter() - t0, 3))
    rate = {name: mb / min(s) for name, s in seconds.items()}
    out = {
        "benchmark": "pii_speed",
        "text": {"documents": len(texts), "mb": round(mb, 2)},
        "settings": {
            "pentaglot": RedactConfig().model_dump(mode="json"),
            "presidio_patterns": "Email, Ip, Phone(KR, JP, CN, ES, US), CreditCard, Iban, KrRrn recognizers, analyze() per document",
            "cores": 1,
        },
        "seconds": seconds,
        "mb_per_s_per_core": {k: round(v, 3) for k, v in rate.items()},
        "ratio_to_presidio": round(rate["pentaglot"] / rate["presidio_patterns"], 2),
    }
    print(save("pii_speed", out, out.pop("settings"), ("phonenumbers", "python-stdnum", "presidio-analyzer")))
    print(out["seconds"], out["mb_per_s_per_core"], out["ratio_to_presidio"])


if __name__ == "__main__":
    main()
