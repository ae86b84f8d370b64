"""A real threaded HTTP/1.1 server on 127.0.0.1 that hands every request to one function: the ground the
fake marketplaces and the HTTP layer's scripted server stand on.

The function answers with a Reply, or with None to close the connection without a word (as a failing
proxy or network does). Keep-alive connections are closed on stop, so no handler thread outlives it.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.http_messages import RecordedRequest, Reply

Answerer = Callable[[RecordedRequest], Reply | None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platforms and httpx's pool expect
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test output stays quiet; the servers keep every request they were sent

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while (size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)) > 0:
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        pairs = tuple(parse_qsl(url.query, keep_blank_values=True))
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query=dict(pairs),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self._read_body(),
            query_pairs=pairs,
            origin=self.server.origin,
        )
        reply = self.server.answer(request)
        if reply is None:  # close without a word, as a failing proxy or network does
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, answer: Answerer, on_error: Callable[[str], None]) -> None:
        self.answer = answer
        self.on_error = on_error
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)
        host, port = self.server_address[:2]
        self.origin = f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client hung up first (its timeout, an injected delay): nothing is wrong here
        self.on_error(f"the test server failed: {error!r}")  # fails the test at teardown, not silently


class LocalServer:
    """Serves `answer` on 127.0.0.1 at a free port from construction until `stop`. A failure of the
    server itself (not a client hanging up) is passed to `on_error`, for the test to fail on."""

    def __init__(self, answer: Answerer, on_error: Callable[[str], None]) -> None:
        self._httpd = _Server(answer, on_error)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self._stopped = False

    @property
    def base_url(self) -> str:
        return self._httpd.origin

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        with self._httpd.connections_lock:  # idle keep-alive connections would hold their threads
            for connection in list(self._httpd.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._thread.join(5)
