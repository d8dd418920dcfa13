"""Is this candidate really a personal-data value of that type?

Candidates come from a cheap scan (``pii_scan``); each type's check here
decides, with the format's own rules rather than digit counts: checksums,
dates and region fields by ``python-stdnum``, phone numbering plans by
``phonenumbers``, addresses by ``ipaddress``.  What makes a phone number
different from an order number is mostly how it is written, so numbers
without a leading ``+`` must also start the way the region writes them
nationally (a trunk 0 in Korea and Japan, 0 or 1 in China, 6-9 in Spain) and
US numbers must be formatted.  Exceptions never carry the value out: every
check returns a bool.
"""

from __future__ import annotations

import ipaddress
import re

import phonenumbers
from stdnum import iban, luhn
from stdnum.cn import ric
from stdnum.jp import in_ as my_number
from stdnum.kr import rrn

# Full-width digits and signs as ASCII, so every check sees one alphabet.
ASCII = str.maketrans("０１２３４５６７８９＋（）－．", "0123456789+()-.")
_NATIONAL_START = {"KR": "0", "JP": "0", "CN": "01", "ES": "6789"}
_US_SHAPE = re.compile(r"\(?[2-9]\d{2}\)?[\s.\-]?\d{3}[\s.\-]\d{4}")
# How card numbers are grouped when they are grouped: 4-4-4-4(-3), Amex/Diners 4-6-5 and 4-6-4.
_CARD_GROUPS = re.compile(r"\d{4}([\s\-])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([\s\-])\d{6}\2\d{4,5}")
# Issuer prefixes and lengths of the card networks (IIN ranges).
_CARD = re.compile(r"4\d{15}(?:\d{3})?|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}|3[47]\d{13}|6011\d{12}|65\d{14}|64[4-9]\d{13}|35(?:2[89]|[3-8]\d)\d{12}|62\d{14,17}|3(?:0[0-5]|[689]\d)\d{11}")
CN_PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split())
MY_NUMBER_CONTEXT = ("マイナンバー", "個人番号", "my number", "mynumber")


def digits(value: str) -> str:
    return re.sub(r"\D", "", value.translate(ASCII))


def is_phone(value: str, regions: list[str]) -> bool:
    text = value.translate(ASCII).strip()
    count = len(digits(text))
    if not 7 <= count <= 15:
        return False
    if text.startswith("+"):
        return _valid_phone(text, None)
    first = text.lstrip("(")[:1]
    for region in regions:
        starts = _NATIONAL_START.get(region)
        if starts is not None and first not in starts:
            continue
        # US numbers in prose are written 3-3-4; Chinese ones starting with 1 are 11-digit mobiles.
        if region == "US" and not _US_SHAPE.fullmatch(text):
            continue
        if region == "CN" and first == "1" and count != 11:
            continue
        if _valid_phone(text, region):
            return True
    return False


def _valid_phone(text: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


def is_kr_rrn(value: str) -> bool:
    number = digits(value)
    return len(number) == 13 and rrn.is_valid(number)


def is_cn_ric(value: str) -> bool:
    """Check character and birth date by python-stdnum; the region by its
    province only, since stdnum's district table misses real districts
    (440106 Tianhe, Guangzhou; 510104 Jinjiang, Chengdu)."""
    number = value.translate(ASCII).replace(" ", "").replace("-", "").upper()
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in CN_PROVINCES:
        return False
    try:
        ric.get_birth_date(number)
    except ValueError:
        return False
    return ric.calc_check_digit(number) == number[-1]


def is_my_number(value: str, context: str) -> bool:
    """Its check digit passes for one random 12-digit number in ten, so a
    My Number also needs its name (``MY_NUMBER_CONTEXT``) just before it."""
    number = digits(value)
    return len(number) == 12 and my_number.is_valid(number) and any(word in context for word in MY_NUMBER_CONTEXT)


def is_card(value: str) -> bool:
    text = value.translate(ASCII)
    number = digits(text)
    if number != text and not _CARD_GROUPS.fullmatch(text):
        return False
    return bool(_CARD.fullmatch(number)) and luhn.is_valid(number)


def is_iban(value: str) -> bool:
    return iban.is_valid(value.replace(" ", ""))


def is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value.translate(ASCII))
    except ValueError:
        return False
    return True


def is_ipv6(value: str) -> bool:
    if sum(1 for group in value.split(":") if group) < 2:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def is_email(value: str) -> bool:
    local, _, domain = value.rpartition("@")
    return bool(local) and not (local.startswith(".") or local.endswith(".") or ".." in value) and "." in domain
