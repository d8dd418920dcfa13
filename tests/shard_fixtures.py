"""A tiny five-language tokenizer and documents for the token shard tests.

Training takes well under a second; it is cached per process so every shard
test file shares one model.  Hand-written text keeps these tests independent
of ../shared/corpora.
"""

from __future__ import annotations

import functools
import io

import pyarrow as pa

SENTENCES = {
    "en": [
        "The quick brown fox jumps over the lazy dog.",
        "Data teams prepare multilingual corpora before training large models.",
        "Every shard is checked against its manifest before a GPU hour is spent.",
        "Rain is expected in the northern valleys on Thursday afternoon.",
    ],
    "es": [
        "El rápido zorro marrón salta sobre el perro perezoso.",
        "Los equipos de datos preparan corpus multilingües antes de entrenar.",
        "¿Dónde está la biblioteca más cercana a la estación de tren?",
        "Mañana lloverá en los valles del norte por la tarde.",
    ],
    "ko": [
        "빠른 갈색 여우가 게으른 개를 뛰어넘는다.",
        "데이터 팀은 대규모 모델을 학습하기 전에 다국어 말뭉치를 준비한다.",
        "가장 가까운 도서관은 기차역 옆에 있습니다.",
        "목요일 오후에는 북쪽 계곡에 비가 올 예정입니다.",
    ],
    "zh": [
        "敏捷的棕色狐狸跳过了懒狗。",
        "数据团队在训练大型模型之前准备多语言语料库。",
        "最近的图书馆在火车站旁边。",
        "星期四下午北部山谷预计会下雨。",
    ],
    "ja": [
        "素早い茶色の狐がのろまな犬を飛び越える。",
        "データチームは大規模モデルの学習前に多言語コーパスを準備する。",
        "一番近い図書館は駅の隣にあります。",
        "木曜日の午後は北の谷で雨が降る見込みです。",
    ],
}
LANGS = tuple(SENTENCES)


@functools.lru_cache(maxsize=4)
def tokenizer_model(vocab_size: int = 400, model_type: str = "unigram") -> bytes:
    """A sentencepiece model trained on SENTENCES (identity normalization: exact round trip)."""
    import sentencepiece as spm

    lines = [s for sents in SENTENCES.values() for s in sents] * 20
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        model_type=model_type,
        character_coverage=1.0,
        normalization_rule_name="identity",
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def documents(n: int, seed: int = 0) -> pa.Table:
    """``n`` documents cycling through the languages; text mixes 1-4 sentences.

    Each names its own ``source`` (as a stage output's rows name their input
    file), so the shards are the same however the rows are split into files.
    """
    ids, texts, langs = [], [], []
    for i in range(n):
        lang = LANGS[i % len(LANGS)]
        sents = SENTENCES[lang]
        k = 1 + (i * 7 + seed) % 4
        ids.append(f"doc-{seed}-{i:06d}")
        langs.append(lang)
        texts.append(" ".join(sents[(i + j) % len(sents)] for j in range(k)))
    sources = [f"corpus/{lang}-{i % 3}.jsonl" for i, lang in enumerate(langs)]
    return pa.table({"id": ids, "text": pa.array(texts, pa.large_string()), "lang": langs, "source": sources})


def write_folder(out: str, docs: pa.Table, config=None, pieces: int = 3, target_bytes: int = 4096) -> dict:
    """A committed shard folder written without Ray (the same writer the tokenize actors call)."""
    from pentaglot_reader import manifest as mf
    from pentaglot_reader.format import MANIFEST_NAME
    from pipeline.shards.config import TokenizeConfig
    from pipeline.shards.encode import Encoder
    from pipeline.shards.writer import write_shards
    from pipeline.storage import Storage, join

    encoder = Encoder(tokenizer_model(), config or TokenizeConfig())
    table = encoder.encode_table(docs)
    storage = Storage()
    step = -(-table.num_rows // pieces)
    entries = [
        entry
        for piece, start in enumerate(range(0, table.num_rows, step))
        for entry in write_shards(storage, out, piece, table.slice(start, step), encoder.info, target_bytes)
    ]
    manifest = mf.build_manifest(encoder.info, "tiny.model", {}, entries)
    storage.write_bytes(join(out, MANIFEST_NAME), mf.dumps(manifest))
    return manifest
