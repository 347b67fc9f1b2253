"""A raw-socket HTTP server on loopback for tests that need a server to lie, break or count:
``RawServer(handler)`` runs ``handler(conn)`` on each connection in its own thread; the
``raw_server`` fixture (in conftest) starts them and closes them after the test."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

Handler = Callable[[socket.socket], None]


class RawServer:
    """A loopback server that runs ``handler`` on each connection in its own thread and
    counts the connections (and the most open at once)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.open = 0
        self.peak = 0
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.open += 1
                self.peak = max(self.peak, self.open)
                self.changed.notify_all()
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            with conn:
                self.handler(conn)
        except OSError:
            pass
        finally:
            with self.lock:
                self.open -= 1
                self.changed.notify_all()

    def read_request(self, conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        with self.lock:
            self.requests.append(data)
        return data

    def close(self) -> None:
        self.sock.close()
