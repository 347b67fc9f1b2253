"""Fault injection: the emulator misbehaving on purpose, for resilience tests.

``cos-snapshot serve --faults 503=0.2,reset=0.1,slow=0.1`` makes every HTTP request draw one
number and, with the given probabilities, suffer at most one of these faults:

- ``<status>`` (400-599, e.g. ``503``, ``500``): the request is not served; the answer is that
  status with a COS XML error document (503 is ``SlowDown``, 500 ``InternalError``) carrying
  the request id, as any other error of the emulator.
- ``reset``: the request is served up to half of its body: status line, headers with the full
  ``Content-Length``, then half the body, then the TCP connection is reset (RST). The client
  sees a broken connection, never a complete response.
- ``short``: a well-formed HTTP response whose body is cut in half and whose ``Content-Length``
  says so, as a broken proxy might send. Only a check of the content itself notices.
- ``slow``: the answer waits ``delay`` seconds (``--fault-delay``, default 1), then comes whole.

The probabilities add up to at most 1; ``seed`` (``--fault-seed``) makes the draws repeatable.
The middleware wraps the whole application, outside Starlette; on uvicorn it reaches the
connection's transport to reset it, elsewhere it stops mid-body and lets the server close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import struct
from collections import Counter
from decimal import Decimal
from http import HTTPStatus

import anyio
import attrs
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import EmulatorError

__all__ = ["INJECTED_ERROR", "FaultInjector", "FaultSpec"]

logger = logging.getLogger("cos_snapshot.emulator.faults")

#: Scope key under which a status fault hands its error to the app, so that the app's one
#: error handler renders it like any other.
INJECTED_ERROR = "cos_snapshot.injected_error"

_KINDS = ("reset", "short", "slow")
_CODES = {500: "InternalError", 503: "SlowDown", 429: "SlowDown"}
_LINGER_NOW = struct.pack("ii", 1, 0)


def _probability(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"faults: {name}={text!r} is not a probability") from None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"faults: {name}={text} must be between 0 and 1")
    return value


def _status(text: str) -> int:
    if not text.isdigit() or not 400 <= int(text) <= 599:
        raise ValueError(
            f"faults: unknown fault {text!r} (use a status 400-599, reset, short or slow)"
        )
    try:
        return HTTPStatus(int(text)).value
    except ValueError:
        raise ValueError(f"faults: {text} is not an HTTP status") from None


def _not_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"faults: {attribute.name} must not be negative, not {value}")


@attrs.frozen(kw_only=True)
class FaultSpec:
    """Which faults to inject and how often. ``statuses`` maps an HTTP status to its
    probability; ``reset``, ``short`` and ``slow`` are probabilities too; ``delay`` is the wait
    of a slow answer in seconds; ``seed`` seeds the draws (None: unpredictable)."""

    statuses: tuple[tuple[int, float], ...] = ()
    reset: float = 0.0
    short: float = 0.0
    slow: float = 0.0
    delay: float = attrs.field(default=1.0, validator=_not_negative)
    seed: int | None = None

    def __attrs_post_init__(self) -> None:
        named = [(str(s), p) for s, p in self.statuses] + [(k, getattr(self, k)) for k in _KINDS]
        for name, probability in named:
            _probability(name, str(probability))
        for status, _ in self.statuses:
            _status(str(status))
        if self.total > 1.0 + 1e-9:
            raise ValueError(f"faults: the probabilities add up to {self.total:g}, more than 1")

    @classmethod
    def parse(cls, text: str, *, delay: float = 1.0, seed: int | None = None) -> FaultSpec:
        """Read ``503=0.2,reset=0.1,slow=0.1``: comma-separated ``fault=probability``."""
        statuses: dict[int, float] = {}
        kinds: dict[str, float] = {}
        for item in text.split(","):
            name, sep, value = item.strip().partition("=")
            name = name.strip().lower()
            if not sep or not name:
                raise ValueError(f"faults: {item.strip()!r} is not fault=probability")
            probability = _probability(name, value.strip())
            if name in _KINDS:
                if name in kinds:
                    raise ValueError(f"faults: {name} is given twice")
                kinds[name] = probability
            else:
                status = _status(name)
                if status in statuses:
                    raise ValueError(f"faults: {name} is given twice")
                statuses[status] = probability
        return cls(statuses=tuple(sorted(statuses.items())), delay=delay, seed=seed, **kinds)

    @property
    def total(self) -> float:
        return sum(p for _, p in self.statuses) + self.reset + self.short + self.slow

    def choose(self, draw: float) -> str | None:
        """The fault a uniform ``draw`` in [0, 1) picks: a status as text, ``reset``,
        ``short``, ``slow``, or None."""
        # Summed as decimals, as written: 0.2 + 0.1 is 0.3, not 0.30000000000000004.
        point = Decimal(repr(draw))
        edge = Decimal(0)
        for name, probability in [(str(s), p) for s, p in self.statuses] + [
            ("reset", self.reset),
            ("short", self.short),
            ("slow", self.slow),
        ]:
            edge += Decimal(repr(probability))
            if point < edge:
                return name
        return None

    def __str__(self) -> str:
        parts = [f"{s}={p:g}" for s, p in self.statuses]
        parts += [f"{k}={getattr(self, k):g}" for k in _KINDS if getattr(self, k)]
        return ",".join(parts) or "none"


def injected_error(status: int) -> EmulatorError:
    """The COS error a status fault answers with."""
    phrase = HTTPStatus(status).phrase
    code = _CODES.get(status) or "".join(word.capitalize() for word in phrase.split())
    return EmulatorError(status, code, f"{phrase} (a fault injected by the emulator).")


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length" and value.isdigit():
            return int(value)
    return None


def _transport_of(send: Send) -> asyncio.Transport | None:
    """The connection's transport when ``send`` is uvicorn's own (the middleware is then the
    outermost application); None anywhere else."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.Transport) else None


