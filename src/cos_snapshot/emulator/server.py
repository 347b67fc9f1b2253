"""Running the emulator under uvicorn: in the foreground (the CLI) or in a background thread
(tests, the demo, the contract suite, benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import create_app
from .faults import FaultInjector
from .frames import tune_process_memory
from .frames.heap import _describe as _process_memory
from .settings import EmulatorSettings

__all__ = [
    "MAX_REQUEST_HEAD_BYTES",
    "EmulatorThread",
    "run_server",
    "running_emulator",
    "serving_app",
]

#: The request line and headers uvicorn buffers before giving up with a plain 400 (h11's
#: limit, made explicit). Below it, the app answers header blocks over 8 KiB with a COS error.
MAX_REQUEST_HEAD_BYTES = 16 * 1024
#: Idle keep-alive connections are closed after this many seconds.
KEEP_ALIVE_TIMEOUT_S = 5
_MAX_PORT = 65535

#: A secret's value in a log line: a presigned URL's signature and STS token in a query string
#: (``q-signature=…``), the same in an ``Authorization`` header, and the token header as
#: uvicorn's trace level prints a request's scope (``(b'x-cos-security-token', b'…')``). A
#: signature is as good as a password for its window; the key id (``q-ak``), the signed
#: header and parameter lists and the time window stay, for debugging.
_SECRET_IN_LOG = re.compile(
    r"""((?:q-signature|x-cos-security-token)(?:=|:\s*|['"]?,\s*b?['"]))[^&\s'"]+""",
    re.IGNORECASE,
)
#: The loggers whose lines can hold a request's target or headers: the access log, the
#: ASGI message log (trace level) and the server's own.
_REQUEST_LOGGERS = ("uvicorn.access", "uvicorn.asgi", "uvicorn.error")


def redact_secrets(text: str) -> str:
    """``text`` with every signature and STS token value replaced by ``<redacted>``."""
    return _SECRET_IN_LOG.sub(r"\1<redacted>", text)


class _RedactTokens(logging.Filter):
    """Log lines show request targets and, at trace level, whole request scopes; a presigned
    URL's signature and STS token are not for logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Argument by argument: the access log's formatter reads its arguments as a tuple.
        # A scope (a dict) is formatted with %s, so its text stands in for it.
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg if isinstance(arg, int | float) else redact_secrets(str(arg))
                for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        return True


def _redact_access_log() -> None:
    for name in _REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactTokens) for f in logger.filters):
            logger.addFilter(_RedactTokens())


class _HeadDeadlineH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head.

    uvicorn closes a keep-alive connection that stays silent after an answer, but its timer
    stops at the first byte that arrives, and a new connection has none: a client that
    connects and sends nothing, or half a request line, would hold one of
    ``--max-connections`` until it went away (16 such sockets make every other client's
    request a 503). Here the whole head must arrive within ``head_timeout_s`` of the
    connection opening or of the previous answer's end; otherwise the connection is closed.
    The body has its own bound, in the app (``request_body_timeout_s``).
    """

    head_timeout_s: float = 10.0
    _head_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm_head_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._reading_request():
            self._disarm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._reading_request():
            self._arm_head_deadline()  # the next request's head, if any, has its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_deadline()
        super().connection_lost(exc)

    def _reading_request(self) -> bool:
        """Whether a request's head has arrived and its answer is not complete yet."""
        return self.cycle is not None and not self.cycle.response_complete

    def _arm_head_deadline(self) -> None:
        self._disarm_head_deadline()
        self._head_deadline = self.loop.call_later(self.head_timeout_s, self._head_too_late)

    def _disarm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_late(self) -> None:
        self._head_deadline = None
        if not self._reading_request() and not self.transport.is_closing():
            self.transport.close()


def _protocol(settings: EmulatorSettings) -> type[H11Protocol]:
    """The h11 protocol class with ``settings``' request-head deadline."""
    return type(
        "EmulatorH11Protocol",
        (_HeadDeadlineH11,),
        {"head_timeout_s": settings.request_head_timeout_s},
    )


def serving_app(settings: EmulatorSettings) -> ASGIApp:
    """The application a server runs: the emulator, inside the fault injector if
    ``settings.faults`` asks for faults."""
    app: ASGIApp = create_app(settings)
    if settings.faults is not None:
        app = FaultInjector(app, settings.faults)
    return app


def _config(
    app: ASGIApp,
    settings: EmulatorSettings,
    host: str,
    port: int,
    *,
    log_level: str,
    quiet: bool,
) -> uvicorn.Config:
    _redact_access_log()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        # Embedded servers leave the host program's logging alone.
        log_config=None if quiet else LOGGING_CONFIG,
        access_log=not quiet,
        lifespan="on",
        server_header=False,  # the app sends its own Server header, like COS
        timeout_graceful_shutdown=5,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT_S,
        limit_concurrency=settings.max_connections,
        # Always h11: uvicorn would pick httptools wherever it happens to be installed, and
        # the limits above (and the answers to malformed requests) would change with it.
        http=_protocol(settings),
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
    )


