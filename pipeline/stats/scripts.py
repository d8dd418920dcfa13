"""Script mix by character, read straight from the UTF-8 bytes.

The categories are those of ``filters.script`` (the script profile language ID
uses), so the stats' mix and the stages' ``script`` column agree.  That module
decodes every document to UTF-32 to get per-document counts; an aggregate only
needs totals, which come faster from the bytes of a string array's data buffer:
ASCII characters from a 256-bin byte histogram, and the rarer multi-byte
characters decoded to their code point from their lead byte's position.  No
per-character Python and no copy of the text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# The range table is filters.script's own; reading it keeps one definition of
# which code point belongs to which category.
from filters.script import _CATS, _STARTS, CATEGORY_NAMES

SCRIPTS = CATEGORY_NAMES
_TABLE = _CATS[np.searchsorted(_STARTS, np.arange(0x110000, dtype=np.uint32), side="right") - 1].astype(np.uint8)
_N = len(SCRIPTS)


def _utf8_data(arr: pa.Array) -> np.ndarray:
    """The bytes of a (large_)string array's values, zero-copy."""
    bufs = arr.buffers()
    if len(arr) == 0 or bufs[2] is None:
        return np.zeros(0, np.uint8)
    offset_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], offset_type)[arr.offset : arr.offset + len(arr) + 1]
    return np.frombuffer(bufs[2], np.uint8)[offsets[0] : offsets[-1]]


def script_counts(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Characters per category in ``SCRIPTS`` order (nulls count nothing)."""
    counts = np.zeros(_N, dtype=np.int64)
    for chunk in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        counts += _bytes_counts(_utf8_data(chunk))
    return counts


def _bytes_counts(data: np.ndarray) -> np.ndarray:
    by_byte = np.bincount(data, minlength=256)
    counts = np.bincount(_TABLE[:0x80], weights=by_byte[:0x80], minlength=_N).astype(np.int64)
    if by_byte[0x80:].any():
        last = len(data) - 1
        for lead_lo, lead_hi, width in ((0xC0, 0xE0, 2), (0xE0, 0xF0, 3), (0xF0, 0x100, 4)):
            if not by_byte[lead_lo:lead_hi].any():
                continue
            pos = np.flatnonzero((data >= lead_lo) & (data < lead_hi))
            cp = data[pos].astype(np.uint32) & (0x7F >> width)
            for k in range(1, width):
                # Valid UTF-8 always has the continuation bytes; the clip only guards bad input.
                cp = (cp << 6) | (data[np.minimum(pos + k, last)].astype(np.uint32) & 0x3F)
            counts += np.bincount(_TABLE[cp], minlength=_N)
    return counts
