"""The run report's warning for a language a step rejected entirely (a typo in ``languages`` looks like this)."""

from __future__ import annotations

from pipeline.runner import format_report, wholly_rejected


def _row(read: int, kept: int, reasons: dict[str, int]) -> dict:
    return {"read": read, "kept": kept, "rejected": read - kept, "quarantined": 0, "rejected_by_reason": reasons}


def _langid_step() -> dict:
    by_language = {
        "ko": _row(40, 40, {}),
        "ja": _row(30, 0, {"lang:ja": 30}),  # ja missing from languages: every one rejected
        "de": _row(2, 0, {"lang:de": 2}),  # a few stray documents: no warning
        "und": _row(8, 0, {"lang:und": 8}),
    }
    counts = {"read": 80, "kept": 40, "rejected": 40, "quarantined": 0}
    return {"step": "langid", "seconds": 1.0, "resumed": False, "counts": counts, "rejected_by_reason": {}, "by_language": by_language}


def test_a_language_rejected_entirely_in_quantity_is_warned_about():
    warnings = wholly_rejected(_langid_step())
    assert warnings == ["langid rejected all 30 ja documents (38% of its input: lang:ja 30); if it should be kept, add it to languages"]
    report = {"output": "out", "seconds": 1.0, "steps": [_langid_step()], "outputs": {"shards": None, "stats": None}, "warnings": warnings}
    assert format_report(report).splitlines()[-1] == f"WARNING: {warnings[0]}"
