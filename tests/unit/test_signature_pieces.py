"""Near dedup hashes signatures over budget-sized pieces of text: same signatures, bounded pieces."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters.dedup_config import DedupConfig
from filters.dedup_signatures import document_signatures
from pipeline.stages.dedup_near import piecewise_signatures, signature_piece_bytes, text_pieces


def test_pieces_hold_at_most_the_limit_plus_one_document():
    rng = np.random.default_rng(0)
    texts = pa.array(["x" * int(n) for n in rng.integers(0, 300, 500)], pa.large_string())
    bounds = text_pieces(texts, 1000)
    lengths = pc.binary_length(texts).to_numpy()
    assert bounds[0] == 0 and bounds[-1] == len(texts) and np.all(np.diff(bounds) > 0)
    for a, b in zip(bounds[:-1], bounds[1:]):
        assert lengths[a : b - 1].sum() < 1000


def test_piecewise_signatures_equal_one_call():
    texts = pa.array(
        ["The cat sat on the mat today. " * k for k in range(1, 40)] + ["東京の天気は晴れです。" * 30, "", "서울의 날씨는 맑습니다. " * 20, "x" * 5000],
        pa.large_string(),
    )
    langs = pa.array(["en"] * 39 + ["ja", "en", "ko", "en"])
    cfg = DedupConfig()
    assert np.array_equal(piecewise_signatures(texts, langs, cfg, 700), document_signatures(texts, langs, cfg))


def test_a_2_gib_budget_hashes_about_12_mb_of_text_at_once():
    assert 12 << 20 <= signature_piece_bytes(2048 << 20) <= 13 << 20
