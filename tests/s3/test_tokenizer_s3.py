"""Tokenizer training from and to the local S3 server."""

from __future__ import annotations

import json
import random

import boto3
import pytest
import sentencepiece as spm

from pipeline.config import StorageConfig
from pipeline.stages.tokenizer_train import train_from_corpus
from pipeline.storage import Storage
from tokenizer_training.train import TokenizerConfig

pytestmark = [pytest.mark.s3, pytest.mark.ray]


def test_train_reads_s3_input_and_uploads_the_tokenizer_folder(ray_session, s3_endpoint, s3_bucket):
    rng = random.Random(3)
    words = ["".join(rng.choice("abcdefghijklmnoprstuvwyz") for _ in range(rng.randint(2, 7))) for _ in range(300)]
    rows = [
        {"id": f"d{i}", "lang": "en" if i % 2 else "es", "text": " ".join(rng.choice(words) for _ in range(40))}
        for i in range(400)
    ]
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    s3.put_object(Bucket=s3_bucket, Key="corpus/docs.jsonl", Body=body)
    storage = Storage(StorageConfig(endpoint_url=s3_endpoint))
    out = f"s3://{s3_bucket}/tok"
    result = train_from_corpus(
        [f"s3://{s3_bucket}/corpus/"], out, TokenizerConfig(vocab_size=600, num_threads=1),
        storage=storage, progress=lambda _: None,
    )
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix="tok/")["Contents"]}
    for name in ("tokenizer.model", "tokenizer.vocab", "trainer_settings.json", "sample_report.json", "sample.txt"):
        assert f"tok/{name}" in keys
    assert result["model"] == f"{out}/tokenizer.model"
    sp = spm.SentencePieceProcessor(model_proto=storage.read_bytes(result["model"]))
    assert sp.GetPieceSize() == 600
    assert result["sample"]["total"]["corpus_docs"] == 400
