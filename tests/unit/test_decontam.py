"""Decontamination without Ray: folding, n-grams, eval-set reading, finding planted items."""

from __future__ import annotations

import json
import random

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from decontam_planting import PERTURBATIONS, eval_sets, hosts, item_texts, perturb, plant
from filters.decontam_config import DecontaminateConfig, EvalSetConfig
from filters.decontam_eval_sets import EvalSetError, read_eval_sets
from filters.decontam_fold import folded_batch
from filters.decontam_index import Lookup, build_index, find_in_index, find_keys
from filters.decontam_ngrams import ngrams, streams
from filters.spans import merge_spans, replace_spans

ITEM_EN = "The committee approved the new harbour bridge after eleven years of debate between the two coastal towns."
ITEM_ZH = "这座横跨海湾的新大桥在两个沿海城镇争论了十一年之后终于获得委员会批准。"


def _index(tmp_path, rows: list[dict], **settings):
    path = tmp_path / "eval.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    fields = [k for k in rows[0] if k != "id"]
    cfg = DecontaminateConfig(eval_sets=[EvalSetConfig(path=str(path), fields=fields, id_field="id", name="ev")], **settings)
    return build_index(read_eval_sets(cfg.eval_sets), cfg), cfg


def _labels(index, found) -> list[tuple[int, str]]:
    return sorted(zip(found.doc.tolist(), index.labels.take(pa.array(found.item)).to_pylist()))


def test_spans_point_into_the_stored_text():
    text = "Ｈｅｌｌｏ,  WORLD!\nthis is it"
    folded, classes, offsets = folded_batch(pa.array([text]))
    grams = ngrams(folded, offsets, "word", 2, streams(classes, "char")["word"])
    assert [text[s:e] for s, e in zip(grams.start, grams.end)] == ["Ｈｅｌｌｏ,  WORLD", "WORLD!\nthis", "this is", "is it"]


def test_case_width_punctuation_and_spacing_fold_to_the_same_ngrams():
    variants = [ITEM_EN, ITEM_EN.upper(), perturb(ITEM_EN, "width", random.Random(0)), "  ".join(ITEM_EN.split()) + "!!", ITEM_EN.replace(" ", "\n")]
    folded, classes, offsets = folded_batch(pa.array(variants))
    grams = ngrams(folded, offsets, "word", 4, streams(classes, "char")["word"])
    per_doc = [set(grams.hashes[grams.doc == d].tolist()) for d in range(len(variants))]
    assert all(s == per_doc[0] for s in per_doc) and len(per_doc[0]) == len(ITEM_EN.split()) - 3


def test_each_script_reads_its_own_unit_in_a_mixed_text(tmp_path):
    index, cfg = _index(tmp_path, [{"id": "a", "text": ITEM_ZH}, {"id": "b", "text": ITEM_EN}])
    docs = [f"Notes from the trip. {ITEM_ZH} Back home now.", f"旅行记录。{ITEM_EN}回家了。"]
    assert _labels(index, find_in_index(pa.array(docs), index, cfg)) == [(0, "ev:a"), (1, "ev:b")]


def test_min_overlap_is_a_share_of_the_item(tmp_path):
    sentences = [f"Sentence number {w} of the long item talks about topic {w} at length today." for w in ("one", "two", "three", "four")]
    index, cfg = _index(tmp_path, [{"id": "long", "text": " ".join(sentences)}], min_overlap=0.5)
    half = "Unrelated opening words. " + " ".join(sentences[:3])
    quarter = "Unrelated opening words. " + sentences[0]
    assert _labels(index, find_in_index(pa.array([half, quarter]), index, cfg)) == [(0, "ev:long")]


def test_ngrams_shared_by_many_items_never_match(tmp_path):
    phrase = "which of the following statements is true about the"
    rows = [{"id": str(i), "text": f"{phrase} {w}"} for i, w in enumerate(["cell", "atom", "star", "river"])]
    index, cfg = _index(tmp_path, rows, word_size=8, max_ngram_items=2)
    assert len(find_in_index(pa.array([f"Quiz: {phrase} moon?"]), index, cfg).doc) == 0


def test_lookup_probes_every_key_of_a_crowded_bucket():
    rng = np.random.default_rng(0)
    spread = rng.integers(0, 2**63, 500, dtype=np.uint64) * np.uint64(2)
    crowded = (np.uint64(7) << np.uint64(54)) + np.arange(40, dtype=np.uint64) * np.uint64(3)  # one top-bits bucket
    keys = np.unique(np.r_[spread, crowded])
    lookup = Lookup.of(np.repeat(keys, 2), np.arange(2 * len(keys), dtype=np.int32))
    queries = np.r_[keys[::3], crowded + np.uint64(1), keys[::-7], np.uint64(2**64 - 1)]
    pos, at = find_keys(lookup, queries)
    expected = np.flatnonzero(np.isin(queries, keys))
    assert sorted(pos.tolist()) == expected.tolist()
    assert np.array_equal(lookup.keys[at], queries[pos])


