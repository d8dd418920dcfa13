"""Streaming decompression that hands over every byte it could decode.

``gzip.GzipFile.read(n)`` raises on a truncated file and discards what it had
decoded in that call; to quarantine only "the unreadable remainder" we want
every line before the damage.  This reader returns decoded data as it comes and
raises only once nothing more can be decoded.
"""

from __future__ import annotations

import zlib

_RAW_CHUNK = 1 << 20


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

    def _fill(self, n: int) -> None:
        while (n < 0 or len(self.buffer) < n) and not self.raw_done:
            chunk = self.raw.read(_RAW_CHUNK)
            if not chunk:
                self.raw_done = True
                break
            while chunk:
                self.buffer += self.decoder.decompress(chunk)
                if self.decoder.eof:
                    chunk = self.decoder.unused_data
                    self.decoder = self.new_decoder()
                    self.mid_member = False
                else:
                    chunk = b""
                    self.mid_member = True

    def read(self, n: int = -1) -> bytes:
        self._fill(n)
        if not self.buffer and self.raw_done and self.mid_member:
            self.mid_member = False
            raise EOFError(f"{self.compression} data ends before its end marker (truncated file)")
        out = bytes(self.buffer if n < 0 else self.buffer[:n])
        del self.buffer[: len(out)]
        return out
