"""Near-duplicate quality: pairwise precision/recall/F1 per language, pentaglot vs
the baseline a user writes first (datasketch ``MinHashLSH``, word 5-grams, 0.8).

Two labelled sets are built from ../shared/corpora documents in all five
languages (seeded), from disjoint halves of each language's source documents:
the *tuning* set is where the threshold sweep and the shingle study run (and
where the defaults, 0.6 and character 5-grams, are checked to still be what
they would pick); the *reporting* set, whose documents the tuning never saw,
gives the headline precision/recall/F1 of the default and of the baseline.  Originals are page-sized (consecutive documents joined to
at least 8 sentences / 600 characters).  Each gets two copies with two of the
edits real web copies show (boilerplate header/footer, a sentence removed or
replaced, typos, truncation, re-wrapped lines, full-/half-width punctuation);
a group {original, copies} is one true cluster.  Hard negatives are different
documents (their first five sentences) wrapped in one long shared site
template.

The shingle study measures which shingles work for ko/en/es (the language
table's ``shingle_unit``/``shingle_size``).  The real Ray stage runs on the
reporting set to check it finds exactly what the pure path finds (as configured,
and with its components forced onto the distributed rounds).  Writes
benchmarks/results/dedup_quality.json.

    python benchmarks/dedup_quality.py [--per-lang 40]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import documents  # noqa: E402
from measure import CORPORA, save  # noqa: E402

from filters.dedup_config import DedupConfig, ShingleOverride  # noqa: E402
from filters.dedup_signatures import document_signatures  # noqa: E402
from filters.lsh import band_keys, bucket_pairs, label_salts, optimal_bands, verified  # noqa: E402
from pipeline.stages import components  # noqa: E402

LANGS = ("ko", "en", "zh", "ja", "es")
CJK = {"zh", "ja"}
SENTENCE_END = re.compile(r"(?<=[。！？.!?])\s*")
WIDE = dict(zip(",.!?:;()", "，。！？：；（）"))
NARROW = {v: k for k, v in WIDE.items()}

BOILERPLATE = {
    "en": ["Home | News | Sports | Business | Contact us", "Share this article: Facebook Twitter Email", "© 2024 The Daily Herald. All rights reserved."],
    "es": ["Inicio | Noticias | Deportes | Economía | Contacto", "Compartir en: Facebook Twitter Correo", "© 2024 El Diario. Todos los derechos reservados."],
    "zh": ["首页 | 新闻 | 体育 | 财经 | 联系我们", "分享到：微博 微信 邮件", "版权所有 © 2024 新闻网 未经授权禁止转载"],
    "ja": ["ホーム | ニュース | スポーツ | 経済 | お問い合わせ", "この記事をシェアする：フェイスブック ツイッター", "© 2024 ニュースサイト 無断転載を禁じます。"],
    "ko": ["홈 | 뉴스 | 스포츠 | 경제 | 문의하기", "이 기사를 공유하기: 페이스북 트위터 이메일", "ⓒ 2024 뉴스타임즈 무단전재 및 재배포 금지"],
}
# A long site template (navigation, cookie notice, legal footer) per language.
TEMPLATE = {
    "en": ("Welcome to City Community Portal. Menu: Home, Events, Services, Housing, Transport, Schools, Libraries, Parks. "
           "We use cookies to improve your experience on our website. By continuing to browse you agree to our use of cookies and our privacy policy. ",
           " Posted in Community Notices. Related links: council meetings, waste collection calendar, parking permits, planning applications. "
           "Copyright 2024 City Community Portal. All rights reserved. Terms of use. Accessibility statement. Sitemap."),
    "es": ("Bienvenido al Portal de la Comunidad. Menú: Inicio, Eventos, Servicios, Vivienda, Transporte, Escuelas, Bibliotecas, Parques. "
           "Utilizamos cookies para mejorar su experiencia en nuestro sitio web. Al continuar navegando acepta nuestra política de privacidad. ",
           " Publicado en Avisos de la Comunidad. Enlaces relacionados: plenos municipales, calendario de recogida, permisos de aparcamiento. "
           "Copyright 2024 Portal de la Comunidad. Todos los derechos reservados. Aviso legal. Accesibilidad. Mapa del sitio."),
    "zh": ("欢迎访问城市社区门户网站。导航：首页、活动、服务、住房、交通、学校、图书馆、公园。本网站使用Cookie来改善您的浏览体验，继续浏览即表示您同意我们的隐私政策。",
           "发布于社区公告。相关链接：议会会议、垃圾收集日历、停车许可证、规划申请。版权所有2024城市社区门户网站，保留所有权利。使用条款、无障碍声明、网站地图。"),
    "ja": ("シティコミュニティポータルへようこそ。メニュー：ホーム、イベント、サービス、住宅、交通、学校、図書館、公園。当サイトではより良いサービスを提供するためにクッキーを使用しています。閲覧を続けることでプライバシーポリシーに同意したものとみなされます。",
           "コミュニティのお知らせに掲載。関連リンク：議会の日程、ごみ収集カレンダー、駐車許可、都市計画の申請。著作権2024シティコミュニティポータル。無断転載を禁じます。利用規約、アクセシビリティ、サイトマップ。"),
    "ko": ("시티 커뮤니티 포털에 오신 것을 환영합니다. 메뉴: 홈, 행사, 서비스, 주거, 교통, 학교, 도서관, 공원. "
           "이 웹사이트는 더 나은 서비스를 제공하기 위해 쿠키를 사용합니다. 계속 이용하시면 개인정보 처리방침에 동의하는 것으로 간주됩니다. ",
           " 커뮤니티 공지에 게시됨. 관련 링크: 의회 일정, 쓰레기 수거 달력, 주차 허가, 도시 계획 신청. "
           "저작권 2024 시티 커뮤니티 포털. 모든 권리 보유. 이용 약관. 접근성 안내. 사이트맵."),
}
# Shingle settings measured for the spaced languages (zh/ja are characters by design).
CANDIDATES = [("word", 3), ("word", 5), ("char", 4), ("char", 5), ("char", 7)]
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


# -- building the labelled set ---------------------------------------------------------
def sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text) if s.strip()]


def joiner(lang: str) -> str:
    return "" if lang in CJK else " "


def add_boilerplate(text, lang, rng, pool):
    lines = BOILERPLATE[lang]
    return f"{lines[0]}\n{text}\n{rng.choice(lines[1:])}"


def drop_or_replace_sentence(text, lang, rng, pool):
    parts = sentences(text)
    if len(parts) < 4:
        return text
    i = rng.randrange(len(parts))
    if rng.random() < 0.5:
        del parts[i]
    else:
        parts[i] = rng.choice(sentences(rng.choice(pool)) or [parts[i]])
    return joiner(lang).join(parts)


def typos(text, lang, rng, pool):
    chars = list(text)
    for _ in range(max(1, len(chars) // 200)):
        i = rng.randrange(max(1, len(chars) - 1))
        op = rng.choice(("swap", "drop", "double"))
        if op == "swap":
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif op == "drop":
            del chars[i]
        else:
            chars.insert(i, chars[i])
    return "".join(chars)


def truncate(text, lang, rng, pool):
    return text[: int(len(text) * rng.uniform(0.88, 0.95))]


def rewrap(text, lang, rng, pool):
    flat = re.sub(r"\s*\n\s*", joiner(lang), text)
    width = rng.randint(30, 70)
    if lang in CJK:
        return "\n".join(flat[i : i + width] for i in range(0, len(flat), width))
    lines, line = [], ""
    for word in flat.split(" "):
        if len(line) + len(word) > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])


def punctuation_width(text, lang, rng, pool):
    table = WIDE if rng.random() < 0.5 else NARROW
    return "".join(table.get(c, c) for c in text)


EDITS = (add_boilerplate, drop_or_replace_sentence, typos, truncate, rewrap, punctuation_width)


def pages(texts: list[str], lang: str) -> list[str]:
    """Web-page-sized originals: consecutive documents joined until a page has at
    least 8 sentences and 600 characters, whole sentences up to 2500."""
    out, current = [], []
    for text in texts:
        current += sentences(text.strip())
        page = joiner(lang).join(current)
        if len(current) >= 8 and len(page) >= 600:
            out.append(page[: page.rfind(current[-1])] if len(page) > 2500 and len(current) > 8 else page)
            current = []
    return out


def distinct(pages_: list[str], lang: str, limit: float = 0.3) -> list[str]:
    """Drop pages that already overlap an earlier one (exact character 5-gram
    Jaccard >= ``limit``): the fake-news set holds rewrites of one story, and
    labelling those "different" would charge a correct match as an error."""
    kept: list[tuple[str, set]] = []
    for page in pages_:
        grams = {page[i : i + 5] for i in range(len(page) - 4)}
        if all(len(grams & other) < limit * len(grams | other) for _, other in kept):
            kept.append((page, grams))
    return [page for page, _ in kept]


PARTS = ("tune", "report")


def source_half(items: list[str], part: str, seed: int) -> list[str]:
    """The tuning or the reporting half of a language's source documents.

    Whole source documents are dealt to one side by a seeded shuffle (their
    order within a side kept), so no document lends text to both sets.
    """
    order = random.Random(seed).sample(range(len(items)), len(items))
    chosen = set(order[: len(items) // 2] if part == "tune" else order[len(items) // 2 :])
    return [item for i, item in enumerate(items) if i in chosen]


def labelled_set(per_lang: int, seed: int, part: str) -> tuple[list[str], list[str], list[int], dict]:
    """texts, langs, true group per doc, and counts of what was built, from ``part``'s source documents."""
    rng = random.Random(seed)
    by_lang: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for lang, text in documents():
        by_lang[lang].append(text)
    # Korean has the least long-form text in the corpora; Tatoeba sentences
    # (shuffled, so a page is not one topic) fill its pages.
    tatoeba_ko = CORPORA / "tatoeba_opus_v2021-08-07" / "eng-kor.tatoeba-test-v2021-08-07.kor"
    extra = [line for line in tatoeba_ko.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(seed).shuffle(extra)
    by_lang = {lang: source_half(texts, part, seed) for lang, texts in by_lang.items()}
    by_lang["ko"] += source_half(extra, part, seed)
    texts, langs, groups, built = [], [], [], Counter()
    group = 0
    for lang in LANGS:
        pool = pages(by_lang[lang], lang)
        rng.shuffle(pool)
        pool = distinct(pool[: per_lang * 2], lang)
        originals, negatives = pool[:per_lang], pool[per_lang : per_lang + per_lang // 2]
        for original in originals:
            texts.append(original), langs.append(lang), groups.append(group)
            for _ in range(2):
                copy = original
                for edit in rng.sample(EDITS, 2):
                    copy = edit(copy, lang, rng, pool)
                texts.append(copy), langs.append(lang), groups.append(group)
            group += 1
            built[f"{lang}_near_dup_groups"] += 1
        head, tail = TEMPLATE[lang]
        for doc in negatives:
            body = joiner(lang).join(sentences(doc)[:5])
            texts.append(f"{head}{body}{tail}"), langs.append(lang), groups.append(group)
            group += 1
            built[f"{lang}_template_negatives"] += 1
    return texts, langs, groups, dict(built)


# -- methods -----------------------------------------------------------------------------
def pentaglot_labels(texts, langs, cfg: DedupConfig) -> np.ndarray:
    """The stage's algorithm on one process: signatures, banding, verification, components."""
    lang_arr = pa.array(langs)
    sigs = document_signatures(pa.array(texts), lang_arr, cfg)
    bands, rows = optimal_bands(cfg.threshold, cfg.num_perm)
    keys = band_keys(sigs, bands, rows, label_salts(lang_arr))
    left, right = bucket_pairs(keys.ravel(), np.repeat(np.arange(len(texts)), bands))
    ok = verified(sigs[left], sigs[right], cfg.threshold)
    return labels_from_pairs(left[ok], right[ok], len(texts))


def baseline_labels(texts, threshold=0.8, num_perm=128) -> np.ndarray:
    """What a user writes first: word 5-gram shingles, datasketch MinHashLSH, union of query hits."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes = []
    for i, text in enumerate(texts):
        words = text.split()
        grams = {" ".join(words[j : j + 5]).encode("utf-8") for j in range(max(1, len(words) - 4))}
        m = MinHash(num_perm=num_perm)
        m.update_batch(list(grams))
        lsh.insert(i, m)
        hashes.append(m)
    left, right = [], []
    for i, m in enumerate(hashes):
        for j in lsh.query(m):
            if j != i:
                left.append(i), right.append(j)
    return labels_from_pairs(np.array(left, dtype=np.int64), np.array(right, dtype=np.int64), len(texts))


def labels_from_pairs(left, right, n) -> np.ndarray:
    labels = np.arange(n)
    if len(left):
        edges = pa.table({"left": pa.array([f"{i:08d}" for i in left]), "right": pa.array([f"{i:08d}" for i in right]),
                          "left_prio": pa.nulls(len(left), pa.float64()), "right_prio": pa.nulls(len(left), pa.float64())})
        mapping = components.clusters(edges)
        labels[[int(i) for i in mapping["id"].to_pylist()]] = [int(c) for c in mapping["cluster"].to_pylist()]
    return labels


# -- scoring -----------------------------------------------------------------------------
def pair_counts(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def pairwise(truth: np.ndarray, pred: np.ndarray) -> dict:
    """Pairwise precision/recall/F1 from the contingency of true and predicted clusters."""
    both = pair_counts(truth.astype(np.int64) * (int(pred.max()) + 1) + pred)
    true_pairs, pred_pairs = pair_counts(truth), pair_counts(pred)
    p = both / pred_pairs if pred_pairs else 1.0
    r = both / true_pairs if true_pairs else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "true_pairs": true_pairs, "predicted_pairs": pred_pairs}


def per_language(langs, truth, pred) -> dict:
    langs = np.array(langs)
    out = {lang: pairwise(truth[langs == lang], pred[langs == lang]) for lang in LANGS}
    cross = sum(len(set(langs[pred == c])) > 1 for c in np.unique(pred))
    out["clusters_spanning_languages"] = int(cross)
    return out


def ray_stage_labels(texts, langs, cfg: DedupConfig) -> np.ndarray:
    """The stage as ``pentaglot dedup`` runs it: its kept datasets checkpointed to files and read back."""
    import tempfile

    import ray

    from pipeline.checkpoints import Checkpoints
    from pipeline.resources import ResourcesConfig
    from pipeline.runtime import ensure_ray
    from pipeline.stages.dedup import dedup
    from pipeline.storage import Storage

    ensure_ray(num_cpus=2)
    ids = [f"{i:08d}" for i in range(len(texts))]
    ds = ray.data.from_arrow(pa.table({"id": ids, "text": pa.array(texts, pa.large_string()), "lang": langs}))
    with tempfile.TemporaryDirectory() as tmp:
        kept = Checkpoints.under(tmp, Storage(), ResourcesConfig().dedup)
        out = pa.concat_tables(ray.get(dedup(ds, cfg, kept=kept).to_arrow_refs()))
    labels = np.arange(len(texts))
    labels[[int(i) for i in out["id"].to_pylist()]] = [int(c) for c in out["dup_cluster"].to_pylist()]
    return labels


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-lang", type=int, default=40, help="near-duplicate groups per language in each set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--study-threshold", type=float, default=DedupConfig().threshold, help="threshold of the shingle study")
    args = parser.parse_args()
    sets = {part: labelled_set(args.per_lang, args.seed, part) for part in PARTS}
    description = {"copies_per_original": 2, "edits_per_copy": "2 of " + ", ".join(e.__name__ for e in EDITS), "seed": args.seed,
                   "split": "each language's source documents dealt into two halves by a seeded shuffle; no document in both"}
    result = {"sets": {part: {"documents": len(s[0]), **s[3]} for part, s in sets.items()}, "set_description": description}

    # Tuning set: what the defaults were chosen from.
    texts, langs, groups, _ = sets["tune"]
    truth = np.array(groups)
    shingle_study = {}
    for unit, size in CANDIDATES:
        overrides = {lang: ShingleOverride(unit=unit, size=size) for lang in ("ko", "en", "es")}
        scores = per_language(langs, truth, pentaglot_labels(texts, langs, DedupConfig(shingles=overrides, threshold=args.study_threshold)))
        shingle_study[f"{unit}:{size}"] = {lang: scores[lang] for lang in ("ko", "en", "es")}
    result["shingle_study_ko_en_es"] = {"set": "tune", "threshold": args.study_threshold, **shingle_study}
    result["threshold_sweep"] = {
        "set": "tune", **{str(t): per_language(langs, truth, pentaglot_labels(texts, langs, DedupConfig(threshold=t))) for t in THRESHOLDS}
    }
    result["tuning_would_pick"] = tuning_picks(result)

    # Reporting set: the figures quoted, on documents the tuning never saw.
    texts, langs, groups, _ = sets["report"]
    truth = np.array(groups)
    started = time.perf_counter()
    result["baseline_datasketch_word5_0.8"] = per_language(langs, truth, baseline_labels(texts))
    result["baseline_seconds"] = round(time.perf_counter() - started, 2)
    cfg = DedupConfig()
    result["default_threshold"] = cfg.threshold
    started = time.perf_counter()
    ours = pentaglot_labels(texts, langs, cfg)
    result["pentaglot_seconds"] = round(time.perf_counter() - started, 2)
    result["pentaglot_default"] = per_language(langs, truth, ours)
    stage = ray_stage_labels(texts, langs, cfg)
    result["ray_stage_equals_pure_path"] = bool(np.array_equal(stage, ours))
    # The same stage with its components forced onto the distributed rounds (4 partitions, 4 rank ranges).
    rounds = ray_stage_labels(texts, langs, cfg.model_copy(update={"num_partitions": 4}))
    result["ray_stage_rounds_equals_pure_path"] = bool(np.array_equal(rounds, ours))
    result["ray_stage_default"] = per_language(langs, truth, stage)
    goal = [lang for lang in LANGS if result["ray_stage_default"][lang]["f1"] < 0.95 or result["ray_stage_default"][lang]["precision"] < 0.99]
    result["goal_f1_0.95_precision_0.99_missed_in"] = goal
    print(json_summary(result))
    settings = {
        "pentaglot": {"config": "DedupConfig() defaults", "threshold": cfg.threshold, "num_perm": cfg.num_perm, "shingles": "per language table (char 5)"},
        "baseline": {"what": "datasketch MinHashLSH, word 5-grams, union of query hits", "threshold": 0.8, "num_perm": 128},
        "tuned_on": "tune", "reported_on": "report", "per_lang": args.per_lang,
    }
    save("dedup_quality", result, settings, ("datasketch",))


def shingle_study_rows(result: dict):
    return [(k, v) for k, v in result["shingle_study_ko_en_es"].items() if k not in ("set", "threshold")]


def tuning_picks(result: dict) -> dict:
    """What the tuning set alone would choose (mean F1 over the languages measured); the defaults are not changed to it."""
    sweep = {t: scores for t, scores in result["threshold_sweep"].items() if t != "set"}
    threshold = max(sweep, key=lambda t: np.mean([sweep[t][lang]["f1"] for lang in LANGS]))
    shingles = max(shingle_study_rows(result), key=lambda kv: np.mean([s["f1"] for s in kv[1].values()]))[0]
    return {"threshold": float(threshold), "shingles_ko_en_es": shingles, "defaults": {"threshold": DedupConfig().threshold, "shingles_ko_en_es": "char:5"}}


def json_summary(result: dict) -> str:
    lines = []
    for name in ("baseline_datasketch_word5_0.8", "ray_stage_default"):
        for lang in LANGS:
            s = result[name][lang]
            lines.append(f"{name:32s} {lang}  P={s['precision']:.3f} R={s['recall']:.3f} F1={s['f1']:.3f}")
    for t, scores in result["threshold_sweep"].items():
        if t == "set":
            continue
        lines.append(f"threshold {t:5s} " + "  ".join(f"{lang}:F1={scores[lang]['f1']:.3f}/P={scores[lang]['precision']:.3f}" for lang in LANGS))
    for setting, scores in shingle_study_rows(result):
        lines.append(f"shingles {setting:8s} " + "  ".join(f"{lang}:F1={s['f1']:.3f}/P={s['precision']:.3f}" for lang, s in scores.items()))
    lines.append(f"ray stage == pure path: {result['ray_stage_equals_pure_path']} (rounds: {result['ray_stage_rounds_equals_pure_path']}); goal missed in: {result['goal_f1_0.95_precision_0.99_missed_in']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
