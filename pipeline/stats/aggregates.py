"""The mergeable statistics of a dataset: computed per Arrow batch, merged anywhere.

``Stats`` is a partial aggregate.  A Ray task folds its batches into one
(``add_table``, ``add_token_rows``, ``add_cluster_sizes``), the driver merges
the partials (``merge``) and renders the result (``to_report``).  Memory is
bounded by the number of languages, sources (capped at ``max_sources``),
rejection reasons and ``line_counters`` -- never by the number of documents.

Everything is vectorized over the batch (Arrow compute and numpy bincount);
the only Python loops are over groups (languages, sources, reasons).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.documents import DROP_REASON, ERROR, SOURCE, TEXT, ensure_base_columns
from pipeline.stats import histograms as H
from pipeline.stats import schema as S
from pipeline.stats.heavy_hitters import LineCounter
from pipeline.stats.scripts import SCRIPTS, script_counts
from pipeline.stats.settings import StatsConfig

LANG = "lang"
LANG_SCORE = "lang_score"
SCRIPT = "script"
N_TOKENS = "n_tokens"
UNKNOWN_LANG = "und"
NO_SOURCE = "(none)"
OTHER_SOURCES = "(other)"
PERCENTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


@dataclass
class Distribution:
    """Histogram plus exact count, sum, min and max of one quantity."""

    kind: str  # "length" (log bins) or "score" (linear bins on [0, 1])
    counts: np.ndarray = None
    n: int = 0
    total: float = 0.0
    lo: float = float("inf")
    hi: float = float("-inf")

    def __post_init__(self):
        if self.counts is None:
            self.counts = np.zeros(H.LENGTH_BINS if self.kind == "length" else H.SCORE_BINS, np.int64)

    def merge(self, other: "Distribution") -> None:
        self.counts += other.counts
        self.n += other.n
        self.total += other.total
        self.lo = min(self.lo, other.lo)
        self.hi = max(self.hi, other.hi)

    def report(self) -> S.Distribution | None:
        if self.n == 0:
            return None
        qs = list(PERCENTILES)
        if self.kind == "length":
            values = H.length_percentiles(self.counts, qs, self.lo, self.hi)
            low, high = H.length_bin_bounds()
            error = S.Error(kind="relative", bound=round(H.LOG_RELATIVE_ERROR, 6), exact_below=H.EXACT_BELOW)
        else:
            values = H.score_percentiles(self.counts, qs, self.lo, self.hi)
            low, high = H.score_bin_bounds()
            error = S.Error(kind="absolute", bound=H.SCORE_ABSOLUTE_ERROR, exact_below=None)
        nz = np.flatnonzero(self.counts)
        return S.Distribution(
            count=self.n,
            mean=round(self.total / self.n, 6),
            min=_number(self.lo),
            max=_number(self.hi),
            percentiles={f"p{round(q * 100)}": _number(v) for q, v in zip(qs, values)},
            percentile_error=error,
            histogram=[S.Bin(low=_number(low[i]), high=_number(high[i]), count=int(self.counts[i])) for i in nz],
        )


def _number(v) -> int | float:
    """Integers stay integers in JSON (lengths); scores keep 6 decimals."""
    v = float(v)
    return int(v) if v.is_integer() else round(v, 6)


def grouped_distributions(values: np.ndarray, codes: np.ndarray, n_groups: int, kind: str) -> list[Distribution]:
    """One Distribution per group code, computed for all groups at once."""
    if kind == "length":
        bins, width = H.length_bins(values), H.LENGTH_BINS
    else:
        bins, width = H.score_bins(values), H.SCORE_BINS
    hist = np.bincount(codes * width + bins, minlength=n_groups * width).reshape(n_groups, width)
    n = np.bincount(codes, minlength=n_groups)
    totals = np.bincount(codes, weights=values, minlength=n_groups)
    lo = np.full(n_groups, np.inf)
    hi = np.full(n_groups, -np.inf)
    np.minimum.at(lo, codes, values)
    np.maximum.at(hi, codes, values)
    return [
        Distribution(kind, hist[g].astype(np.int64), int(n[g]), float(totals[g]), float(lo[g]), float(hi[g]))
        for g in range(n_groups)
    ]


@dataclass
class Volume:
    """Exact document, character and byte counts of some group."""

    documents: int = 0
    characters: int = 0
    bytes: int = 0

    def merge(self, other: "Volume") -> None:
        self.documents += other.documents
        self.characters += other.characters
        self.bytes += other.bytes

    def report(self) -> S.Volume:
        return S.Volume(documents=self.documents, characters=self.characters, bytes=self.bytes)


@dataclass
class LanguageStats:
    volume: Volume = field(default_factory=Volume)
    chars: Distribution = field(default_factory=lambda: Distribution("length"))
    score: Distribution = field(default_factory=lambda: Distribution("score"))
    scripts: np.ndarray = field(default_factory=lambda: np.zeros(len(SCRIPTS), np.int64))
    doc_scripts: dict[str, int] = field(default_factory=dict)

    def merge(self, other: "LanguageStats") -> None:
        self.volume.merge(other.volume)
        self.chars.merge(other.chars)
        self.score.merge(other.score)
        self.scripts += other.scripts
        _add_counts(self.doc_scripts, other.doc_scripts)


def _add_counts(into: dict, other: dict) -> None:
    for key, n in other.items():
        into[key] = into.get(key, 0) + n


def _codes(column: pa.ChunkedArray | pa.Array, missing: str) -> tuple[list[str], np.ndarray]:
    """Distinct values (nulls as ``missing``) and each row's index into them."""
    encoded = pc.fill_null(column.cast(pa.string()), missing)
    encoded = encoded.combine_chunks() if isinstance(encoded, pa.ChunkedArray) else encoded
    encoded = encoded.dictionary_encode()
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)