def test_masking_changes_only_the_matched_span(tmp_path):
    index, cfg = _index(tmp_path, [{"id": "a", "text": ITEM_EN}])
    before, after = "A local paper wrote on Monday: ", " Readers disagreed in letters."
    doc = before + ITEM_EN.upper() + after
    found = find_in_index(pa.array([doc]), index, cfg)
    d, s, e = merge_spans(*found.spans())
    masked = replace_spans(pa.array([doc]), d, s, e, ["<EVAL>"] * len(d))[0].as_py()
    assert masked == before + "<EVAL>." + after


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv", "hf"])
def test_eval_sets_in_every_local_format(tmp_path, fmt):
    table = pa.table({"qid": ["q1", "q2"], "question": [ITEM_EN, "Short?"], "choices": [["alpha beta", ITEM_ZH], ["x", "y"]]})
    if fmt == "jsonl":
        path = tmp_path / "set.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in table.to_pylist()), encoding="utf-8")
    elif fmt == "parquet":
        path = tmp_path / "set.parquet"
        pq.write_table(table, path)
    elif fmt == "csv":
        table = table.drop_columns(["choices"])
        path = tmp_path / "set.csv"
        pacsv.write_csv(table, path)
    else:  # a datasets save_to_disk folder: Arrow IPC stream files beside dataset_info.json
        path = tmp_path / "hf_set"
        (path / "test").mkdir(parents=True)
        (path / "test" / "dataset_info.json").write_text("{}")
        with pa.OSFile(str(path / "test" / "data-00000-of-00001.arrow"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    fields = ["question"] if fmt == "csv" else ["question", "choices"]
    items = read_eval_sets([EvalSetConfig(path=str(path), fields=fields, id_field="qid", name="s")])
    assert items.labels == ["s:q1", "s:q2"]
    texts = items.texts.to_pylist()
    expected = [ITEM_EN, "Short?"] + ([] if fmt == "csv" else ["alpha beta", ITEM_ZH, "x", "y"])
    assert texts == expected
    assert items.owner.tolist() == ([0, 1] if fmt == "csv" else [0, 1, 0, 0, 1, 1])


def test_eval_set_errors_name_the_file_and_the_fix(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"question": "q"}\n')
    with pytest.raises(EvalSetError, match=r"set.jsonl: no field 'text' \(fields: question\)"):
        read_eval_sets([EvalSetConfig(path=str(path))])
    with pytest.raises(EvalSetError, match="not found"):
        read_eval_sets([EvalSetConfig(path=str(tmp_path / "missing.jsonl"))])


# -- real corpus text ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_index(corpora):
    sets = eval_sets(corpora)
    cfg = DecontaminateConfig(eval_sets=[EvalSetConfig(path=str(p), fields=f, name=lang) for lang, (p, f) in sets.items()])
    items = {lang: item_texts(p, f) for lang, (p, f) in sets.items()}
    return build_index(read_eval_sets(cfg.eval_sets), cfg), cfg, items, hosts(corpora)


@pytest.mark.corpora
@pytest.mark.parametrize("lang", ["en", "es", "zh", "ja", "ko"])
def test_planted_items_are_found_in_every_language(corpus_index, lang):
    index, cfg, items, host_docs = corpus_index
    rng = random.Random(lang)
    picks = rng.sample(range(len(items[lang])), 20)
    docs = [plant(host_docs[lang][k], perturb(items[lang][i], PERTURBATIONS[k % len(PERTURBATIONS)], rng), rng) for k, i in enumerate(picks)]
    found = find_in_index(pa.array(docs), index, cfg)
    labels = _labels(index, found)
    # KLUE items share premises, so a document may also match the sibling items.
    assert {d for d, _ in labels} == set(range(len(docs)))
    assert all((k, f"{lang}:{i}") in labels for k, i in enumerate(picks))


@pytest.mark.corpora
@pytest.mark.parametrize("lang", ["en", "es", "zh", "ja", "ko"])
def test_text_sharing_phrases_with_items_is_clean(corpus_index, lang):
    index, cfg, items, host_docs = corpus_index
    rng = random.Random(lang)
    clean = [h for h in host_docs[lang][:300] if h not in set(items[lang])]
    docs = []
    for host in clean[:100]:
        item = items[lang][rng.randrange(len(items[lang]))]
        words = item.split()
        # A set phrase: six words of a spaced item, nine characters of a CJK one.
        phrase = " ".join(words[3:9]) if lang in ("en", "es") else item.replace(" ", "")[5:14]
        docs.append(plant(host, phrase, rng))
    found = find_in_index(pa.array(clean + docs), index, cfg)
    assert len(found.doc) == 0


@pytest.mark.corpora
def test_one_sentence_of_a_long_item_is_not_contamination(corpus_index):
    index, cfg, items, host_docs = corpus_index
    long_items = [t for t in items["en"] if t.count(". ") >= 6][:30]
    docs = [plant(host_docs["en"][k], t.split(". ")[2] + ".", random.Random(k)) for k, t in enumerate(long_items)]
    assert len(find_in_index(pa.array(docs), index, cfg).doc) == 0
    assert np.all(np.isin(np.arange(len(docs)), find_in_index(pa.array(long_items), index, cfg).doc))
