"""Documents to MinHash signatures, each with the shingles of its language.

The language comes from the ``lang`` column language ID wrote; where it is
missing, a script profile decides (Hangul -> ko, kana -> ja, Han -> zh, Latin
-> en or es by counting a few function words), which is all dedup needs: the
language only picks the shingle unit and keeps languages in separate buckets.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters import languages, script
from filters.dedup_config import DedupConfig
from filters.dedup_normalize import normalize_for_matching
from filters.minhash import signatures
from filters.shingles import shingle_hashes

_SCRIPT_LANG = {"Hang": "ko", "Jpan": "ja", "Hans": "zh", "Hant": "zh", "Hani": "zh"}
_EN_WORDS = r"\b(?:the|and|of|to|is|that|with|was|for|it)\b"
_ES_WORDS = r"\b(?:el|la|los|las|que|y|del|por|con|para|una|es)\b"
UNDETERMINED = "und"


def guess_language(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A cheap language code per text from its script (``und`` if none fits)."""
    scripts = script.profile(texts).script()
    lower = pc.utf8_lower(pc.fill_null(texts, ""))
    en = pc.count_substring_regex(lower, _EN_WORDS).to_numpy(zero_copy_only=False)
    es = pc.count_substring_regex(lower, _ES_WORDS).to_numpy(zero_copy_only=False)
    out = np.full(len(scripts), UNDETERMINED, dtype=object)
    for name, code in _SCRIPT_LANG.items():
        out[scripts == name] = code
    latin = scripts == "Latn"
    out[latin] = np.where(es[latin] > en[latin], "es", "en")
    return pa.array(out, pa.string())


def resolve_languages(texts, langs) -> pa.Array:
    """``langs`` where set, the guess elsewhere; ``langs`` may be None."""
    if langs is None:
        return guess_language(texts)
    langs = pc.cast(langs, pa.string())
    missing = pc.fill_null(pc.equal(langs, ""), True)
    if not pc.any(missing).as_py():
        return langs.combine_chunks() if isinstance(langs, pa.ChunkedArray) else langs
    return pc.if_else(missing, guess_language(texts), langs)


def shingle_setting(lang: str, cfg: DedupConfig) -> tuple[str, int]:
    """(unit, size) for a language: config override, else the language table."""
    override = cfg.shingles.get(lang)
    if override is not None:
        return override.unit, override.size
    row = languages.get(lang)
    return row.shingle_unit, row.shingle_size


def document_signatures(texts, langs: pa.Array, cfg: DedupConfig) -> np.ndarray:
    """(documents x num_perm) uint32 signatures, rows aligned with ``texts``.

    Documents are grouped by shingle setting so each group is one vectorized
    call; there are at most a handful of settings per batch.
    """
    matching = normalize_for_matching(texts, cfg.normalize)
    langs = pc.fill_null(pc.cast(langs, pa.string()), UNDETERMINED)
    settings = {code: shingle_setting(code, cfg) for code in pc.unique(langs).to_pylist()}
    out = np.empty((len(matching), cfg.num_perm), dtype=np.uint32)
    lang_values = np.asarray(langs.to_numpy(zero_copy_only=False), dtype=object)
    for setting in sorted(set(settings.values())):
        codes = [code for code, s in settings.items() if s == setting]
        rows = np.flatnonzero(np.isin(lang_values, codes))
        hashes, offsets = shingle_hashes(matching.take(pa.array(rows)), *setting)
        out[rows] = signatures(hashes, offsets, cfg.num_perm, cfg.seed)
    return out