def run_server(
    settings: EmulatorSettings,
    host: str = "127.0.0.1",
    port: int = 9000,
    *,
    log_level: str = "info",
    on_listening: Callable[[str], object] | None = None,
) -> None:
    """Serve the emulator on ``host:port`` until interrupted (Ctrl-C).

    This takes over the process, so it first tunes the process's allocator for serving
    (:func:`~cos_snapshot.emulator.tune_process_memory`); the embedded servers
    (:func:`running_emulator`, :class:`EmulatorThread`) leave the host process alone.
    ``on_listening`` is called with the base URL (the real port, which port 0 chose) once the
    socket listens: connections made from then on are served. A port outside 0..65535 raises
    :class:`ValueError`.
    """
    if not 0 <= port <= _MAX_PORT:
        raise ValueError(f"port must be from 0 to {_MAX_PORT}, not {port}")
    # Before the server's threads start: glibc's arena limit applies to arenas made later.
    tune_process_memory()
    try:
        sock = _listening_socket(host, port)
    except OSError as error:
        # One clear line instead of uvicorn's start-up log and exit code 3.
        raise OSError(
            error.errno, f"cannot listen on {_url(host, port)}: {error.strerror}"
        ) from None
    config = _config(serving_app(settings), settings, host, port, log_level=log_level, quiet=False)
    server_log = logging.getLogger("uvicorn.error")  # configured by now
    server_log.debug("Process memory: %s", _process_memory())
    # uvicorn leaves out its "running on" line when it is handed a socket; say it (the real
    # port, which --port 0 chose).
    url = _url(host, sock.getsockname()[1])
    server_log.info("Serving %s on %s (Ctrl-C to stop)", settings.root, url)
    if on_listening is not None:
        on_listening(url)
    uvicorn.Server(config).run(sockets=[sock])


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _listening_socket(host: str, port: int = 0) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: a free one), as uvicorn would bind it.

    The protocol is given explicitly: asyncio only turns Nagle's algorithm off (TCP_NODELAY)
    for connections whose socket says IPPROTO_TCP, and without that every keep-alive response
    written in two parts waits ~40 ms for the client's delayed ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


class EmulatorThread:
    """A real uvicorn server on a free port of ``host``, run by a background thread.

    ``start()`` returns once the server accepts connections, with its base URL; ``stop()``
    shuts it down gracefully and waits for the thread. Also a context manager.

    It serves the emulator of ``settings``, or ``app`` when given (for instance the emulator
    wrapped in a test's middleware); ``settings`` still sets the server's limits.
    """

    def __init__(
        self,
        settings: EmulatorSettings,
        host: str = "127.0.0.1",
        *,
        app: ASGIApp | None = None,
        log_level: str = "warning",
        startup_timeout: float = 10.0,
    ) -> None:
        self.settings = settings
        self._given_app = app
        self.host = host
        self._log_level = log_level
        self._startup_timeout = startup_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.url: str | None = None
        #: The ASGI application being served (a FaultInjector when faults are on).
        self.app: ASGIApp | None = None

    def start(self) -> str:
        if self._thread is not None:
            raise RuntimeError("this emulator has already been started")
        sock = _listening_socket(self.host)
        port = sock.getsockname()[1]
        self.app = self._given_app if self._given_app is not None else serving_app(self.settings)
        server = uvicorn.Server(
            _config(self.app, self.settings, self.host, port, log_level=self._log_level, quiet=True)
        )
        self._server = server

        def serve() -> None:
            try:
                asyncio.run(server.serve(sockets=[sock]))
            except BaseException as exc:  # reported by start() or stop()
                self._error = exc
            finally:
                sock.close()

        self._thread = threading.Thread(target=serve, name=f"cos-emulator-{port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + self._startup_timeout
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the emulator failed to start") from self._error
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator did not start within {self._startup_timeout}s")
            time.sleep(0.005)
        self.url = _url(self.host, port)
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the server to exit and wait for it; idempotent."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._server = None

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def running_emulator(
    settings: EmulatorSettings, host: str = "127.0.0.1", *, app: ASGIApp | None = None
) -> Iterator[str]:
    """Run the emulator (or ``app``, see :class:`EmulatorThread`) in a background thread for
    the ``with`` block; yields its base URL (``http://127.0.0.1:PORT``)."""
    with EmulatorThread(settings, host, app=app) as url:
        yield url
