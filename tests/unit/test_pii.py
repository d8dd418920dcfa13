"""Personal data: what is found and typed, what merely looks like it, and what redaction leaves alone."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from stdnum import luhn
from stdnum.cn import ric
from stdnum.jp import in_ as my_number

from filters.pii_config import PII_TYPES, RedactConfig
from filters.pii_scan import scan
from pipeline.stages.redact import PLACEHOLDERS, redact_table

FULL = str.maketrans("0123456789-", "０１２３４５６７８９－")


def _rrn(front: str, back6: str, *, valid: bool = True) -> str:
    digits = front + back6
    check = (11 - sum(int(d) * w for d, w in zip(digits, (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5))) % 11) % 10
    return f"{front}-{back6}{check if valid else (check + 1) % 10}"


def _found(text: str, lang: str | None = None) -> list[tuple[str, str]]:
    f = scan(pa.array([text]), [lang], RedactConfig())
    return [(PII_TYPES[k], text[s:e]) for s, e, k in zip(f.start, f.end, f.kind)]


CN_ID = "11010519491231002X"
KR_RRN = _rrn("971013", "901990")
MY_NUMBER = "123456789018"
CARD = "4111 1111 1111 1111"
GOOD = [
    ("ko", "문의는 kim.minsu@example.co.kr 로 보내 주세요.", "EMAIL", "kim.minsu@example.co.kr"),
    ("en", "Server at 192.168.10.1 answered.", "IPV4", "192.168.10.1"),
    ("en", "Reach 2001:db8::8a2e:370:7334 over v6.", "IPV6", "2001:db8::8a2e:370:7334"),
    ("ko", "휴대폰 010-1234-5678 로 연락", "PHONE", "010-1234-5678"),
    ("ko", "사무실 02-312-3456 입니다", "PHONE", "02-312-3456"),
    ("ko", "해외에서는 +82 10-1234-5678 번", "PHONE", "+82 10-1234-5678"),
    ("ja", "携帯は090-1234-5678です。", "PHONE", "090-1234-5678"),
    ("ja", "本社（03-1234-5678）まで", "PHONE", "03-1234-5678"),
    ("ja", "電話：０９０－１２３４－５６７８", "PHONE", "０９０－１２３４－５６７８"),
    ("zh", "请拨打13812345678联系我们", "PHONE", "13812345678"),
    ("zh", "北京办公室010-12345678。", "PHONE", "010-12345678"),
    ("zh", "国际号码+86 138 0013 8000。", "PHONE", "+86 138 0013 8000"),
    ("es", "Llámame al 612 34 56 78 mañana.", "PHONE", "612 34 56 78"),
    ("es", "Oficina: +34 91 123 45 67.", "PHONE", "+34 91 123 45 67"),
    ("en", "Call (415) 555-2671 today.", "PHONE", "(415) 555-2671"),
    ("en", "Call +1 415-555-2671 today.", "PHONE", "+1 415-555-2671"),
    ("ko", f"주민등록번호 {KR_RRN} 확인", "KR_RRN", KR_RRN),
    ("ko", f"주민번호 {KR_RRN.translate(FULL)} 확인", "KR_RRN", KR_RRN.translate(FULL)),
    ("zh", f"身份证号{CN_ID}。", "CN_RIC", CN_ID),
    ("ja", f"マイナンバー：{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}", "JP_MY_NUMBER", f"{MY_NUMBER[:4]} {MY_NUMBER[4:8]} {MY_NUMBER[8:]}"),
    ("en", f"Card {CARD} expires soon.", "CREDIT_CARD", CARD),
    ("en", "Card 5500-0000-0000-0004 was declined.", "CREDIT_CARD", "5500-0000-0000-0004"),
    ("es", "IBAN ES91 2100 0418 4502 0005 1332, gracias.", "IBAN", "ES91 2100 0418 4502 0005 1332"),
    ("en", "Pay to GB82WEST12345698765432 now.", "IBAN", "GB82WEST12345698765432"),
]


@pytest.mark.parametrize("lang,text,kind,value", GOOD, ids=[f"{g[2]}-{g[0]}-{i}" for i, g in enumerate(GOOD)])
def test_valid_values_are_found_and_typed(lang, text, kind, value):
    assert _found(text, lang) == [(kind, value)]


BAD_CN_ID = CN_ID[:-1] + "1"
LOOKALIKES = [
    ("ko", f"번호 {_rrn('971013', '901990', valid=False)} 는 틀림"),  # RRN checksum off by one
    ("ko", "번호 971341-1234567 는 날짜가 없음"),  # month 13
    ("zh", f"身份证号{BAD_CN_ID}。"),  # check character wrong
    ("ja", f"マイナンバー：{MY_NUMBER[:-1]}{(int(MY_NUMBER[-1]) + 1) % 10}"),  # check digit wrong
    ("ja", f"注文番号 {MY_NUMBER[:4]}-{MY_NUMBER[4:8]}-{MY_NUMBER[8:]} の商品"),  # valid digits, but an order number
    ("en", "Card 4111 1111 1111 1112 is fake."),  # Luhn fails
    ("en", "Order #4929-1234-5678-9012 shipped."),
    ("en", "Ship on 2023-01-15 or 15/01/2023."),
    ("ja", "2023年1月15日と2023.01.15に"),
    ("ko", "2023-01-15 에 출시"),
    ("zh", "2023-01-15发布，20230115号文件"),
    ("en", "ISBN 978-3-16-148410-0 and 9784065199817"),
    ("ja", "ISBN978-4-06-519981-7"),
    ("en", "It costs $1,299.99 or 1.234.567 EUR."),
    ("ja", "価格は¥1,234,567です"),
    ("en", "Years 1990 2000 2010 and 2020."),
    ("en", "Invoice 5551234567 was paid."),  # 10 unformatted digits: not a US phone
    ("es", "Expediente 2023/000123 del juzgado."),
    ("en", "Meet at 12:30:45 in room ::1."),
    ("es", "IBAN ES91 2100 0418 4502 0005 1333"),  # mod-97 fails
    ("en", "Version 1.2.3.400 released."),
    ("zh", "订单号1047142851已发货"),  # a valid-looking Chinese number, labelled as an order
    ("zh", "欧洲1600-1800新画廊"),  # a year range: Chinese numbers starting with 1 are 11-digit mobiles
    ("en", "Ref 400328-2319979 (RRN-shaped, bad check) passes Luhn but is not grouped like a card"),
    ("en", "Account NL90 ABNA 9287 0880 70 failed its check"),  # the tail of a bad IBAN is no US phone
]


@pytest.mark.parametrize("lang,text", LOOKALIKES, ids=[f"{x[0]}-{i}" for i, x in enumerate(LOOKALIKES)])
def test_lookalikes_and_bad_checksums_are_not_found(lang, text):
    assert _found(text, lang) == []


def test_generated_ids_validate_by_their_checksums():
    valid_cn = "11010119900307" + "123"
    valid_cn += ric.calc_check_digit(valid_cn + "0")  # takes the whole number, check digit slot included
    valid_my = "98765432101"
    valid_my += my_number.calc_check_digit(valid_my)
    valid_card = "453201511283036"
    valid_card += luhn.calc_check_digit(valid_card)
    text = f"身份证 {valid_cn}；マイナンバー {valid_my}；card {valid_card}"
    assert _found(text) == [("CN_RIC", valid_cn), ("JP_MY_NUMBER", valid_my), ("CREDIT_CARD", valid_card)]


def test_phone_regions_follow_the_document_language():
    assert _found("番号 612 34 56 78", "es") == [("PHONE", "612 34 56 78")]
    assert _found("번호 612 34 56 78", "ko") == []  # not a Korean number
    # Unknown language: every configured region is tried.
    assert _found("Tel 090-1234-5678", None) == [("PHONE", "090-1234-5678")]


def _table(texts, langs):
    return pa.table({"id": [str(i) for i in range(len(texts))], "text": texts, "lang": langs, "drop_reason": pa.nulls(len(texts), pa.string()), "error": pa.nulls(len(texts), pa.string())})


def test_redaction_changes_nothing_outside_the_spans():
    texts = [g[1] for g in GOOD]
    out = redact_table(_table(texts, [g[0] for g in GOOD]), RedactConfig())
    for (_, text, kind, value), new, found in zip(GOOD, out["text"].to_pylist(), out["pii_found"].to_pylist()):
        assert new == text.replace(value, f"<{kind}>") and found == [kind]
        assert value not in new


def test_actions_keep_redact_reject_per_type():
    texts = ["mail a@example.com, call 010-1234-5678", "just 010-1234-5678", "nothing here"]
    cfg = RedactConfig(actions={"EMAIL": "keep", "PHONE": "reject"})
    out = redact_table(_table(texts, ["ko"] * 3), cfg).to_pylist()
    assert [r["text"] for r in out] == ["mail a@example.com, call <PHONE>", "just <PHONE>", "nothing here"]
    assert [r["drop_reason"] for r in out] == ["pii:phone", "pii:phone", None]
    assert [r["pii_found"] for r in out] == [["EMAIL", "PHONE"], ["PHONE"], None]


def test_every_type_has_a_placeholder_and_unknown_types_are_config_errors():
    assert all(re.fullmatch(r"<[A-Z_0-9]+>", p) for p in PLACEHOLDERS) and len(PLACEHOLDERS) == len(PII_TYPES)
    with pytest.raises(ValueError, match="unknown PII type"):
        RedactConfig(actions={"SSN": "redact"})
