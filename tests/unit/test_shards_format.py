"""Shard format: dtype selection, schema metadata, what a shard file looks like."""

import numpy as np
import pyarrow as pa
import pytest

from pentaglot_reader.format import (
    TOKENS,
    TokenizerInfo,
    info_from_schema,
    shard_schema,
    token_dtype,
)
from pipeline.shards.writer import serialize_shard, split_points


def _info(vocab_size: int) -> TokenizerInfo:
    return TokenizerInfo(sha256="ab" * 32, vocab_size=vocab_size, bos_id=1, eos_id=2, pad_id=-1, unk_id=0)


@pytest.mark.parametrize(
    "vocab, dtype",
    [(500, np.uint16), (65535, np.uint16), (65536, np.uint16), (65537, np.uint32), (256_000, np.uint32)],
)
def test_token_dtype_is_uint16_exactly_when_every_id_fits(vocab, dtype):
    assert token_dtype(vocab) == np.dtype(dtype)


def test_token_dtype_rejects_impossible_vocab_sizes():
    with pytest.raises(ValueError):
        token_dtype(0)
    with pytest.raises(ValueError):
        token_dtype((1 << 32) + 1)


def test_schema_metadata_round_trips_tokenizer_identity():
    info = _info(70_000)
    version, back = info_from_schema(shard_schema(info))
    assert version == 1
    assert back == info


def test_non_pentaglot_schema_is_refused():
    with pytest.raises(ValueError, match="not a pentaglot shard"):
        info_from_schema(pa.schema([pa.field("x", pa.int32())]))


def _token_table(lists: list[list[int]]) -> pa.Table:
    return pa.table(
        {
            "id": [f"d{i}" for i in range(len(lists))],
            "lang": ["en"] * len(lists),
            "n_tokens": pa.array([len(x) for x in lists], pa.int32()),
            TOKENS: pa.array(lists, pa.large_list(pa.int64())),
        }
    )


@pytest.mark.parametrize("vocab, width", [(32_000, 2), (100_000, 4)])
def test_shard_is_an_uncompressed_ipc_file_with_the_selected_width(vocab, width):
    ids = [[1, 2, vocab - 1], [vocab - 2]]
    data = serialize_shard(_token_table(ids), _info(vocab))
    reader = pa.ipc.open_file(data)
    assert reader.num_record_batches == 1
    batch = reader.get_batch(0)
    values = batch.column(TOKENS).values
    assert values.type.bit_width == width * 8
    assert values.to_pylist() == [1, 2, vocab - 1, vocab - 2]
    # Uncompressed: the token buffer sits in the file verbatim, so mmap readers need no decode.
    assert np.asarray(values).tobytes() in data.to_pybytes()


def test_split_points_cut_at_multiples_of_the_target():
    sizes = np.array([40, 40, 40, 200, 10, 10])
    assert split_points(sizes, 100).tolist() == [0, 3, 4]
    assert split_points(np.array([], dtype=np.int64), 100).tolist() == []


def test_source_is_dictionary_encoded_in_row_order_whatever_the_chunks():
    table = _token_table([[1], [2], [3], [4]]).append_column("source", pa.array(["b.jsonl", "a.jsonl", "b.jsonl", None]))
    rechunked = pa.concat_tables([table.slice(0, 1), table.slice(1, 3)])
    data = serialize_shard(table, _info(500))
    assert serialize_shard(rechunked, _info(500)) == data
    source = pa.ipc.open_file(data).get_batch(0).column("source")
    assert source.type == pa.dictionary(pa.int32(), pa.string())
    assert source.dictionary.to_pylist() == ["b.jsonl", "a.jsonl"]
    assert source.to_pylist() == ["b.jsonl", "a.jsonl", "b.jsonl", None]
    unknown = pa.ipc.open_file(serialize_shard(_token_table([[1]]), _info(500))).get_batch(0).column("source")
    assert unknown.to_pylist() == [None]
