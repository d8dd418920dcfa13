"""Peak memory of sentencepiece training, estimated from the sample before training starts.

sentencepiece holds every training sentence in memory plus its own index over
them (a suffix array for unigram seed pieces, pair counts for BPE), and a run
that runs out of memory dies after hours with nothing written.  Estimating
first lets ``tokenizer train`` refuse up front and name the setting to lower.

The per-character figures are upper bounds.  29 bytes per character for
unigram is sentencepiece's documented rule of thumb.  BPE keeps a linked
symbol per character of every distinct whitespace-delimited word, and Chinese
and Japanese lines are one long "word" each, so its cost grows with the CJK
share: on our five-language samples (benchmarks/tokenizer_balance.py) a 2.1M
character sample peaked at 146 MB for BPE against 89 MB for unigram, i.e.
about 60 bytes per character above the process baseline; 64 covers it.
"""

from __future__ import annotations

BYTES_PER_CHAR = {"unigram": 29.0, "bpe": 64.0}
# Process baseline (interpreter, sentencepiece, normalizer tables) before any text.
BASE_BYTES = 64 << 20
# Suffix array entries double from 32 to 64 bits past this many characters.
LARGE_CORPUS_CHARS = 1 << 30


def estimate_peak_bytes(model_type: str, n_chars: int) -> int:
    """Upper estimate of the trainer's peak resident memory for ``n_chars`` of sample."""
    per_char = BYTES_PER_CHAR[model_type]
    if n_chars > LARGE_CORPUS_CHARS:
        per_char += 4.0
    return int(BASE_BYTES + per_char * n_chars)


def check_memory(model_type: str, n_chars: int, max_memory_gb: float) -> int:
    """The estimate in bytes; a ValueError naming the settings to change when it is over the limit."""
    estimate = estimate_peak_bytes(model_type, n_chars)
    if estimate > max_memory_gb * (1 << 30):
        raise ValueError(
            f"training on {n_chars:,} sampled characters needs about {estimate / (1 << 30):.1f} GB "
            f"(limit {max_memory_gb:g} GB): lower tokenizer.char_budget (--char-budget) "
            f"or raise tokenizer.max_memory_gb (--max-memory-gb)"
        )
    return estimate