def _lengths(text: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Characters and UTF-8 bytes of each text (0 for a null text)."""
    chars = pc.fill_null(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    nbytes = pc.fill_null(pc.binary_length(text), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    return chars, nbytes


def _volumes(codes: np.ndarray, n_groups: int, chars: np.ndarray, nbytes: np.ndarray) -> list[Volume]:
    """Exact documents, characters and bytes per group code."""
    docs = np.bincount(codes, minlength=n_groups)
    char_sums = np.bincount(codes, weights=chars, minlength=n_groups)
    byte_sums = np.bincount(codes, weights=nbytes, minlength=n_groups)
    return [Volume(int(docs[g]), int(char_sums[g]), int(byte_sums[g])) for g in range(n_groups)]


def _column(table: pa.Table, name: str, default: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table[name]
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())]).fill_null(default)


class Stats:
    """A partial (or final) aggregate of a dataset; see the module docstring."""

    def __init__(self, config: StatsConfig | None = None):
        self.config = config or StatsConfig()
        self.languages: dict[str, LanguageStats] = {}
        self.sources: dict[str, Volume] = {}
        self.rejected: dict[tuple[str, str, str], Volume] = {}
        self.quarantined: dict[str, int] = {}
        self.lines = LineCounter(self.config.line_counters, self.config.min_line_chars)
        self.tokens: dict[str, Distribution] = {}
        self.cluster_sizes = Distribution("length")

    # -- folding batches in ------------------------------------------------------
    def add_table(self, table: pa.Table, stage: str = "") -> None:
        """Fold in a document table: live rows, rejected rows and quarantine rows alike.

        ``stage`` is the stage whose output holds the table: the one that
        rejected its rejected rows ("" when unknown).
        """
        if table.num_rows == 0:
            return
        table = ensure_base_columns(table)
        quarantined = pc.is_valid(table[ERROR])
        rejected = pc.and_(pc.invert(quarantined), pc.is_valid(table[DROP_REASON]))
        live = pc.invert(pc.or_(quarantined, rejected))
        self._add_live(table.filter(live))
        self._add_rejected(table.filter(rejected), stage)
        names, codes = _codes(_column(table.filter(quarantined), SOURCE, NO_SOURCE), NO_SOURCE)
        _add_counts(self.quarantined, dict(zip(names, np.bincount(codes, minlength=len(names)).tolist())))

    def _add_live(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        text = table[TEXT]
        chars, nbytes = _lengths(text)
        langs, codes = _codes(_column(table, LANG, UNKNOWN_LANG), UNKNOWN_LANG)
        G = len(langs)
        volumes = _volumes(codes, G, chars, nbytes)
        char_dists = grouped_distributions(chars, codes, G, "length")
        score_dists = self._scores(table, codes, G)
        # Script mix per language: sort once so each language's text is a contiguous slice.
        order = np.argsort(codes, kind="stable")
        sorted_text = text.take(pa.array(order)).combine_chunks()
        starts = np.concatenate([[0], np.cumsum([v.documents for v in volumes])])
        doc_scripts = self._doc_scripts(table, codes, G)
        for g, lang in enumerate(langs):
            part = LanguageStats(
                volumes[g],
                char_dists[g],
                score_dists[g] if score_dists else Distribution("score"),
                script_counts(sorted_text.slice(starts[g], volumes[g].documents)),
                doc_scripts[g],
            )
            self.languages.setdefault(lang, LanguageStats()).merge(part)
        self._add_sources(table, chars, nbytes)
        self.lines.add_texts(text)

    @staticmethod
    def _scores(table: pa.Table, codes: np.ndarray, G: int) -> list[Distribution] | None:
        if LANG_SCORE not in table.column_names:
            return None
        scores = table[LANG_SCORE]
        valid = pc.is_valid(scores).to_numpy(zero_copy_only=False)
        values = pc.fill_null(scores.cast(pa.float64()), 0.0).to_numpy(zero_copy_only=False)
        return grouped_distributions(values[valid], codes[valid], G, "score")

    @staticmethod
    def _doc_scripts(table: pa.Table, codes: np.ndarray, G: int) -> list[dict[str, int]]:
        """Documents per script label (the ``script`` column stages add), per language."""
        out: list[dict[str, int]] = [{} for _ in range(G)]
        if SCRIPT not in table.column_names:
            return out
        labels, scodes = _codes(table[SCRIPT], "unknown")
        pairs = np.bincount(codes * len(labels) + scodes, minlength=G * len(labels)).reshape(G, len(labels))
        for g, s in zip(*np.nonzero(pairs)):
            out[g][labels[s]] = int(pairs[g, s])
        return out

    def _add_sources(self, table: pa.Table, chars: np.ndarray, nbytes: np.ndarray) -> None:
        names, codes = _codes(_column(table, SOURCE, NO_SOURCE), NO_SOURCE)
        for name, vol in zip(names, _volumes(codes, len(names), chars, nbytes)):
            self.sources.setdefault(name, Volume()).merge(vol)
        self._cap_sources()

    def _cap_sources(self) -> None:
        """Keep the ``max_sources`` largest sources by documents; fold the rest into '(other)'."""
        cap = self.config.max_sources
        if len(self.sources) <= cap:
            return
        named = sorted(((k, v) for k, v in self.sources.items() if k != OTHER_SOURCES), key=lambda kv: (-kv[1].documents, kv[0]))
        other = self.sources.get(OTHER_SOURCES, Volume())
        for _, vol in named[cap - 1 :]:
            other.merge(vol)
        self.sources = dict(named[: cap - 1])
        self.sources[OTHER_SOURCES] = other

    def _add_rejected(self, table: pa.Table, stage: str) -> None:
        if table.num_rows == 0:
            return
        chars, nbytes = _lengths(table[TEXT])
        keys = pa.table(
            {
                "lang": pc.fill_null(_column(table, LANG, UNKNOWN_LANG).cast(pa.string()), UNKNOWN_LANG),
                "reason": table[DROP_REASON],
                "chars": chars,
                "bytes": nbytes,
            }
        )
        grouped = keys.group_by(["reason", "lang"], use_threads=False).aggregate(
            [([], "count_all"), ("chars", "sum"), ("bytes", "sum")]
        )
        for reason, lang, n, c, b in zip(
            *(grouped[k].to_pylist() for k in ("reason", "lang", "count_all", "chars_sum", "bytes_sum"))
        ):
            self.rejected.setdefault((stage, reason, lang), Volume()).merge(Volume(n, c, b))

    def add_token_rows(self, table: pa.Table) -> None:
        """Fold in token shard rows (only their ``lang`` and ``n_tokens`` columns are read)."""
        if table.num_rows == 0:
            return
        langs, codes = _codes(_column(table, LANG, UNKNOWN_LANG), UNKNOWN_LANG)
        n_tokens = table[N_TOKENS].to_numpy().astype(np.int64)
        for lang, dist in zip(langs, grouped_distributions(n_tokens, codes, len(langs), "length")):
            self.tokens.setdefault(lang, Distribution("length")).merge(dist)

    def add_cluster_sizes(self, sizes: np.ndarray) -> None:
        """Fold in the sizes of some duplicate clusters (documents per cluster_id)."""
        sizes = np.asarray(sizes, dtype=np.int64)
        if sizes.size:
            self.cluster_sizes.merge(grouped_distributions(sizes, np.zeros(len(sizes), np.int64), 1, "length")[0])

    # -- merging -------------------------------------------------------------------
    def merge(self, other: "Stats") -> "Stats":
        for lang, part in other.languages.items():
            self.languages.setdefault(lang, LanguageStats()).merge(part)
        for name, vol in other.sources.items():
            self.sources.setdefault(name, Volume()).merge(vol)
        self._cap_sources()
        for key, vol in other.rejected.items():
            self.rejected.setdefault(key, Volume()).merge(vol)
        _add_counts(self.quarantined, other.quarantined)
        self.lines.merge(other.lines)
        for lang, dist in other.tokens.items():
            self.tokens.setdefault(lang, Distribution("length")).merge(dist)
        self.cluster_sizes.merge(other.cluster_sizes)
        return self

    # -- reporting -----------------------------------------------------------------
    def to_report(self, source: S.Input, manifest: S.Manifest | None = None, mixture: S.Mixture | None = None) -> S.StatsReport:
        """The stats.json document (see docs/stats_schema.md)."""
        live = Volume()
        for part in self.languages.values():
            live.merge(part.volume)
        token_docs = sum(d.n for d in self.tokens.values())
        tokens = int(sum(d.total for d in self.tokens.values()))
        rejected = sum(v.documents for v in self.rejected.values())
        quarantined = sum(self.quarantined.values())
        return S.StatsReport(
            schema_version=S.SCHEMA_VERSION,
            input=source,
            totals=S.Totals(
                documents=live.documents or token_docs,
                characters=live.characters,
                bytes=live.bytes,
                tokens=tokens if self.tokens else None,
                rejected=rejected,
                quarantined=quarantined,
            ),
            languages={lang: self._language_report(lang, live) for lang in sorted(self.languages)},
            sources={name: self.sources[name].report() for name in sorted(self.sources)},
            rejected=[
                S.Rejected(stage=stage, reason=reason, language=lang, **vol.report().model_dump())
                for (stage, reason, lang), vol in sorted(self.rejected.items())
            ],
            quarantine=S.Quarantine(documents=quarantined, by_source=dict(sorted(self.quarantined.items()))),
            duplicates=self._duplicates_report(),
            repeated_lines=S.RepeatedLines(
                lines_counted=self.lines.seen,
                counters=self.lines.capacity,
                min_chars=self.lines.min_chars,
                error_bound=self.lines.error_bound,
                top=[S.RepeatedLine(text=t, count=c) for t, c in self.lines.top(self.config.top_lines)],
            ),
            tokens=self._tokens_report(token_docs, tokens, manifest, mixture),
        )

    def _language_report(self, lang: str, live: Volume) -> S.Language:
        part = self.languages[lang]
        vol = part.volume
        total_chars = int(part.scripts.sum())
        return S.Language(
            **vol.report().model_dump(),
            share_of_documents=_ratio(vol.documents, live.documents),
            share_of_characters=_ratio(vol.characters, live.characters),
            bytes_per_character=_ratio(vol.bytes, vol.characters),
            characters_per_document=part.chars.report(),
            lang_score=part.score.report(),
            script_mix={name: _ratio(int(n), total_chars) for name, n in zip(SCRIPTS, part.scripts)},
            documents_by_script=dict(sorted(part.doc_scripts.items())),
        )

    def _duplicates_report(self) -> S.Duplicates | None:
        dist = self.cluster_sizes
        if dist.n == 0:
            return None
        documents = int(dist.total)
        return S.Duplicates(
            documents=documents,
            clusters=dist.n,
            duplicate_documents=documents - dist.n,
            duplicate_rate=_ratio(documents - dist.n, documents),
            clusters_with_duplicates=int(dist.counts[2:].sum()),
            cluster_size=dist.report(),
        )

    def _tokens_report(self, docs: int, tokens: int, manifest: S.Manifest | None, mixture: S.Mixture | None) -> S.Tokens | None:
        if not self.tokens:
            return None
        return S.Tokens(
            documents=docs,
            tokens=tokens,
            by_language={
                lang: S.TokenLanguage(
                    documents=d.n,
                    tokens=int(d.total),
                    share_of_tokens=_ratio(int(d.total), tokens),
                    tokens_per_document=d.report(),
                )
                for lang, d in sorted(self.tokens.items())
            },
            manifest=manifest,
            mixture=mixture,
        )


def _ratio(a: int, b: int) -> float:
    return round(a / b, 6) if b else 0.0
