"""A real uvicorn server on a loopback port for any ASGI app (the emulator, or a broken one).

``cos_snapshot.emulator.EmulatorThread`` serves the emulator of a settings object; the suite
also serves emulators wrapped in deliberately broken middleware, hence this small runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

__all__ = ["serving"]


@contextlib.contextmanager
def serving(app: Any, host: str = "127.0.0.1", startup_timeout: float = 10.0) -> Iterator[str]:
    """Serve ``app`` for the ``with`` block; yields its base URL."""
    # IPPROTO_TCP given explicitly: asyncio sets TCP_NODELAY only on such sockets.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind((host, 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", server_header=False
    )
    server = uvicorn.Server(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name=f"contract-server-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the server failed to start: {errors}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {startup_timeout}s")
            time.sleep(0.005)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
