"""Evaluation items planted into other real documents, as copies on the web change them.

Shared by the decontamination tests and benchmarks/decontam_quality.py: items
come from the evaluation-style sets in ../shared/corpora (XQuAD en/es, CMRC
2018, JSQuAD, KLUE NLI), hosts from other sources in the same language.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

PERTURBATIONS = ("verbatim", "whitespace", "width", "punctuation", "case")
_PUNCT_SWAP = str.maketrans({"。": ".", "、": ",", "，": ",", ",": "，", ".": "。", "「": '"', "」": '"', "?": "？", "!": "！", ":": "：", "(": "（", ")": "）"})


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def eval_sets(root: Path) -> dict[str, tuple[Path, list[str]]]:
    """lang -> (eval-set file, text fields of an item)."""
    return {
        "en": (root / "xquad" / "xquad.en.contexts.jsonl", ["text"]),
        "es": (root / "xquad" / "xquad.es.contexts.jsonl", ["text"]),
        "zh": (root / "cmrc2018" / "cmrc2018_dev.contexts.jsonl", ["text"]),
        "ja": (root / "jsquad_v1.3" / "jsquad-v1.3.valid.contexts.jsonl", ["text"]),
        "ko": (root / "klue_nli_dev" / "klue-nli-v1.1_dev.jsonl", ["premise", "hypothesis"]),
    }


def item_texts(path: Path, fields: list[str]) -> list[str]:
    """An item as it appears in a document: its fields, one after another."""
    return ["\n".join(row[f] for f in fields) for row in _jsonl(path)]


def hosts(root: Path) -> dict[str, list[str]]:
    """Documents of other sources, per language, that hold no evaluation item."""
    def lines(name: str) -> list[str]:
        return (root / "tatoeba_opus_v2021-08-07" / name).read_text(encoding="utf-8").splitlines()

    def grouped(sentences: list[str], size: int) -> list[str]:
        return [" ".join(sentences[i : i + size]) for i in range(0, len(sentences) - size + 1, size)]

    state_union = []
    for f in sorted((root / "nltk_state_union").glob("*.txt")):
        paragraphs = [p.strip() for p in f.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 200]
        state_union += ["\n".join(paragraphs[i : i + 3]) for i in range(0, len(paragraphs), 3)]
    return {
        "en": state_union,
        "es": [row["text"] for row in _jsonl(next((root / "spanish_fake_news_v2").glob("*.jsonl")))],
        "zh": [row["text"] for row in _jsonl(root / "cmrc2018" / "cmrc2018_trial.contexts.jsonl")],
        "ja": [row["text"] for row in _jsonl(root / "jsquad_v1.3" / "jsquad-v1.3.test.contexts.jsonl")],
        "ko": grouped(lines("eng-kor.tatoeba-test-v2021-08-07.kor"), 12),
    }


def perturb(text: str, kind: str, rng: random.Random) -> str:
    """The item as a copy changes it: re-spaced, full-width, re-punctuated or re-cased."""
    if kind == "whitespace":
        # Spaces, tabs and line breaks around words; between characters of
        # unspaced scripts too, which re-wrapped CJK text gets.
        out = []
        for ch in text:
            out.append(rng.choice(["  ", "\n", " \t", "\n\n"]) if ch == " " else ch)
            if ord(ch) > 0x2E80 and rng.random() < 0.05:
                out.append(rng.choice([" ", "\n"]))
        return "".join(out)
    if kind == "width":
        return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else "\u3000" if c == " " else c for c in text)
    if kind == "punctuation":
        return text.translate(_PUNCT_SWAP)
    if kind == "case":
        return text.upper()
    return text


def plant(host: str, item: str, rng: random.Random) -> str:
    """``item`` inside ``host`` at a paragraph or sentence boundary, surrounded by unrelated text."""
    cut = rng.randrange(len(host) + 1)
    return host[:cut] + "\n" + item + "\n" + host[cut:]
