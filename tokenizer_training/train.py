"""sentencepiece training with defaults for a Korean/English/Chinese/Japanese/Spanish mix.

The pure half of ``pentaglot tokenizer train``: given a sample file (one
training line per line, written by the sampling stage) it checks the memory
estimate, trains, and writes the model, the vocab, the exact trainer settings
and the sample report.  Ray never appears here; the stage only feeds it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import sentencepiece as spm
from pydantic import Field, model_validator
from sentencepiece import sentencepiece_model_pb2 as model_pb2

from filters.languages import DEFAULT_LANGUAGES
from filters.section import Section
from tokenizer_training.memory import LARGE_CORPUS_CHARS, check_memory

MODEL_NAME = "tokenizer"
DEFAULT_SPECIAL_TOKENS = (
    "<|im_start|>",
    "<|im_end|>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
)
# Whitespace the sample's one-line rows never show sentencepiece, yet documents are full of.
WHITESPACE_TOKENS = ("\n", "\n\n", "\t", "\u3000")


class TokenizerConfig(Section):
    """Settings of tokenizer sampling and training (the ``tokenizer`` config section).

    Defaults and why:

    * ``model_type="bpe"``: on held-out parallel text at vocab 32k it compressed
      every one of the five languages better than unigram trained on the same
      sample (Korean 1.56 vs 1.41 chars/token, English 3.23 vs 3.07; see
      benchmarks/README.md, "Tokenizer balance"), and trained several times
      faster; it needs more memory per character (``tokenizer_training.memory``).
      Both export to ``tokenizer.json`` with identical ids.
    * ``alpha=0.5``: measured at 0.3, 0.4, 0.5 and 1.0 (natural mix): the worst
      language's parity against English was 1.06 for all of 0.3-0.5 (1.23 at
      1.0, Korean), while English compression fell 4.6%, 3.6% and 3.2% below
      a tokenizer trained on the plain concatenation; 0.5 costs English least.
    * ``normalization="identity"``: the normalize stage already applies NFC;
      NFKC would fold full-width Latin and half-width kana and make decoding
      lossy, so tokens would no longer spell the training text.
    * ``remove_extra_whitespaces=False`` and ``allow_whitespace_only_pieces``:
      whitespace is content (code, tables, poetry) and must round-trip.
    * ``add_dummy_prefix=False`` (as Gemma): no invisible space before each
      text, so ``decode(encode(x)) == x`` even for text starting with spaces,
      and the ``tokenizer.json`` export matches sentencepiece's ids exactly,
      also when a text starts with a special token.
    * ``byte_fallback`` with ``character_coverage=0.9995``: the rarest 0.05% of
      characters (rare Hanja/Kanji, emoji) become UTF-8 byte tokens instead of
      ``<unk>``, so nothing is unknown and the vocab is not spent on them.
    * ``split_digits``: numbers tokenize digit by digit, which helps arithmetic
      and keeps the vocab from filling with years and prices.
    * ids ``unk=0, bos=1, eos=2, pad=3``: Llama-style, with a real pad id so
      packed batches need no extra token.
    * ``whitespace_tokens`` (newline, blank line, tab, U+3000 ideographic
      space) are user-defined symbols: the training sample has one line per
      row, so sentencepiece never sees a newline and every ``\n`` became a
      ``<0x0A>`` byte token (all but 28 of 6,265 English byte tokens); as
      pieces they cost one token each and are never split or merged.
    * ``num_threads=8`` is fixed, not the machine's core count: unigram EM sums
      per thread, so the pieces depend on it, and a given config must give the
      same model everywhere.
    """

    vocab_size: int = Field(64000, ge=100, le=1 << 20, description="size of the vocabulary, special tokens included")
    model_type: Literal["bpe", "unigram"] = Field("bpe", description="sentencepiece algorithm")
    languages: list[str] = Field(
        default_factory=lambda: list(DEFAULT_LANGUAGES),
        description="languages sampled for training; stray languages would otherwise be boosted by alpha",
    )
    alpha: float = Field(0.5, ge=0.0, le=1.0, description="temperature: language share ∝ characters**alpha")
    shares: dict[str, float] | None = Field(
        None, description="explicit share per language (normalized); overrides alpha; unlisted languages get none"
    )
    char_budget: int = Field(200_000_000, ge=1000, description="characters of training text to sample in all")
    max_memory_gb: float = Field(16.0, gt=0, description="refuse to train when the estimated peak is above this")
    seed: int = Field(0, ge=0, description="sampling seed; same corpus, config and seed give the same model")
    max_sentence_bytes: int = Field(
        4192, ge=64, le=1 << 20, description="longest training line in UTF-8 bytes; longer lines are split"
    )
    character_coverage: float = Field(0.9995, gt=0.0, le=1.0, description="share of characters kept as pieces")
    byte_fallback: bool = Field(True, description="uncovered characters become UTF-8 byte tokens, not <unk>")
    split_digits: bool = Field(True, description="every digit is its own token")
    normalization: Literal["identity", "nfkc", "nmt_nfkc", "nfkc_cf", "nmt_nfkc_cf"] = Field(
        "identity", description="sentencepiece normalization rule"
    )
    remove_extra_whitespaces: bool = Field(False, description="collapse runs of whitespace before training/encoding")
    allow_whitespace_only_pieces: bool = Field(True, description="runs of spaces may be one piece")
    add_dummy_prefix: bool = Field(False, description="treat the start of a text as if preceded by a space")
    max_piece_length: int = Field(16, ge=1, le=64, description="longest piece in characters")
    unk_id: int = Field(0, ge=0)
    bos_id: int = Field(1, ge=-1)
    eos_id: int = Field(2, ge=-1)
    pad_id: int = Field(3, ge=-1)
    special_tokens: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SPECIAL_TOKENS),
        description="user-defined symbols: always one token, never split (chat and tool tags)",
    )
    whitespace_tokens: list[str] = Field(
        default_factory=lambda: list(WHITESPACE_TOKENS),
        description="whitespace that is always one token: newline, paragraph break, tab, ideographic space",
    )
    num_threads: int = Field(8, ge=1, le=256, description="trainer threads (part of the result for unigram)")

    @model_validator(mode="after")
    def _check_ids(self) -> "TokenizerConfig":
        ids = [i for i in (self.unk_id, self.bos_id, self.eos_id, self.pad_id) if i >= 0]
        if len(set(ids)) != len(ids):
            raise ValueError("tokenizer unk_id/bos_id/eos_id/pad_id must differ (use -1 to disable bos/eos/pad)")
        if not self.languages:
            raise ValueError("tokenizer.languages is empty; list the languages to train on, e.g. [ko, en, zh, ja, es]")
        if self.shares is not None and (any(v < 0 for v in self.shares.values()) or sum(self.shares.values()) <= 0):
            raise ValueError("tokenizer.shares must be non-negative with a positive sum, e.g. {ko: 0.3, en: 0.2}")
        return self


def trainer_settings(cfg: TokenizerConfig, sample_path: Path, model_prefix: Path, n_chars: int) -> dict:
    """The exact keyword arguments handed to sentencepiece (also written to trainer_settings.json)."""
    return {
        "input": str(sample_path),
        "model_prefix": str(model_prefix),
        "model_type": cfg.model_type,
        "vocab_size": cfg.vocab_size,
        "character_coverage": cfg.character_coverage,
        "byte_fallback": cfg.byte_fallback,
        "split_digits": cfg.split_digits,
        "normalization_rule_name": cfg.normalization,
        "remove_extra_whitespaces": cfg.remove_extra_whitespaces,
        "allow_whitespace_only_pieces": cfg.allow_whitespace_only_pieces,
        "add_dummy_prefix": cfg.add_dummy_prefix,
        "max_sentencepiece_length": cfg.max_piece_length,
        "max_sentence_length": cfg.max_sentence_bytes,
        "unk_id": cfg.unk_id,
        "bos_id": cfg.bos_id,
        "eos_id": cfg.eos_id,
        "pad_id": cfg.pad_id,
        "user_defined_symbols": list(dict.fromkeys([*cfg.special_tokens, *cfg.whitespace_tokens])),
        "num_threads": cfg.num_threads,
        # The sample is already the training set: use all of it, in its order.
        "input_sentence_size": 0,
        "shuffle_input_sentence": False,
        "train_extremely_large_corpus": n_chars > LARGE_CORPUS_CHARS,
        "minloglevel": 0,
    }


# Trainer log lines worth showing as progress, and how to say them.
_PROGRESS = [
    (re.compile(r"Loaded all (\d+) sentences"), "loaded {0} lines"),
    (re.compile(r"Alphabet size=(\d+)"), "alphabet: {0} characters"),
    (re.compile(r"Initialized (\d+) seed pieces"), "unigram: {0} seed pieces"),
    (re.compile(r"EM sub_iter=(\d+) size=(\d+)"), "unigram EM: pruning to {1} pieces"),
    (re.compile(r"Merged: freq=(\d+) merges=(\d+)"), "bpe: {1} merges"),
    (re.compile(r"Saving model"), "saving model"),
]


def progress_line(log_text: str) -> str | None:
    """The latest progress worth printing, from what the trainer has logged so far."""
    best: tuple[int, str] | None = None
    for pattern, template in _PROGRESS:
        for match in pattern.finditer(log_text):
            if best is None or match.start() > best[0]:
                best = (match.start(), template.format(*match.groups()))
    return best[1] if best else None


def train_sentencepiece(
    settings: dict, log_path: Path, progress: Callable[[str], None], poll_s: float = 2.0
) -> float:
    """Run the trainer and report its progress; returns seconds spent.

    sentencepiece logs to file descriptor 2 and releases the GIL while it
    trains, so it runs in a thread with fd 2 pointed at ``log_path`` while this
    thread tails the log and reports a short line whenever it changes.  (The
    library's own ``logstream`` redirects ``sys.stderr.fileno()``, which is not
    fd 2 under pytest or when stderr is wrapped.)
    """
    error: list[BaseException] = []
    start = time.monotonic()

    def run() -> None:
        try:
            spm.SentencePieceTrainer.Train(**settings)
        except BaseException as exc:  # re-raised in the calling thread
            error.append(exc)

    sys.stderr.flush()
    saved_fd = os.dup(2)
    with open(log_path, "w", encoding="utf-8") as log:
        os.dup2(log.fileno(), 2)
        try:
            worker = threading.Thread(target=run, name="sentencepiece-trainer")
            worker.start()
            last = None
            while True:
                worker.join(poll_s)
                finished = not worker.is_alive()
                line = progress_line(log_path.read_text(encoding="utf-8", errors="replace"))
                if line and line != last:
                    progress(f"[{time.monotonic() - start:6.0f}s] {line}")
                    last = line
                if finished:
                    break
        finally:
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
    if error:
        raise ValueError(f"sentencepiece training failed (log: {log_path}): {error[0]}") from error[0]
    return time.monotonic() - start


def _drop_paths(model_path: Path, recorded: dict) -> None:
    """Store the folder-relative input and prefix in the model instead of absolute paths.

    sentencepiece records its ``input`` and ``model_prefix`` in the model, so
    the same sample trained in two folders would give different bytes.
    """
    proto = model_pb2.ModelProto()
    proto.ParseFromString(model_path.read_bytes())
    proto.trainer_spec.input[:] = [recorded["input"]]
    proto.trainer_spec.model_prefix = recorded["model_prefix"]
    model_path.write_bytes(proto.SerializeToString())


def train_tokenizer(
    sample_path: Path,
    out_dir: Path,
    cfg: TokenizerConfig,
    sample_report: dict,
    progress: Callable[[str], None] = print,
) -> dict:
    """Train on ``sample_path`` into ``out_dir``; returns what was written.

    Refuses (ValueError) before training when the memory estimate is over
    ``cfg.max_memory_gb``.  Writes ``tokenizer.model``, ``tokenizer.vocab``,
    ``trainer_settings.json``, ``sample_report.json`` and ``trainer.log``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    n_chars = int(sample_report["total"]["sampled_chars"])
    estimate = check_memory(cfg.model_type, n_chars, cfg.max_memory_gb)
    progress(
        f"training {cfg.model_type} vocab {cfg.vocab_size:,} on {n_chars:,} characters; "
        f"estimated peak memory {estimate / (1 << 30):.2f} GB (limit {cfg.max_memory_gb:g} GB)"
    )
    settings = trainer_settings(cfg, sample_path, out_dir / MODEL_NAME, n_chars)
    recorded = dict(settings, input=sample_path.name, model_prefix=MODEL_NAME)
    (out_dir / "trainer_settings.json").write_text(json.dumps(recorded, indent=2, ensure_ascii=False) + "\n")
    report = dict(sample_report, estimated_peak_bytes=estimate)
    (out_dir / "sample_report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    seconds = train_sentencepiece(settings, out_dir / "trainer.log", progress)
    _drop_paths(out_dir / f"{MODEL_NAME}.model", recorded)
    progress(f"trained in {seconds:.1f}s: {out_dir / (MODEL_NAME + '.model')}")
    return {
        "model": str(out_dir / f"{MODEL_NAME}.model"),
        "vocab": str(out_dir / f"{MODEL_NAME}.vocab"),
        "trainer_settings": str(out_dir / "trainer_settings.json"),
        "sample_report": str(out_dir / "sample_report.json"),
        "train_seconds": seconds,
        "estimated_peak_bytes": estimate,
    }
