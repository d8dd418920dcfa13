"""The PII detectors compared, each as ``texts, langs -> [[(start, end, type)]]`` in pentaglot's type names.

* pentaglot: ``filters.pii_scan.scan`` over 1024-document batches;
* datatrove: its ``PIIFormatter``'s own email and IP replacers (regex plus
  its IP validator, private addresses included), the spans they would replace;
* Presidio: the predefined pattern recognizers that need no spaCy model and
  cover these types (email, IP, phone with the five regions, credit card,
  IBAN, Korean RRN), each run on each document as the analyzer would.
  Presidio's email check asks tldextract for the public-suffix list over the
  network; it is pointed at its bundled snapshot instead (no network here).
"""

from __future__ import annotations

import pyarrow as pa

from filters.pii_config import RedactConfig
from filters.pii_config import PII_TYPES
from filters.pii_scan import scan

BATCH = 1024
PRESIDIO_TYPES = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN", "KR_RRN": "KR_RRN"}


def pentaglot(texts: list[str], langs: list[str]) -> list[list[tuple[int, int, str]]]:
    cfg = RedactConfig()
    out: list[list] = [[] for _ in texts]
    for start in range(0, len(texts), BATCH):
        found = scan(pa.array(texts[start : start + BATCH], pa.large_string()), langs[start : start + BATCH], cfg)
        for d, s, e, k in zip(found.doc.tolist(), found.start.tolist(), found.end.tolist(), found.kind.tolist()):
            out[start + d].append((s, e, PII_TYPES[k]))
    return out


def datatrove_detector():
    from datatrove.pipeline.formatters import PIIFormatter

    formatter = PIIFormatter(only_remove_public_ips=False)
    replacers = [(formatter.emails_replacer, "EMAIL"), (formatter.ip_replacer, "IPV4")]

    def detect(texts: list[str], langs: list[str]) -> list[list[tuple[int, int, str]]]:
        return [
            [(m.start(), m.end(), kind) for rep, kind in replacers for m in rep.regex.finditer(t) if rep.validator is None or rep.validator(m.group(0))]
            for t in texts
        ]

    return detect


def presidio_detector():
    import tldextract
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer, IbanRecognizer, IpRecognizer, KrRrnRecognizer, PhoneRecognizer
    from presidio_analyzer.predefined_recognizers.generic import email_recognizer

    email_recognizer.tldextract = type("offline", (), {"extract": staticmethod(tldextract.TLDExtract(suffix_list_urls=()))})
    recognizers = [
        (EmailRecognizer(), ["EMAIL_ADDRESS"]),
        (IpRecognizer(), ["IP_ADDRESS"]),
        (PhoneRecognizer(supported_regions=("KR", "JP", "CN", "ES", "US")), ["PHONE_NUMBER"]),
        (CreditCardRecognizer(), ["CREDIT_CARD"]),
        (IbanRecognizer(), ["IBAN_CODE"]),
        (KrRrnRecognizer(), ["KR_RRN"]),
    ]

    def kind(result, text: str) -> str:
        if result.entity_type == "IP_ADDRESS":
            return "IPV6" if ":" in text[result.start : result.end] else "IPV4"
        return PRESIDIO_TYPES[result.entity_type]

    def detect(texts: list[str], langs: list[str]) -> list[list[tuple[int, int, str]]]:
        return [[(r.start, r.end, kind(r, t)) for rec, ents in recognizers for r in rec.analyze(t, ents, None)] for t in texts]

    return detect
