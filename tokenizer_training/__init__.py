"""Corpus sampling, sentencepiece training and tokenizer evaluation (no Ray inside)."""
