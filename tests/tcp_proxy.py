"""A TCP forwarder for outage tests: a port that refuses connections until `start()`.

`black_hole()` makes it a silent partition: connections stay open, bytes sent either way
are read and dropped, new connections are accepted and never answered (no reset, no
FIN), as when a firewall drops packets. `restore()` forwards new connections again.
"""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    """A port nothing listens on (the OS just handed it out and it was closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TcpProxy:
    """Forward 127.0.0.1:`port` to `target` while started; refuse connections otherwise."""

    def __init__(self, port: int, target: tuple[str, int]):
        self.port = port
        self.target = target
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._silent = threading.Event()

    def black_hole(self) -> None:
        """Drop everything from now on, answering nothing."""
        self._silent.set()

    def restore(self) -> None:
        """Forward again; connections opened while silent stay dead (as after a partition)."""
        self._silent.clear()

    def start(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        self._spawn(self._accept_loop)

    def stop(self) -> None:
        # shutdown() first: close() alone does not wake a thread blocked in accept()/recv().
        sockets = ([self._server] if self._server is not None else []) + self._sockets
        self._server = None
        for s in sockets:
            for step in (lambda s=s: s.shutdown(socket.SHUT_RDWR), s.close):
                try:
                    step()
                except OSError:
                    pass
        for t in self._threads:
            t.join(timeout=2)

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        server = self._server
        while server is not None:
            try:
                client, _ = server.accept()
            except OSError:
                return
            if self._silent.is_set():
                self._sockets.append(client)
                self._spawn(self._swallow, client)
                continue
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            self._spawn(self._pipe, client, upstream)
            self._spawn(self._pipe, upstream, client)

    def _swallow(self, source: socket.socket) -> None:
        try:
            while source.recv(65536):
                pass
        except OSError:
            pass

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        dead = False  # once silent, a connection never forwards again
        try:
            while data := source.recv(65536):
                dead = dead or self._silent.is_set()
                if not dead:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
