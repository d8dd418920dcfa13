"""Personal data in a batch of texts: typed spans, found with a few regex passes per batch.

The batch is joined into one string and each pattern runs over it once in C
(``re.finditer``); offsets map back to (text, code point) with one
``searchsorted``.  Python runs only per candidate, and candidates are rare:
every run of digits and separators is one candidate for all the numeric
types at once (a number is classified by its digits, not scanned for by nine
patterns), and each candidate goes through the checks of ``pii_validators``.
A run that is not valid whole (``1990 2000 2010``) is tried piece by piece,
split at spaces, so a list of years never joins into an ID.  Where two types
claim overlapping text, the first in ``PII_TYPES`` wins.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters import pii_validators as v
from filters.pii_config import PII_TYPES, RedactConfig

_JOIN = "\x00\n"
# A number as people write it: optional +/( then digits with single separators
# (space, hyphens and dashes, dot, slash-free), full-width forms included; not
# glued to a Latin letter or digit on either side (CJK text may touch it).
_NUMBER = re.compile(
    r"(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ.,_@/+＋\-])[+＋]?[(（]?[0-9０-９](?:[(（)）]?[ \-‐‑‒–—－.．]?[(（)）]?[0-9０-９])*(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ_@]|[.,][0-9])"
)
_CN_ID = re.compile(r"(?<![0-9A-Za-z０-９])[0-9０-９]{17}[0-9Xx０-９ＸＸ](?![0-9A-Za-z０-９])")
# Latin-only boundaries: CJK text runs straight into an address (メール：a@b.comです).
_EMAIL = re.compile(r"(?<![A-Za-z0-9_.%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9_\-])")
_IPV6 = re.compile(r"(?<![0-9A-Za-z_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z_:])")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4_SHAPE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_CONTEXT = 24  # characters before a number read as its context (My Number's keyword)
# A number labelled as an order, invoice or book number is not personal data
# (checked on the last _LABEL characters before it), nor is the tail of an
# IBAN-shaped code whose own check failed.
_LABEL = 12
_NOT_PERSONAL = re.compile(r"#|order|invoice|isbn|pedido|factura|订单|单号|注文|주문")
_IBAN_START = re.compile(r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4})+ ?$")


@dataclass(frozen=True)
class Found:
    """Typed spans of a batch: text index, [start, end) in code points, type index in PII_TYPES."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    kind: np.ndarray


def _number_type(value: str, context: str, regions: list[str]) -> str | None:
    """The type of a number candidate, or None; checks in ``PII_TYPES`` order."""
    if _NOT_PERSONAL.search(context[-_LABEL:].lower()) or _IBAN_START.search(context):
        return None
    ascii_value = value.translate(v.ASCII)
    if _IPV4_SHAPE.fullmatch(ascii_value):
        return "IPV4" if v.is_ipv4(ascii_value) else None
    n = len(v.digits(value))
    if n == 13 and v.is_kr_rrn(value):
        return "KR_RRN"
    if n == 12 and v.is_my_number(value, context.lower()):
        return "JP_MY_NUMBER"
    if 13 <= n <= 19 and v.is_card(value):
        return "CREDIT_CARD"
    if v.is_phone(value, regions):
        return "PHONE"
    return None


def _balanced_start(match: re.Match) -> int:
    """Start of the number without an opening bracket it never closes (``（03-1234-5678）``)."""
    value = match.group()
    if value[:1] in "(（" and not any(c in value for c in ")）"):
        return match.start() + 1
    return match.start()


def _pieces(match: re.Match) -> list[tuple[int, int]]:
    """The run, then its space-separated pieces (each with a leading + or ( kept)."""
    return [(match.start() + m.start(), match.start() + m.end()) for m in re.finditer(r"\S+", match.group())]


def _regions(langs: list[str | None], cfg: RedactConfig) -> list[list[str]]:
    every = cfg.all_regions()
    return [cfg.phone_regions.get(lang or "", every) for lang in langs]


def scan(texts: pa.Array, langs: list[str | None], cfg: RedactConfig) -> Found:
    """Every validated personal-data span of every text (the ``keep`` types included)."""
    texts = pc.fill_null(pc.cast(texts, pa.large_string()), "")
    values = texts.to_pylist()
    joined = _JOIN.join(values)
    starts = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(t) + len(_JOIN) for t in values], out=starts[1:])
    regions = _regions(langs, cfg)
    spans: list[tuple[int, int, str]] = []

    def doc_of(pos: int) -> int:
        return int(np.searchsorted(starts, pos, side="right") - 1)

    for pattern, kind, check in ((_EMAIL, "EMAIL", v.is_email), (_IBAN, "IBAN", v.is_iban), (_CN_ID, "CN_RIC", v.is_cn_ric), (_IPV6, "IPV6", v.is_ipv6)):
        spans += [(m.start(), m.end(), kind) for m in pattern.finditer(joined) if check(m.group())]
    for m in _NUMBER.finditer(joined):
        region = regions[doc_of(m.start())]
        start = _balanced_start(m)
        kind = _number_type(joined[start : m.end()], joined[max(0, start - _CONTEXT) : start], region)
        if kind is not None:
            spans.append((start, m.end(), kind))
            continue
        for a, b in _pieces(m) if " " in m.group() else ():
            kind = _number_type(joined[a:b], joined[max(0, a - _CONTEXT) : a], region)
            if kind is not None:
                spans.append((a, b, kind))
    return _resolve(spans, starts)


def _resolve(spans: list[tuple[int, int, str]], starts: np.ndarray) -> Found:
    """Non-overlapping spans: earlier type in PII_TYPES first, then longer, then leftmost."""
    rank = {kind: i for i, kind in enumerate(PII_TYPES)}
    lefts: list[int] = []  # kept spans, sorted by start
    kept: list[tuple[int, int, int]] = []
    for a, b, kind in sorted(spans, key=lambda s: (rank[s[2]], s[0] - s[1], s[0])):
        at = bisect.bisect_left(lefts, a)
        if (at < len(kept) and kept[at][0] < b) or (at > 0 and kept[at - 1][1] > a):
            continue
        lefts.insert(at, a)
        kept.insert(at, (a, b, rank[kind]))
    arr = np.asarray(kept, dtype=np.int64).reshape(-1, 3)
    doc = np.searchsorted(starts, arr[:, 0], side="right") - 1
    return Found(doc, arr[:, 0] - starts[doc], arr[:, 1] - starts[doc], arr[:, 2])
