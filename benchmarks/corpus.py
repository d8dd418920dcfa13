"""Benchmark corpora assembled from ../shared/corpora (never copied into the repo).

``documents()`` gives real documents per language; ``write_jsonl`` repeats them
(with fresh ids) up to a target size into benchmarks/work/, which git ignores.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from measure import WORK, require_corpora


def _jsonl(path: Path, field: str) -> list[str]:
    return [json.loads(line)[field] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def documents() -> list[tuple[str, str]]:
    """(lang, text) for every real document in the shared corpora."""
    root = require_corpora()
    out: list[tuple[str, str]] = []
    for f in sorted((root / "jsquad_v1.3").glob("*.jsonl")):
        out += [("ja", t) for t in _jsonl(f, "text")]
    for f in sorted((root / "cmrc2018").glob("*.jsonl")):
        out += [("zh", t) for t in _jsonl(f, "text")]
    for lang in ("en", "es", "zh"):
        out += [(lang, t) for t in _jsonl(root / "xquad" / f"xquad.{lang}.contexts.jsonl", "text")]
    out += [("es", t) for t in _jsonl(next((root / "spanish_fake_news_v2").glob("*.jsonl")), "text")]
    for f in sorted((root / "nltk_state_union").glob("*.txt")):
        paragraphs = [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 200]
        out += [("en", "\n".join(paragraphs[i : i + 4])) for i in range(0, len(paragraphs), 4)]
    premises = list(dict.fromkeys(_jsonl(root / "klue_nli_dev" / "klue-nli-v1.1_dev.jsonl", "premise")))
    out += [("ko", " ".join(premises[i : i + 5])) for i in range(0, len(premises), 5)]
    return out


def write_jsonl(name: str, target_bytes: int, seed: int = 0) -> Path:
    """A JSONL corpus of about ``target_bytes`` from repeated real documents."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"{name}.jsonl"
    if path.exists() and path.stat().st_size >= target_bytes:
        return path
    docs = documents()
    rng = random.Random(seed)
    written = 0
    with path.open("w", encoding="utf-8") as f:
        n = 0
        while written < target_bytes:
            rng.shuffle(docs)
            for lang, text in docs:
                line = json.dumps({"id": f"doc-{n}", "text": text, "lang_hint": lang}, ensure_ascii=False) + "\n"
                f.write(line)
                written += len(line.encode("utf-8"))
                n += 1
                if written >= target_bytes:
                    break
    return path
