"""Finding records in a byte buffer of newline-delimited lines, vectorized.

Every line-oriented reader (JSONL, text per line) needs the same facts about a
buffer: where each non-blank line starts and ends, and its byte offset in the
file.  numpy finds them in one pass instead of a Python loop over lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.readers.records import RAW_PREFIX_CHARS

# What a quarantine row shows of a skipped line: enough for its first characters.
_HEAD_BYTES = RAW_PREFIX_CHARS * 4

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


@dataclass(frozen=True)
class LongRecord:
    """A line over the reader's size limit, skipped unread: where it starts, its size, its first bytes."""

    offset: int
    size: int
    head: bytes


def _cut_long(complete: bytes, pos: int, max_record: int):
    """``complete`` (whole lines) as buffers without lines over ``max_record``, and those lines."""
    if len(complete) <= max_record:
        yield complete, pos
        return
    ends = np.flatnonzero(np.frombuffer(complete, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends[:-1] + 1))
    long = np.flatnonzero(ends - starts > max_record)
    begin = 0
    for i in long:
        s, e = int(starts[i]), int(ends[i])
        if s > begin:
            yield complete[begin:s], pos + begin
        yield LongRecord(pos + s, e - s, complete[s : s + _HEAD_BYTES])
        begin = e + 1
    if begin < len(complete):
        yield complete[begin:], pos + begin


def iter_line_chunks(stream, start: int, limit: int | None, max_record: int, chunk_bytes: int = 16 << 20):
    """Yield ``(buffer, offset_of_buffer)`` holding whole lines from ``stream``,
    and a ``LongRecord`` in place of each line longer than ``max_record`` bytes.

    ``stream`` is positioned at ``start``, a line start.  With ``limit``, only
    lines that *start* before ``limit`` are yielded; the line crossing it is
    read to its end, so byte-range splits of one file neither lose nor repeat a
    line.  Decompression errors propagate after every complete line before the
    damage has been yielded.

    Memory stays under ``max_record + chunk_bytes`` whatever the input: once
    the unfinished line outgrows ``max_record`` it is dropped and the stream
    is only scanned, a chunk at a time, for the newline that ends it.
    """
    carry = b""
    pos = start
    skipped: LongRecord | None = None  # the long line being scanned past
    while True:
        data = stream.read(chunk_bytes)
        if skipped is not None:
            newline = data.find(b"\n")
            if newline < 0 and data:
                skipped = LongRecord(skipped.offset, skipped.size + len(data), skipped.head)
                continue
            size = skipped.size + (newline if newline >= 0 else 0)
            yield LongRecord(skipped.offset, size, skipped.head)
            pos, skipped = skipped.offset + size + 1, None
            if newline < 0 or (limit is not None and pos >= limit):
                return
            data = data[newline + 1 :]
            if not data:
                continue
        if not data:
            if carry and (limit is None or pos < limit):
                yield carry, pos
            return
        buf = carry + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            carry = buf
        else:
            complete, carry = buf[: cut + 1], buf[cut + 1 :]
            if limit is not None and pos + len(complete) >= limit:
                end = complete.find(b"\n", max(limit - pos - 1, 0))
                yield from _cut_long(complete[: end + 1], pos, max_record)
                return
            yield from _cut_long(complete, pos, max_record)
            pos += len(complete)
        if len(carry) > max_record:
            skipped, carry = LongRecord(pos, len(carry), carry[:_HEAD_BYTES]), b""