def _reset(transport: asyncio.Transport) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), not an orderly FIN."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NOW)
    transport.abort()


async def _wait_for_disconnect(receive: Receive) -> None:
    """Let the server notice the connection is gone, so it does not log an unfinished
    response as an application error."""
    with anyio.move_on_after(1.0):
        while (await receive())["type"] != "http.disconnect":
            pass


class FaultInjector:
    """ASGI middleware injecting the faults of a :class:`FaultSpec`. ``requests`` counts the
    HTTP requests seen, ``counts`` the faults injected, by name (``503``, ``reset``, ...)."""

    def __init__(self, app: ASGIApp, spec: FaultSpec) -> None:
        self.app = app
        self.spec = spec
        self.requests = 0
        self.counts: Counter[str] = Counter()
        # Not for security: reproducible fault patterns are the point of a seed.
        self._random = random.Random(spec.seed)  # noqa: S311

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1
        fault = self.spec.choose(self._random.random())
        if fault is None:
            await self.app(scope, receive, send)
            return
        self.counts[fault] += 1
        logger.debug("injecting fault %s into %s %s", fault, scope["method"], scope["path"])
        if fault == "slow":
            await anyio.sleep(self.spec.delay)
            await self.app(scope, receive, send)
        elif fault == "reset":
            await self._reset_midway(scope, receive, send)
        elif fault == "short":
            await self._cut_short(scope, receive, send)
        else:
            await self.app({**scope, INJECTED_ERROR: injected_error(int(fault))}, receive, send)

    async def _reset_midway(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = _transport_of(send)
        sent = 0
        target: int | None = None
        broken = False

        async def send_half(message: Message) -> None:
            nonlocal sent, target, broken
            if broken:
                return
            if message["type"] == "http.response.start":
                length = _content_length(list(message.get("headers", [])))
                target = None if length is None else length // 2
                await send(message)
                return
            body: bytes = message.get("body", b"")
            if target is None:
                target = len(body) // 2
            part = body[: max(target - sent, 0)]
            if part:
                await send({"type": "http.response.body", "body": part, "more_body": True})
                sent += len(part)
            if sent >= target or not message.get("more_body", False):
                broken = True
                if transport is not None:
                    _reset(transport)

        await self.app(scope, receive, send_half)
        if not broken and transport is not None:
            _reset(transport)
        if transport is not None:
            await _wait_for_disconnect(receive)

    async def _cut_short(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_cut(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False) or start is None:
                return
            body = b"".join(chunks)
            cut = body[: len(body) // 2]
            headers = [
                (name, value)
                for name, value in start.get("headers", [])
                if name.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(cut)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": cut, "more_body": False})

        await self.app(scope, receive, send_cut)
