"""An HTTP proxy in front of the local S3 server that can refuse requests, as a real S3 would.

Tests give it a ``refuse(handler)`` rule: throttling (503 SlowDown), expired
keys (403 ExpiredToken).  Everything it does not refuse is forwarded unchanged.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Refusal = tuple[int, str, str]  # HTTP status, S3 error code, message


def _handler(upstream: str, refuse: Callable[[BaseHTTPRequestHandler], Refusal | None]):
    class Proxy(BaseHTTPRequestHandler):
        def _handle(self):
            refusal = refuse(self)
            if refusal is not None:
                status, code, message = refusal
                body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else None
            req = urllib.request.Request(upstream + self.path, data=data, method=self.command)
            # urllib would label a bodied request a form post, and the server would read the body as a form.
            req.add_header("Content-Type", self.headers.get("Content-Type", "binary/octet-stream"))
            for key, value in self.headers.items():
                if key.lower() not in ("host", "content-length", "expect"):  # the body is already here
                    req.add_header(key, value)
            try:
                resp = urllib.request.urlopen(req)
                status, headers, body = resp.status, resp.headers, resp.read()
            except urllib.error.HTTPError as err:
                status, headers, body = err.code, err.headers, err.read()
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in ("transfer-encoding", "content-length", "connection"):
                    self.send_header(key, value)
            # A HEAD answer has no body but announces the object's size.
            self.send_header("Content-Length", headers.get("Content-Length", "0") if self.command == "HEAD" else str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _handle

        def log_message(self, *args):
            pass

    return Proxy


@contextmanager
def s3_proxy(upstream: str, refuse: Callable[[BaseHTTPRequestHandler], Refusal | None]):
    """Yield the proxy's endpoint URL while it runs."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(upstream, refuse))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
