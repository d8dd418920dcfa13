"""Finding records in a byte buffer of newline-delimited lines, vectorized.

Every line-oriented reader (JSONL, text per line) needs the same facts about a
buffer: where each non-blank line starts and ends, and its byte offset in the
file.  numpy finds them in one pass instead of a Python loop over lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[9, 10, 13, 32]] = True


@dataclass
class Lines:
    """Non-blank lines of ``buf``: [starts, ends) byte ranges, newline excluded."""

    buf: bytes
    starts: np.ndarray
    ends: np.ndarray
    base_offset: int
    # 0-based index of each kept line among all lines of the buffer, so a
    # reader that knows the buffer's first line number can report line numbers.
    index: np.ndarray
    newlines: int

    @property
    def offsets(self) -> np.ndarray:
        """Byte offset of each line in the file (what a stable id is built from)."""
        return self.starts + self.base_offset

    def __len__(self) -> int:
        return len(self.starts)

    def raw(self, i: int) -> bytes:
        return self.buf[self.starts[i] : self.ends[i]]


def split_lines(buf: bytes, base_offset: int) -> Lines:
    arr = np.frombuffer(buf, dtype=np.uint8)
    newlines = np.flatnonzero(arr == 10)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(arr)]))
    # A line is kept when any byte in it is not whitespace: one max-reduce per
    # line over a byte mask (an int64 cumsum here cost more than JSON parsing).
    solid = (~_WHITESPACE[arr]).view(np.uint8)
    keep = ends > starts
    if len(arr):
        nonempty = np.flatnonzero(keep)
        keep[nonempty] = np.maximum.reduceat(solid, starts[nonempty]).astype(bool)
    return Lines(buf, starts[keep], ends[keep], base_offset, np.flatnonzero(keep), len(newlines))


def iter_line_chunks(stream, start: int, limit: int | None, chunk_bytes: int = 16 << 20):
    """Yield ``(buffer, offset_of_buffer)`` holding whole lines from ``stream``.

    ``stream`` is positioned at ``start``, a line start.  With ``limit``, only
    lines that *start* before ``limit`` are yielded; the line crossing it is
    read to its end, so byte-range splits of one file neither lose nor repeat a
    line.  Decompression errors propagate after every complete line before the
    damage has been yielded.
    """
    carry = b""
    pos = start
    while True:
        data = stream.read(chunk_bytes)
        if not data:
            if carry and (limit is None or pos < limit):
                yield carry, pos
            return
        buf = carry + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            carry = buf
            continue
        complete, carry = buf[: cut + 1], buf[cut + 1 :]
        if limit is not None and pos + len(complete) >= limit:
            end = complete.find(b"\n", max(limit - pos - 1, 0))
            yield complete[: end + 1], pos
            return
        yield complete, pos
        pos += len(complete)
