"""The hand-made corpus of the stats tests; its rows and hand-computed numbers are in test_stats_aggregates.py."""

import pyarrow as pa

from pipeline.stats import schema as S
from pipeline.stats.aggregates import Stats

INPUT = S.Input(path="hand", kind="stage", stages=["langid"], sample_fraction=None)


def corpus() -> pa.Table:
    return pa.table(
        {
            "id": ["a", "b", "c", "d", "e", "f"],
            "text": pa.array(
                ["Hello world\nShare this page", "안녕하세요\nShare this page", "漢字かなカナ", "Share this page", "hola", None],
                pa.large_string(),
            ),
            "source": ["s1", "s1", "s2", "s2", "s1", "s3"],
            "lang": ["en", "ko", "ja", "en", "es", None],
            "lang_score": pa.array([0.9, 0.8, 0.99, 0.7, 0.2, None], pa.float32()),
            "drop_reason": [None, None, None, None, "langid:low_score", None],
            "error": [None, None, None, None, None, "bad json"],
        }
    )


def report_of(*tables, cfg=None, stage="") -> S.StatsReport:
    """The report of ``tables`` folded into separate partials and merged, as Ray tasks do."""
    stats = Stats(cfg)
    for t in tables:
        part = Stats(cfg)
        part.add_table(t, stage)
        stats.merge(part)
    return stats.to_report(INPUT)
