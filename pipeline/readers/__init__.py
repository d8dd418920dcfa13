"""Readers: raw files (JSONL, Parquet, plain text; local or S3) into document tables."""
