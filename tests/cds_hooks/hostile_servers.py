"""HTTP servers on 127.0.0.1 for the prefetch attacks: they count what reaches them.

- `serve(wsgi_app)`: a threaded werkzeug server for a WSGI app; yields its URL.
- `RecordingApp`: answers every request from a route function and records (path?query,
  Authorization) of each; `seen == []` proves a refused fetch never left the service.
- `RawServer`: a socket server whose handler writes raw bytes (a trickle, a huge body);
  every loop is bounded in count and time, and it notes when the client hung up.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@contextmanager
def serve(app: Callable[..., Any]) -> Iterator[str]:
    """Run `app` on 127.0.0.1 (any free port) and yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fhir_json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/fhir+json")


@dataclass
class RecordingApp:
    """A WSGI app: `route(request, url_root) -> Response`; every request is recorded."""

    route: Callable[[Request, str], Response]
    seen: list[tuple[str, str | None]] = field(default_factory=list)

    def __call__(self, environ, start_response):
        request = Request(environ)
        # The request target as sent (werkzeug's path is percent-decoded).
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
        self.seen.append((raw.rstrip("?"), request.headers.get("Authorization")))
        return self.route(request, request.host_url.rstrip("/"))(environ, start_response)

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


class RawServer:
    """Accepts connections on 127.0.0.1 and runs `handler(conn)` for each (bounded)."""

    def __init__(self, handler: Callable[[socket.socket, RawServer], None]):
        self.handler = handler
        self.connections = 0
        self.sent = 0
        self.expected = 0  # what a handler would send to a client that waited for it all
        self.client_hung_up = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def send(self, conn: socket.socket, data: bytes) -> bool:
        """Send `data`; False (and client_hung_up set) when the client is gone."""
        try:
            conn.sendall(data)
        except OSError:
            self.client_hung_up.set()
            return False
        self.sent += len(data)
        return True

    def stopped(self) -> bool:
        return self._stop.is_set()

    def _accept(self) -> None:
        deadline = time.monotonic() + 60  # never outlives a test run
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65_536)  # the request (headers only: a GET)
            except OSError:
                return
            self.handler(conn, self)


def trickle(body: bytes, *, headers_slowly: bool, gap_seconds: float = 0.1) -> Callable:
    """A handler that sends one byte every `gap_seconds` (headers too, when asked)."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n"
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
    )

    def handler(conn: socket.socket, server: RawServer) -> None:
        slow = (head + body) if headers_slowly else body
        server.expected = len(head + body)
        if not headers_slowly and not server.send(conn, head):
            return
        for i in range(len(slow)):  # bounded: len(slow) bytes, gap_seconds apart
            if server.stopped() or not server.send(conn, slow[i : i + 1]):
                return
            time.sleep(gap_seconds)
        # A client that stayed for the whole trickle: the old, unbounded behaviour.

    return handler


def large_body(size: int, *, declare_length: bool) -> Callable:
    """A handler that sends a valid JSON Patient padded to `size` bytes."""
    prefix = b'{"resourceType": "Patient", "id": "p", "birthDate": "1970-01-01", "_pad": "'
    suffix = b'"}'
    padding = size - len(prefix) - len(suffix)

    def handler(conn: socket.socket, server: RawServer) -> None:
        server.expected = size
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n"
        if declare_length:
            head += f"Content-Length: {size}\r\n".encode()
        else:
            head += b"Transfer-Encoding: chunked\r\n"
        if not server.send(conn, head + b"\r\n"):
            return

        def out(data: bytes) -> bool:
            if declare_length:
                return server.send(conn, data)
            return server.send(conn, f"{len(data):x}\r\n".encode() + data + b"\r\n")

        if not out(prefix):
            return
        chunk = b"x" * 65_536
        left = padding
        while left > 0:  # bounded: size / 64 KiB chunks
            piece = chunk[: min(left, len(chunk))]
            if not out(piece):
                return
            left -= len(piece)
        if out(suffix) and not declare_length:
            server.send(conn, b"0\r\n\r\n")

    return handler
