"""A labelled personal-data set: real-format values embedded in five-language corpus text.

Values are generated in the formats people write them and are valid by each
format's own rules (phone numbers valid in ``phonenumbers``' numbering plans,
ID and card numbers with correct check digits and dates, IBANs with correct
mod-97 and national check digits); each sits in a sentence of the language
that introduces it ("연락처:", "電話：", "Tel."), inside a real paragraph of
that language from ../shared/corpora.  Look-alikes are embedded the same way
and labelled as nothing: dates, order numbers, ISBN-13s, prices, times,
version strings, and IDs/cards/IBANs with a wrong check digit.

``build(n_docs, seed)`` -> list of (lang, text, [(start, end, type)]).
"""

from __future__ import annotations

import random

import phonenumbers
from stdnum import iban, luhn
from stdnum.cn import ric
from stdnum.jp import in_ as my_number

from corpus import documents

LANGS = ("ko", "en", "zh", "ja", "es")
FULL = str.maketrans("0123456789-+()", "０１２３４５６７８９－＋（）")
# Typical written forms per language (a national format and E.164).
PHONE_FORMS = {
    "ko": ["010-{4}-{4}", "02-{3}-{4}", "031-{3}-{4}", "+82 10-{4}-{4}", "010 {4} {4}"],
    "ja": ["090-{4}-{4}", "080-{4}-{4}", "03-{4}-{4}", "06-{4}-{4}", "+81 90-{4}-{4}"],
    "zh": ["13{1}{4}{4}", "15{1}-{4}-{4}", "010-{4}{4}", "021-{4}{4}", "+86 138 {4} {4}"],
    "es": ["6{2} {2} {2} {2}", "6{2} {3} {3}", "91 {3} {2} {2}", "93 {3} {2} {2}", "+34 6{2} {3} {3}"],
    "en": ["({3}) {3}-{4}", "{3}-{3}-{4}", "+1 {3}-{3}-{4}", "+1 ({3}) {3}-{4}", "{3}.{3}.{4}"],
}
REGION = {"ko": "KR", "ja": "JP", "zh": "CN", "es": "ES", "en": "US"}
INTRO = {
    "EMAIL": {"ko": "이메일: ", "ja": "メール：", "zh": "邮箱：", "es": "Correo: ", "en": "Email: "},
    "PHONE": {"ko": "연락처: ", "ja": "電話：", "zh": "电话：", "es": "Tel. ", "en": "Call "},
    "IPV4": {"ko": "서버 주소 ", "ja": "サーバーのIPは", "zh": "服务器地址", "es": "La IP es ", "en": "Server IP "},
    "IPV6": {"ko": "IPv6 주소 ", "ja": "IPv6アドレス", "zh": "IPv6地址", "es": "Dirección IPv6 ", "en": "IPv6 address "},
    "KR_RRN": {"ko": "주민등록번호 ", "ja": "韓国の住民登録番号", "zh": "韩国居民登记号", "es": "RRN ", "en": "Korean RRN "},
    "CN_RIC": {"ko": "중국 신분증 ", "ja": "中国の身分証番号", "zh": "身份证号码：", "es": "DNI chino ", "en": "Chinese ID "},
    "JP_MY_NUMBER": {"ko": "마이넘버(マイナンバー) ", "ja": "マイナンバー：", "zh": "日本个人番号（マイナンバー）", "es": "My Number ", "en": "My Number "},
    "CREDIT_CARD": {"ko": "카드번호 ", "ja": "カード番号：", "zh": "信用卡号", "es": "Tarjeta ", "en": "Card number "},
    "IBAN": {"ko": "계좌 IBAN ", "ja": "振込先IBAN ", "zh": "收款账户IBAN ", "es": "IBAN ", "en": "IBAN "},
}
OUTRO = {"ko": " 입니다.", "ja": "です。", "zh": "。", "es": ".", "en": "."}
LOOKALIKES = [
    "{y}-{m:02d}-{d:02d}", "{y}.{m:02d}.{d:02d}", "{d:02d}/{m:02d}/{y}", "{y}年{m}月{d}日",
    "Order #{o4}-{o4}-{o4}", "注文番号 {o4}-{o4}-{o4}", "订单号{o10}", "주문번호 {o4}{o4}{o4}",
    "ISBN {isbn}", "{price}", "{h:02d}:{mi:02d}:{s:02d}", "v{a}.{b}.{c}.{e}", "{y} {y2} {y3}",
    "{bad_rrn}", "{bad_ric}", "{bad_card}", "{bad_iban}", "{bad_my}",
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _fill(form: str, rng: random.Random) -> str:
    out, i = [], 0
    while i < len(form):
        if form[i] == "{":
            j = form.index("}", i)
            out.append(_digits(rng, int(form[i + 1 : j])))
            i = j + 1
        else:
            out.append(form[i])
            i += 1
    return "".join(out)


def phone(lang: str, rng: random.Random) -> str:
    while True:
        value = _fill(rng.choice(PHONE_FORMS[lang]), rng)
        region = None if value.startswith("+") else REGION[lang]
        if phonenumbers.is_valid_number(phonenumbers.parse(value, region)):
            return value


def kr_rrn(rng: random.Random, valid: bool = True) -> str:
    birth = f"{rng.randrange(40, 100):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    # Gender digit, then the pre-2020 place-of-birth code (00-96) stdnum checks.
    digits = birth + rng.choice("12") + f"{rng.randrange(97):02d}" + _digits(rng, 3)
    check = (11 - sum(int(d) * w for d, w in zip(digits, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5))) % 11) % 10
    return f"{digits[:6]}-{digits[6:]}{check if valid else (check + 1) % 10}"


