"""aiohttp under the async client's httpx2 API (the extra ``cos-snapshot[aiohttp]``).

Imported only when an :class:`~cos_snapshot.AsyncSnapshotClient` is built with
``transport="aiohttp"`` (or ``"auto"`` finds aiohttp installed): nothing else of the package
needs aiohttp.

The client is httpx-aiohttp's ``Httpx2AiohttpClient``, an ``httpx2.AsyncClient`` whose
transports are ``httpx_aiohttp.httpx2.AiohttpTransport``. httpx2 does the rest as with its own
transport: it reads ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY``, ``SSL_CERT_FILE``
and ``SSL_CERT_DIR`` once (``trust_env``, on by default) and mounts a proxied transport per proxy,
so the environment is honoured exactly alike on both transports. aiohttp's own ``trust_env``
stays off: it would look the proxy up again, in a worker thread, on every request.

Errors: the transport maps some aiohttp exceptions to httpx2's, not always to the right one (a
refused connection or a server that hangs up becomes ``ConnectTimeout``), and lets others through
(``ClientResponseError`` for a malformed answer, ``ValueError`` for a header aiohttp will not send,
a bare ``OSError``). :func:`library_error` turns any of them, raw or behind an httpx2 exception,
into a :class:`CosConnectionError`, a :class:`CosTimeoutError` or (not retried) a
:class:`CosClientError`, with a message made here: never a URL, a header value or the text of a
request.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import httpx2
from httpx_aiohttp.httpx2 import Httpx2AiohttpClient

from .._shared.errors import CosClientError, CosConnectionError, CosTimeoutError

__all__ = ["LIBRARY_ERRORS", "library_error", "make_client"]

#: What aiohttp (and the sockets under it) may raise through the transport unmapped.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    ValueError,
)


def make_client(**kwargs: Any) -> httpx2.AsyncClient:
    """An ``httpx2.AsyncClient`` on aiohttp, built from the arguments the generated client
    would give ``httpx2.AsyncClient`` (``limits`` sizes aiohttp's pool: ``max_connections`` is
    its ``limit``)."""
    return Httpx2AiohttpClient(**kwargs)


def _aiohttp_cause(exc: BaseException) -> BaseException | None:
    """The aiohttp (or socket) exception behind ``exc``: itself, or the one an httpx2
    exception of the transport was raised from."""
    seen = exc
    for _ in range(3):
        if isinstance(seen, aiohttp.ClientError) or (
            isinstance(seen, OSError | TimeoutError) and not isinstance(seen, httpx2.HTTPError)
        ):
            return seen
        if seen.__cause__ is None:
            return None
        seen = seen.__cause__
    return None


def library_error(exc: BaseException) -> CosClientError | None:
    """The typed error for an exception of the aiohttp transport, or ``None`` when ``exc``
    (an httpx2 error) has no aiohttp exception behind it."""
    cause = _aiohttp_cause(exc)
    if cause is None:
        if isinstance(exc, ValueError) and not isinstance(exc, httpx2.HTTPError):
            # aiohttp refuses a header with CR/LF or another character HTTP does not allow;
            # its message quotes the value, which may be a secret.
            return CosClientError(
                "the request is not valid HTTP: a header value has characters HTTP does not allow"
            )
        return None
    name = type(cause).__name__
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        return CosTimeoutError(f"timed out: {name} (connecting)")
    if isinstance(cause, TimeoutError):
        return CosTimeoutError(f"timed out: {name} (waiting for data)")
    if isinstance(cause, aiohttp.ClientConnectorError):
        reason = cause.strerror or type(cause.os_error).__name__
        # The client adds the endpoint (host:port) to every connection error.
        return CosConnectionError(f"connection failed: {name}: cannot connect: {reason}")
    if isinstance(cause, aiohttp.ClientResponseError):
        # Not str(cause): it carries the request's URL.
        return CosConnectionError(f"connection failed: {name}: {cause.status}, {cause.message}")
    if isinstance(cause, aiohttp.InvalidURL):
        return CosClientError(f"the request's URL is not one aiohttp can send ({name})")
    if isinstance(cause, aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return CosConnectionError(f"connection failed: {name}: {cause}")
    if isinstance(cause, OSError) and cause.strerror:
        return CosConnectionError(f"connection failed: {name}: {cause.strerror}")
    return CosConnectionError(f"connection failed: {name}")
