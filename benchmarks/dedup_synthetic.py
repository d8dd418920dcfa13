"""Seeded synthetic five-language corpus for the dedup scale benchmark.

Not real text (../shared/corpora is far too small to give millions of distinct
documents): each language draws Zipf-distributed words from its own made-up
vocabulary in its own script (Latin for en, Latin with accents for es, Hangul
syllables in spaced words for ko, CJK ideographs with Chinese punctuation for
zh, hiragana mixed with ideographs for ja), so character 5-grams behave like
those scripts' (distinct documents share few shingles, near copies many).
Lengths are log-normal (median ~350 characters, a long tail to 4,000).

``near_rate`` of the documents are near copies of a random original of the
same language, each with one edit a web copy shows: ~3% of the words replaced,
a boilerplate header or footer added, or the last tenth cut off.  Everything
comes from one seed, so a size's corpus is the same on every run.

    python benchmarks/dedup_synthetic.py 1000000 OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LANGS = ("en", "es", "ko", "zh", "ja")
VOCAB = 20_000
ROWS_PER_FILE = 250_000


def _vocabulary(lang: str, rng: np.random.Generator) -> np.ndarray:
    """``VOCAB`` made-up words of the language's script (each word with its trailing separator)."""
    if lang in ("en", "es"):
        letters = list("abcdefghijklmnopqrstuvwxyz") + (list("áéíóúñ") if lang == "es" else [])
        lengths = rng.integers(2, 11, VOCAB)
        return np.array(["".join(rng.choice(letters, k)) + " " for k in lengths])
    if lang == "ko":
        lengths = rng.integers(1, 5, VOCAB)
        return np.array(["".join(chr(c) for c in rng.integers(0xAC00, 0xD7A4, k)) + " " for k in lengths])
    if lang == "zh":
        lengths = rng.integers(1, 4, VOCAB)
        return np.array(["".join(chr(c) for c in rng.integers(0x4E00, 0x9FFF, k)) + ("，" if rng.random() < 0.08 else "") for k in lengths])
    lengths = rng.integers(1, 5, VOCAB)  # ja: kana runs with ideographs
    return np.array(["".join(chr(c) for c in np.where(rng.random(k) < 0.6, rng.integers(0x3041, 0x3097, k), rng.integers(0x4E00, 0x9FFF, k))) + ("。" if rng.random() < 0.05 else "") for k in lengths])


def _zipf_words(rng: np.random.Generator, n: int) -> np.ndarray:
    ranks = rng.zipf(1.2, n) - 1
    return np.where(ranks < VOCAB, ranks, rng.integers(0, VOCAB, n))


HEADERS = {"en": "Home | News | Contact | Share this page ", "es": "Inicio | Noticias | Contacto | Compartir ",
           "ko": "홈 | 뉴스 | 문의 | 공유하기 ", "zh": "首页 | 新闻 | 联系我们 | 分享到 ", "ja": "ホーム | ニュース | お問い合わせ | シェア "}


def corpus(n: int, near_rate: float = 0.3, seed: int = 0) -> tuple[pa.Table, dict]:
    rng = np.random.default_rng(seed)
    vocab = {lang: _vocabulary(lang, rng) for lang in LANGS}
    mean_chars = {lang: float(np.mean([len(w) for w in v])) for lang, v in vocab.items()}
    n_orig = n - int(n * near_rate)
    langs = rng.integers(0, len(LANGS), n_orig)
    target = np.clip(rng.lognormal(np.log(350), 0.8, n_orig), 40, 4000)
    texts: list[str] = [""] * n
    words_of: list[np.ndarray] = [None] * n_orig
    for li, lang in enumerate(LANGS):
        idx = np.flatnonzero(langs == li)
        counts = np.maximum(3, (target[idx] / mean_chars[lang]).astype(np.int64))
        flat = _zipf_words(rng, int(counts.sum()))
        for i, words in zip(idx, np.split(flat, np.cumsum(counts)[:-1])):
            words_of[i] = words
            texts[i] = "".join(vocab[lang][words])
    source = rng.integers(0, n_orig, n - n_orig)
    edit = rng.integers(0, 3, n - n_orig)
    for j, (s, e) in enumerate(zip(source, edit)):
        lang = LANGS[langs[s]]
        words = words_of[s]
        if e == 0:
            words = words.copy()
            hit = rng.random(len(words)) < 0.03
            words[hit] = rng.integers(0, VOCAB, int(hit.sum()))
            text = "".join(vocab[lang][words])
        elif e == 1:
            text = HEADERS[lang] + texts[s] if rng.random() < 0.5 else texts[s] + " " + HEADERS[lang]
        else:
            text = texts[s][: max(20, int(len(texts[s]) * 0.9))]
        texts[n_orig + j] = text
    order = rng.permutation(n)
    all_langs = np.concatenate([langs, langs[source]])[order]
    table = pa.table({
        "id": pa.array(np.char.add("doc-", np.char.zfill(np.arange(n).astype(str), 10)).tolist(), pa.string()),
        "text": pa.array([texts[i] for i in order], pa.large_string()),
        "lang": pa.array(np.array(LANGS)[all_langs].tolist(), pa.string()),
    })
    lengths = np.array([len(t) for t in texts])
    info = {"documents": n, "near_copies": n - n_orig, "near_rate": near_rate, "seed": seed,
            "mean_chars": round(float(lengths.mean()), 1), "median_chars": float(np.median(lengths)),
            "bytes_text": int(pa.compute.sum(pa.compute.binary_length(table["text"])).as_py())}
    return table, info


def write(n: int, folder: Path, near_rate: float = 0.3, seed: int = 0) -> dict:
    """Write the corpus as Parquet files of ``ROWS_PER_FILE`` rows (generated in 1M-document pieces)."""
    folder.mkdir(parents=True, exist_ok=True)
    info = {"documents": 0, "near_copies": 0, "bytes_text": 0, "pieces": []}
    piece = 1_000_000
    for p, start in enumerate(range(0, n, piece)):
        table, meta = corpus(min(piece, n - start), near_rate, seed + p)
        table = table.set_column(0, "id", pa.array(np.char.add(f"doc-{p:03d}-", np.char.zfill(np.arange(table.num_rows).astype(str), 7)).tolist(), pa.string()))
        for i, s in enumerate(range(0, table.num_rows, ROWS_PER_FILE)):
            pq.write_table(table.slice(s, ROWS_PER_FILE), folder / f"part-{p:03d}-{i:02d}.parquet")
        for key in ("documents", "near_copies", "bytes_text"):
            info[key] += meta[key]
        info["pieces"].append(meta)
    return info


if __name__ == "__main__":
    print(write(int(sys.argv[1]), Path(sys.argv[2])))
