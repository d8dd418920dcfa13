"""Streaming decompression that hands over every byte it could decode.

``gzip.GzipFile.read(n)`` raises on a truncated file and discards what it had
decoded in that call; to quarantine only "the unreadable remainder" we want
every line before the damage.  This reader returns decoded data as it comes and
raises only once nothing more can be decoded.

Its memory is bounded whatever the input: a gzip bomb (1.5 MB that inflates to
1.5 GB) must not inflate in one call.  The decoder is fed ``_FEED`` bytes at a
time, so one call yields at most the format's worst ratio times that (deflate
about 1 KB per byte, zstd RLE blocks about 32 KB per byte: 32 MiB).
"""

from __future__ import annotations

import zlib

_RAW_CHUNK = 1 << 20
_FEED = 1 << 10


def _gzip_decoder():
    return zlib.decompressobj(wbits=47)  # gzip or zlib header, auto-detected


def _zstd_decoder():
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj()


class DecodedStream:
    """``read(n)`` over a compressed stream of one or more members/frames."""

    def __init__(self, raw, compression: str):
        self.raw = raw
        self.new_decoder = _gzip_decoder if compression == "gzip" else _zstd_decoder
        self.compression = compression
        self.decoder = self.new_decoder()
        self.buffer = bytearray()
        self.mid_member = False
        self.raw_done = False
        self.pending = memoryview(b"")  # raw bytes read but not yet fed to the decoder

    def _fill(self, n: int) -> None:
        while n < 0 or len(self.buffer) < n:
            if not self.pending:
                self.pending = memoryview(b"" if self.raw_done else self.raw.read(_RAW_CHUNK))
                if not self.pending:
                    self.raw_done = True
                    break
            feed, self.pending = self.pending[:_FEED], self.pending[_FEED:]
            self.buffer += self.decoder.decompress(feed)
            if self.decoder.eof:
                self.pending = memoryview(self.decoder.unused_data + bytes(self.pending))
                self.decoder = self.new_decoder()
                self.mid_member = False
            else:
                self.mid_member = True

    def read(self, n: int = -1) -> bytes:
        self._fill(n)
        if not self.buffer and self.raw_done and self.mid_member:
            self.mid_member = False
            raise EOFError(f"{self.compression} data ends before its end marker (truncated file)")
        out = bytes(self.buffer if n < 0 else self.buffer[:n])
        del self.buffer[: len(out)]
        return out
