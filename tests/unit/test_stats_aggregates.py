"""Every number of the stats of the small hand-made corpus (stats_corpus.py), computed by hand.

Corpus (kept rows a-d, one rejected, one quarantined):

    a  en  s1  "Hello world\\nShare this page"   27 chars  27 bytes  score 0.9
    b  ko  s1  "안녕하세요\\nShare this page"      21 chars  31 bytes  score 0.8
    c  ja  s2  "漢字かなカナ"                      6 chars  18 bytes  score 0.99
    d  en  s2  "Share this page"                 15 chars  15 bytes  score 0.7
    e  es  s1  "hola"   rejected langid:low_score
    f  --  s3  quarantined (bad json)
"""

import numpy as np
import pyarrow as pa
import pytest

from pipeline.stats import histograms as H
from pipeline.stats import schema as S
from pipeline.stats.aggregates import Stats
from pipeline.stats.settings import StatsConfig
from tests.unit.stats_corpus import INPUT, corpus, report_of


def test_every_number_of_the_hand_corpus():
    rep = report_of(corpus(), stage="langid")
    assert rep.totals == S.Totals(documents=4, characters=69, bytes=91, tokens=None, rejected=1, quarantined=1)
    assert sorted(rep.languages) == ["en", "ja", "ko"]
    en, ko, ja = rep.languages["en"], rep.languages["ko"], rep.languages["ja"]
    assert (en.documents, en.characters, en.bytes) == (2, 42, 42)
    assert (ko.documents, ko.characters, ko.bytes) == (1, 21, 31)
    assert (ja.documents, ja.characters, ja.bytes) == (1, 6, 18)
    assert en.share_of_documents == 0.5 and en.share_of_characters == round(42 / 69, 6)
    assert ja.bytes_per_character == 3.0
    lengths = en.characters_per_document
    assert (lengths.count, lengths.mean, lengths.min, lengths.max) == (2, 21.0, 15, 27)
    assert lengths.percentiles["p50"] == 15 and lengths.percentiles["p90"] == 27
    assert [(b.low, b.high, b.count) for b in lengths.histogram] == [(15, 15, 1), (27, 27, 1)]
    score = en.lang_score
    assert score.count == 2 and score.min == pytest.approx(0.7) and score.max == pytest.approx(0.9)
    assert abs(score.percentiles["p50"] - 0.7) <= H.SCORE_ABSOLUTE_ERROR + 1e-9
    # en: 36 Latin letters and 6 whitespace characters (spaces and one newline).
    assert en.script_mix["latin"] == round(36 / 42, 6) and en.script_mix["space"] == round(6 / 42, 6)
    assert ja.script_mix == {"space": 0.0, "digit": 0.0, "symbol": 0.0, "latin": 0.0, "hangul": 0.0, "kana": round(4 / 6, 6), "han": round(2 / 6, 6), "other": 0.0}
    assert ko.script_mix["hangul"] == round(5 / 21, 6)
    assert rep.sources == {"s1": S.Volume(documents=2, characters=48, bytes=58), "s2": S.Volume(documents=2, characters=21, bytes=33)}
    assert rep.rejected == [S.Rejected(stage="langid", reason="langid:low_score", language="es", documents=1, characters=4, bytes=4)]
    assert rep.quarantine == S.Quarantine(documents=1, by_source={"s3": 1})
    lines = rep.repeated_lines
    assert (lines.lines_counted, lines.error_bound) == (4, 0)  # two Korean/Japanese lines are under 10 chars
    assert [(l.text, l.count) for l in lines.top] == [("Share this page", 3)]
    assert rep.duplicates is None and rep.tokens is None


def test_merging_partials_equals_one_pass():
    table = corpus()
    whole = report_of(table)
    assert report_of(table.slice(0, 2), table.slice(2, 1), table.slice(3)) == whole


def test_single_document_and_empty_input():
    one = report_of(corpus().slice(0, 1))
    assert one.totals.documents == 1 and one.languages["en"].characters_per_document.percentiles["p99"] == 27
    empty = report_of(corpus().slice(0, 0))
    assert empty.totals == S.Totals(documents=0, characters=0, bytes=0, tokens=None, rejected=0, quarantined=0)
    assert empty.languages == {} and empty.repeated_lines.top == []


def test_raw_documents_without_language_columns():
    rep = report_of(pa.table({"text": ["abc", "défg"]}))
    assert list(rep.languages) == ["und"] and rep.languages["und"].lang_score is None
    assert rep.sources == {"(none)": S.Volume(documents=2, characters=7, bytes=8)}


def test_tokens_and_cluster_sizes():
    stats = Stats()
    stats.add_token_rows(pa.table({"lang": ["en", "en", "ko"], "n_tokens": pa.array([10, 30, 7], pa.int32())}))
    stats.add_cluster_sizes(np.array([1, 1, 1, 2, 5]))
    rep = stats.to_report(INPUT)
    assert rep.totals.tokens == 47 and rep.totals.documents == 3
    en = rep.tokens.by_language["en"]
    assert (en.documents, en.tokens, en.share_of_tokens) == (2, 40, round(40 / 47, 6))
    assert en.tokens_per_document.percentiles["p50"] == 10
    dup = rep.duplicates
    assert (dup.documents, dup.clusters, dup.duplicate_documents, dup.clusters_with_duplicates) == (10, 5, 5, 2)
    assert dup.duplicate_rate == 0.5 and dup.cluster_size.max == 5


def test_sources_beyond_the_cap_fold_into_other():
    table = pa.table({"text": ["x"] * 5, "source": ["a", "a", "a", "b", "c"]})
    rep = report_of(table, cfg=StatsConfig(max_sources=2))
    assert rep.sources == {"a": S.Volume(documents=3, characters=3, bytes=3), "(other)": S.Volume(documents=2, characters=2, bytes=2)}
