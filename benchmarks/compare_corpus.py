"""The labelled five-language corpus for the side-by-side dedup benchmark.

The shared corpora hold ~13 MB of real text, far less than a benchmark needs,
and repeating whole documents would make every document a duplicate.  So each
document is a fresh, seeded draw of real sentences of one language (two random
documents share almost no 5-grams), and duplication is then planted on purpose,
with labels, so precision and recall can be measured:

* ``exact``: a byte-identical copy of an original;
* ``near``: a copy with 1 to 4 edits (a sentence replaced, deleted or
  inserted, or a few characters changed); one edit keeps 5-gram Jaccard around
  0.9, four bring it near 0.7, so recall by number of edits shows where each
  system's threshold really lies;
* ``related``: half an original's sentences plus as many new ones (Jaccard
  around 0.3): not a duplicate, so removing it, or its original because of it,
  costs precision;
* ``offlang``: documents in the hard-negative languages (pt, ca, gl, yue, wuu)
  that a language filter for the five languages should drop.

Documents go to ``shard-NNN.jsonl`` files (``id``, ``text``) and the labels to
``labels.jsonl`` (``id``, ``lang``, ``kind``, ``group``: the original's id for
exact and near copies, else the document's own id; ``edits`` for near copies),
all under benchmarks/work/, which git ignores.  Copies are shuffled among the
originals, so a copy can get a lower id than its original.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from corpus import documents
from measure import require_corpora

LANGS = ("ko", "en", "zh", "ja", "es")
OFF_LANGS = {"pt": "por", "ca": "cat", "gl": "glg", "yue": "yue", "wuu": "wuu"}
UDHR = {"pt": "por_BR", "ca": "cat", "gl": "glg", "yue": "yue"}
TATOEBA_OPUS = {"ko": "kor", "ja": "jpn", "zh": "zho", "es": "spa"}
TATOEBA_LASER = {"ko": "kor", "ja": "jpn", "zh": "cmn", "es": "spa"}
NO_SPACE = {"zh", "ja", "yue", "wuu"}
# Sentence ends: CJK full stops need no following space; Latin ones do.
_SPLIT = re.compile(r"(?<=[。！？])|(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SPLIT.split(text) if s and len(s.strip()) >= 8]


def _lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= 8]


def sentence_pools() -> dict[str, list[str]]:
    """Unique real sentences per language, main and off-language, in a fixed order."""
    root = require_corpora()
    pools: dict[str, list[str]] = {lang: [] for lang in (*LANGS, *OFF_LANGS)}
    for lang, text in documents():
        pools[lang] += sentences(text)
    for lang, code in TATOEBA_LASER.items():
        pools[lang] += _lines(root / "tatoeba_laser_v1" / f"tatoeba.{code}-eng.{code}")
    pools["en"] += _lines(root / "tatoeba_laser_v1" / "tatoeba.spa-eng.eng")
    for lang, code in TATOEBA_OPUS.items():
        base = root / "tatoeba_opus_v2021-08-07" / f"eng-{code}.tatoeba-test-v2021-08-07.{code}"
        labels = base.with_name(base.name + ".labels")
        lines = base.read_text(encoding="utf-8").splitlines()
        if labels.exists():
            # eng-zho mixes Cantonese and Wu lines in; keep Mandarin only.
            tags = labels.read_text(encoding="utf-8").splitlines()
            lines = [line for line, tag in zip(lines, tags) if lang != "zh" or tag.startswith("cmn")]
        pools[lang] += [line.strip() for line in lines if len(line.strip()) >= 8]
    for lang, code in OFF_LANGS.items():
        pools[lang] += _lines(root / "tatoeba_laser_v1" / f"tatoeba.{code}-eng.{code}")
        if lang in UDHR:
            pools[lang] += _lines(root / "udhr" / f"udhr_{UDHR[lang]}.txt")
    return {lang: list(dict.fromkeys(pool)) for lang, pool in pools.items()}


def _join(lang: str, parts: list[str]) -> str:
    sep = "" if lang in NO_SPACE else " "
    paragraphs = [sep.join(parts[i : i + 5]) for i in range(0, len(parts), 5)]
    return "\n".join(paragraphs)


def _near_copy(rng: random.Random, parts: list[str], pool: list[str], edits: int) -> list[str]:
    parts = list(parts)
    for _ in range(edits):
        op = rng.choice(("replace", "delete", "insert", "chars"))
        i = rng.randrange(len(parts))
        if op == "replace":
            parts[i] = rng.choice(pool)
        elif op == "delete":
            del parts[i]
        elif op == "insert":
            parts.insert(i, rng.choice(pool))
        else:
            s, alphabet = parts[i], rng.choice(pool)
            for _ in range(3):
                j = rng.randrange(len(s))
                s = s[:j] + rng.choice(alphabet) + s[j + 1 :]
            parts[i] = s
    return parts


def _related(rng: random.Random, parts: list[str], pool: list[str]) -> list[str]:
    kept = rng.sample(parts, len(parts) // 2)
    return kept + rng.sample(pool, len(parts) - len(kept))


def build(
    out: Path, target_mb: int, seed: int = 0, shards: int = 8, dup_rate: float = 0.08, near_rate: float = 0.08, related_rate: float = 0.03, offlang_rate: float = 0.04
) -> dict:
    """Write the corpus into ``out`` (reused when its manifest matches); return the manifest."""
    params = {
        "target_mb": target_mb, "seed": seed, "shards": shards, "dup_rate": dup_rate, "near_rate": near_rate,
        "related_rate": related_rate, "offlang_rate": offlang_rate, "format": 2,
    }
    manifest_path = out / "manifest.json"
    if manifest_path.exists() and json.loads(manifest_path.read_text())["params"] == params:
        return json.loads(manifest_path.read_text())
    out.mkdir(parents=True, exist_ok=True)
    pools = sentence_pools()
    rng = random.Random(seed)
    target = target_mb * 2**20
    docs: list[tuple[str, str, str, str, int]] = []  # (text, lang, kind, group, edits)
    originals: list[tuple[int, str, list[str]]] = []
    size = 0
    while size < target:
        r = rng.random()
        if r < offlang_rate:
            lang = rng.choice(sorted(OFF_LANGS))
            parts = rng.sample(pools[lang], rng.randint(4, 14))
            docs.append((_join(lang, parts), lang, "offlang", "", 0))
        elif r < offlang_rate + dup_rate and originals:
            idx, lang, _ = originals[rng.randrange(len(originals))]
            docs.append((docs[idx][0], lang, "exact", str(idx), 0))
        elif r < offlang_rate + dup_rate + near_rate and originals:
            idx, lang, parts = originals[rng.randrange(len(originals))]
            edits = rng.randint(1, 4)
            docs.append((_join(lang, _near_copy(rng, parts, pools[lang], edits)), lang, "near", str(idx), edits))
        elif r < offlang_rate + dup_rate + near_rate + related_rate and originals:
            _, lang, parts = originals[rng.randrange(len(originals))]
            docs.append((_join(lang, _related(rng, parts, pools[lang])), lang, "related", "", 0))
        else:
            lang = LANGS[rng.randrange(len(LANGS))]
            parts = rng.sample(pools[lang], rng.randint(15, 40))
            originals.append((len(docs), lang, parts))
            docs.append((_join(lang, parts), lang, "original", str(len(docs)), 0))
        size += len(docs[-1][0].encode("utf-8")) + 40
    order = list(range(len(docs)))
    rng.shuffle(order)
    ids = {old: f"d{new:09d}" for new, old in enumerate(order)}
    files = [(out / f"shard-{k:03d}.jsonl").open("w", encoding="utf-8") for k in range(shards)]
    with (out / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for new, old in enumerate(order):
            text, lang, kind, group, edits = docs[old]
            files[new * shards // len(order)].write(json.dumps({"id": ids[old], "text": text}, ensure_ascii=False) + "\n")
            label = {"id": ids[old], "lang": lang, "kind": kind, "group": ids[int(group)] if group else ids[old], "edits": edits}
            labels.write(json.dumps(label) + "\n")
    for f in files:
        f.close()
    counts: dict[str, dict[str, int]] = {}
    for _, lang, kind, _, _ in docs:
        counts.setdefault(lang, {}).setdefault(kind, 0)
        counts[lang][kind] += 1
    manifest = {"params": params, "documents": len(docs), "bytes": sum(f.stat().st_size for f in out.glob("shard-*.jsonl")), "counts": counts}
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def load_labels(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "labels.jsonl").read_text(encoding="utf-8").splitlines()]


if __name__ == "__main__":
    import sys

    from measure import WORK

    print(json.dumps(build(WORK / f"compare-{sys.argv[1]}mb", int(sys.argv[1])), indent=2))
