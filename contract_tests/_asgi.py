"""Calling an ASGI app in-process from the sync and async typed clients and from schemathesis."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import httpx2
import requests
from anyio.from_thread import BlockingPortal, start_blocking_portal

__all__ = ["RequestsASGIAdapter", "SwitchableApp", "SyncASGITransport"]

ASGIApp = Callable[..., Any]


class SyncASGITransport(httpx2.BaseTransport):
    """``httpx2.ASGITransport`` for a sync ``httpx2.Client``: each request runs on an event loop in
    a helper thread. (httpx2 ships only the async variant.)"""

    def __init__(self, app: ASGIApp) -> None:
        self._inner = httpx2.ASGITransport(app=app)
        self._stack = ExitStack()
        self._portal: BlockingPortal = self._stack.enter_context(start_blocking_portal())

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()

        async def send() -> httpx2.Response:
            forwarded = httpx2.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(forwarded)
            content = await response.aread()
            return httpx2.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        return self._portal.call(send)

    def close(self) -> None:
        self._stack.close()


class RequestsASGIAdapter(requests.adapters.BaseAdapter):
    """A ``requests`` transport adapter that hands each request to an ASGI app in-process, so
    that the official SDK (which sends with ``requests``) reaches the in-process target."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__()
        self._transport = SyncASGITransport(app)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body or b""
        answer = self._transport.handle_request(
            httpx2.Request(
                request.method or "GET",
                request.url or "",
                headers=dict(request.headers),
                content=body.encode() if isinstance(body, str) else body,
            )
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.url = request.url or ""
        response.request = request
        response.reason = answer.reason_phrase
        response.encoding = answer.encoding
        return response

    def close(self) -> None:
        self._transport.close()


class SwitchableApp:
    """An ASGI app that forwards to whichever app is current.

    schemathesis binds an app to a schema when the tests are collected, before any fixture has
    built the emulator; the suite gives it this stand-in and points it at the target's app.
    The lifespan is answered here: each emulator app is owned (and closed) by its target.
    """

    def __init__(self) -> None:
        self.current: ASGIApp | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if self.current is None:
            raise RuntimeError("no in-process target is active")
        await self.current(scope, receive, send)
