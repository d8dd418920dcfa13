"""`pentaglot export` from shards on S3 to datasets on S3 (the local S3 server)."""

import os

import boto3
import numpy as np
import pytest
from shard_fixtures import documents, write_folder

from pentaglot_reader.mixture import Mixture
from pentaglot_reader.shards import TokenShards
from pipeline.config import StorageConfig
from pipeline.export.job import EXPORT_MANIFEST, run_export
from pipeline.shards.config import TokenizeConfig
from pipeline.storage import Storage

pytestmark = [pytest.mark.s3, pytest.mark.ray]
megatron = pytest.importorskip("megatron.core.datasets.indexed_dataset")


def test_export_reads_and_writes_s3(ray_session, s3_endpoint, s3_bucket, tmp_path):
    local = str(tmp_path / "shards")
    write_folder(local, documents(120), TokenizeConfig(special_tokens="eos"))
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    for name in os.listdir(local):
        s3.upload_file(os.path.join(local, name), s3_bucket, f"tokens/{name}")
    storage = Storage(StorageConfig(endpoint_url=s3_endpoint))
    out = f"s3://{s3_bucket}/megatron"
    mixture = Mixture(shares={"ko": 0.5, "zh": 0.5}, tokens=3000)
    report = run_export(f"s3://{s3_bucket}/tokens", out, mixture, seed=1, storage=storage)
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket, Prefix="megatron/")["Contents"])
    assert keys == [f"megatron/{n}" for n in sorted([EXPORT_MANIFEST] + [f"{lang}{suffix}" for lang in ("ko", "zh")
                                                                     for suffix in (".bin", ".idx", ".provenance.parquet")])]
    local_out = tmp_path / "out"
    local_out.mkdir()
    for key in keys:
        s3.download_file(s3_bucket, key, str(local_out / key.split("/")[-1]))
    local_report = run_export(local, str(tmp_path / "local"), mixture, seed=1)
    reader = TokenShards(local)
    for lang in ("ko", "zh"):
        assert (local_out / f"{lang}.bin").read_bytes() == (tmp_path / "local" / f"{lang}.bin").read_bytes()
        dataset = megatron.IndexedDataset(str(local_out / lang))
        assert int(dataset.sequence_lengths.sum()) == next(r["tokens"] for r in report.manifest["mixture"]["languages"] if r["lang"] == lang)
        assert np.array_equal(dataset[0], reader.doc(int(np.flatnonzero(np.array(reader.lang_of(np.arange(reader.num_docs))) == lang)[0])))
    assert report.manifest["mixture"]["languages"] == local_report.manifest["mixture"]["languages"]
