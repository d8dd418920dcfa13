"""Replacing spans of stored text (masked eval items, redacted personal data).

Spans are code point offsets into each text.  Only the texts that have spans
are touched, and everything outside a span is copied through unchanged, which
is the guarantee both decontamination masking and PII redaction give.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def merge_spans(doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlapping or touching spans of one text merged into one."""
    if not len(doc):
        return doc, start, end
    order = np.lexsort((start, doc))
    doc, start, end = doc[order], start[order], end[order]
    new_doc = np.r_[True, doc[1:] != doc[:-1]]
    # Running max of ends within a text: a span opens a new group when it starts past it.
    lift = (np.cumsum(new_doc) - 1).astype(np.int64) * (int(end.max()) + 1)
    reach = np.maximum.accumulate(end + lift) - lift
    opens = new_doc.copy()
    opens[1:] |= start[1:] > reach[:-1]
    first = np.flatnonzero(opens)
    return doc[first], start[first], np.maximum.reduceat(end, first)


def replace_spans(texts: pa.Array, doc: np.ndarray, start: np.ndarray, end: np.ndarray, replacement: list[str]) -> pa.Array:
    """``texts`` with each non-overlapping span replaced by its replacement string."""
    if not len(doc):
        return texts
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    order = np.lexsort((start, doc))
    touched = np.unique(doc)
    values = pc.take(texts, pa.array(touched)).to_pylist()
    at = np.searchsorted(doc[order], touched)
    bounds = np.r_[at, len(order)]
    out = []
    for k, text in enumerate(values):
        pieces, pos = [], 0
        for j in order[bounds[k] : bounds[k + 1]]:
            pieces += [text[pos : start[j]], replacement[j]]
            pos = end[j]
        pieces.append(text[pos:])
        out.append("".join(pieces))
    changed = np.zeros(len(texts), dtype=bool)
    changed[touched] = True
    index = np.full(len(texts), -1, dtype=np.int64)
    index[touched] = np.arange(len(touched))
    new = pa.array(out, texts.type).take(pa.array(np.maximum(index, 0)))
    return pc.if_else(pa.array(changed), new, texts)