def cn_ric(rng: random.Random, valid: bool = True) -> str:
    body = rng.choice(["110101", "110105", "310101", "440106", "510104", "330106"]) + f"{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}" + _digits(rng, 3)
    check = ric.calc_check_digit(body + "0")
    wrong = "0123456789X".replace(check, "")
    return body + (check if valid else rng.choice(wrong))


def my_num(rng: random.Random, valid: bool = True) -> str:
    body = _digits(rng, 11)
    check = int(my_number.calc_check_digit(body))
    digits = body + str(check if valid else (check + 1) % 10)
    return rng.choice([digits, f"{digits[:4]} {digits[4:8]} {digits[8:]}", f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"])


def card(rng: random.Random, valid: bool = True) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16), ("3530", 16), ("62", 16)])
    body = prefix + _digits(rng, length - len(prefix) - 1)
    check = int(luhn.calc_check_digit(body))
    digits = body + str(check if valid else (check + 1) % 10)
    if length == 16 and rng.random() < 0.6:
        sep = rng.choice([" ", "-"])
        return sep.join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def iban_value(rng: random.Random, valid: bool = True) -> str:
    while True:
        country, bban = rng.choice([("DE", "{8}{10}"), ("GB", "WEST{6}{8}"), ("ES", "{4}{4}{2}{10}"), ("FR", "{5}{5}{11}{2}"), ("NL", "ABNA{10}")])
        body = _fill(bban, rng)
        check = iban.calc_check_digits(country + "00" + body)
        number = country + check + body
        if iban.is_valid(number):
            break
    if not valid:
        number = number[:-1] + str((int(number[-1]) + 1) % 10)
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4)) if rng.random() < 0.6 else number


def email(rng: random.Random) -> str:
    user = rng.choice(["kim.minsu", "tanaka_h", "wang.lei88", "maria.garcia", "john.smith", "j-doe", "li+news"])
    return f"{user}{rng.randrange(100)}@{rng.choice(['example.com', 'mail.co.kr', 'example.co.jp', 'qq.com', 'correo.es', 'uni.edu'])}"


def ipv4(rng: random.Random) -> str:
    return ".".join(str(x) for x in (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255)))


def ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randrange(1 << 16):x}" for _ in range(8)]
    return "2001:db8:" + ":".join(groups[2:]) if rng.random() < 0.5 else f"fe80::{groups[0]}:{groups[1]}:{groups[2]}"


def value(kind: str, lang: str, rng: random.Random) -> str:
    makers = {"EMAIL": lambda: email(rng), "PHONE": lambda: phone(lang, rng), "IPV4": lambda: ipv4(rng), "IPV6": lambda: ipv6(rng),
              "KR_RRN": lambda: kr_rrn(rng), "CN_RIC": lambda: cn_ric(rng), "JP_MY_NUMBER": lambda: my_num(rng),
              "CREDIT_CARD": lambda: card(rng), "IBAN": lambda: iban_value(rng)}
    out = makers[kind]()
    if lang in ("ja", "zh") and kind in ("PHONE", "KR_RRN", "CN_RIC", "JP_MY_NUMBER", "CREDIT_CARD") and rng.random() < 0.3:
        out = out.translate(FULL)  # full-width digits, as Japanese and Chinese text often has them
    return out


def lookalike(rng: random.Random) -> str:
    y = rng.randrange(1950, 2030)
    return rng.choice(LOOKALIKES).format(
        y=y, y2=y + 10, y3=y + 20, m=rng.randrange(1, 13), d=rng.randrange(1, 29), o4=_digits(rng, 4), o10=_digits(rng, 10),
        isbn=f"978-{rng.randrange(0, 5)}-{_digits(rng, 4)}-{_digits(rng, 4)}-{rng.randrange(10)}", price=rng.choice([f"${rng.randrange(1, 999)},{_digits(rng, 3)}.99", f"¥{rng.randrange(1, 99)},{_digits(rng, 3)},{_digits(rng, 3)}", f"{rng.randrange(1, 999)}.{_digits(rng, 3)},50 €"]),
        h=rng.randrange(24), mi=rng.randrange(60), s=rng.randrange(60), a=rng.randrange(10), b=rng.randrange(10), c=rng.randrange(10), e=rng.randrange(100, 999),
        bad_rrn=kr_rrn(rng, False), bad_ric=cn_ric(rng, False), bad_card=card(rng, False), bad_iban=iban_value(rng, False), bad_my=my_num(rng, False),
    )


def build(n_docs: int, seed: int = 0) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """Documents with 1-3 labelled values and 1-2 look-alikes each, in real paragraphs."""
    from filters.pii_config import PII_TYPES

    rng = random.Random(seed)
    paragraphs = {lang: [t for l, t in documents() if l == lang and len(t) < 3000] for lang in LANGS}
    out = []
    for k in range(n_docs):
        lang = LANGS[k % len(LANGS)]
        host = rng.choice(paragraphs[lang])
        pieces, labels, pos = [], [], 0
        inserts = [("pii", PII_TYPES[(k // len(LANGS) + j) % len(PII_TYPES)]) for j in range(rng.randrange(1, 4))] + [("fake", None)] * rng.randrange(1, 3)
        rng.shuffle(inserts)
        cuts = sorted(rng.randrange(len(host) + 1) for _ in inserts)
        last = 0
        for cut, (what, kind) in zip(cuts, inserts):
            pieces.append(host[last:cut])
            pos += cut - last
            last = cut
            if what == "pii":
                intro, text = INTRO[kind][lang], value(kind, lang, rng)
                pieces += [" ", intro, text, OUTRO[lang], " "]
                labels.append((pos + 1 + len(intro), pos + 1 + len(intro) + len(text), kind))
                pos += 2 + len(intro) + len(text) + len(OUTRO[lang])
            else:
                text = " " + lookalike(rng) + OUTRO[lang] + " "
                pieces.append(text)
                pos += len(text)
        pieces.append(host[last:])
        out.append((lang, "".join(pieces), labels))
    return out
