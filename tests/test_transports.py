"""The async client's two transports (httpx2's own and aiohttp's) behave alike.

Real servers on loopback: the emulator, and raw-socket servers that break an exchange in one
way each (refused, hung up, garbage, cut short, silent, reset), a fake proxy and a server that
counts the connections open at once. No mocks: what reaches our code from each HTTP library is
what a user would get.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import struct
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import httpx2
import pytest
from raw_server import Handler, RawServer

import cos_snapshot
import cos_snapshot._client
from cos_snapshot import (
    AsyncSnapshotClient,
    CosClientError,
    CosConnectionError,
    CosError,
    CosInvalidArgumentError,
    CosServiceError,
    CosTimeoutError,
    Credentials,
    RetryPolicy,
    Transport,
)
from cos_snapshot.cli._common import async_client_from_args
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

SECRET_KEY = "sk-TRANSPORT-SECRET/9a=="
CRED = Credentials("AKIDTRANSPORT00001", SECRET_KEY)
NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\nContent-Length: 49\r\n\r\n"
    b"<Error><Code>NoSuchKey</Code><Message/></Error>\r\n"
)


def _client(url: str, transport: Transport, **kwargs: object) -> AsyncSnapshotClient:
    options: dict[str, object] = {
        "endpoint_url": url,
        "credentials": CRED,
        "timeout": httpx2.Timeout(5.0, read=0.5),
        "retry": RetryPolicy(max_attempts=2, base_backoff=0, deadline=20),
        "transport": transport,
        **kwargs,
    }
    return AsyncSnapshotClient(**options)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- each way an exchange breaks gives the same typed error on both transports -----------------


def _hang_up(server: RawServer) -> Handler:
    def handle(conn: socket.socket) -> None:
        server.read_request(conn)  # and close without an answer

    return handle


def _garbage(server: RawServer) -> Handler:
    def handle(conn: socket.socket) -> None:
        server.read_request(conn)
        conn.sendall(b"HELLO THERE\r\n\r\n")

    return handle


def _cut_short(server: RawServer) -> Handler:
    def handle(conn: socket.socket) -> None:
        server.read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n"
            + b"\xff\xd8\xff" * 10
        )

    return handle


def _silent(server: RawServer) -> Handler:
    def handle(conn: socket.socket) -> None:
        server.read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n")
        conn.recv(1)  # until the client gives up

    return handle


def _reset(server: RawServer) -> Handler:
    def handle(conn: socket.socket) -> None:
        server.read_request(conn)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 1000\r\n\r\n"
            + b"\xff\xd8\xff" * 10
        )
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return handle


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (_hang_up, CosConnectionError),
        (_garbage, CosConnectionError),
        (_cut_short, CosConnectionError),
        (_silent, CosTimeoutError),
        (_reset, CosConnectionError),
    ],
)
async def test_a_broken_exchange_is_retried_then_a_typed_error(
    raw_server: Callable[[Handler], RawServer],
    transport: Transport,
    fault: Callable[[RawServer], Handler],
    expected: type[CosError],
) -> None:
    holder: list[RawServer] = []

    def handle(conn: socket.socket) -> None:
        fault(holder[0])(conn)

    server = raw_server(handle)
    holder.append(server)
    async with _client(server.url, transport) as client:
        with pytest.raises(CosError) as info:
            await client.get_snapshot("clip.mp4", 1)
    error = info.value
    assert type(error) is expected, repr(error)
    # Retried once (max_attempts=2). aiohttp itself sends a GET again, once, when the server
    # hangs up without answering (RFC 9112 section 9.3.1): then each attempt arrives twice.
    twice = transport == "aiohttp" and fault is _hang_up
    assert len(server.requests) == (4 if twice else 2)
    assert SECRET_KEY not in str(error)


async def test_a_refused_connection_is_a_connection_error_not_a_timeout(
    transport: Transport,
) -> None:
    # httpx-aiohttp alone maps aiohttp's ClientConnectorError to httpx2.ConnectTimeout.
    url = f"http://127.0.0.1:{_free_port()}"
    async with _client(url, transport) as client:
        with pytest.raises(CosError) as info:
            await client.get_snapshot("clip.mp4", 1)
    assert type(info.value) is CosConnectionError, repr(info.value)


async def test_a_header_http_does_not_allow_is_refused_unsent_and_unquoted(
    raw_server: Callable[[Handler], RawServer], transport: Transport
) -> None:
    server = raw_server(lambda conn: None)
    headers = {"x-cos-meta-note": "TOPSECRET\r\nX-Injected: 1"}
    async with _client(server.url, transport, httpx_args={"headers": headers}) as client:
        with pytest.raises(CosClientError) as info:
            await client.get_snapshot("clip.mp4", 1)
    assert type(info.value) is CosClientError, repr(info.value)  # not retried
    assert "TOPSECRET" not in str(info.value)
    assert server.requests == []


# --- the pool is sized by max_connections on both ---------------------------------------------


def _answer_when(server_ref: list[RawServer], open_at_once: int, wait: float) -> Handler:
    """Answer 404 (keeping the connection) once ``open_at_once`` connections are open, or
    after ``wait`` seconds."""

    def handle(conn: socket.socket) -> None:
        server = server_ref[0]
        while server.read_request(conn):
            with server.changed:
                server.changed.wait_for(lambda: server.open >= open_at_once, timeout=wait)
            conn.sendall(NOT_FOUND)

    return handle


@pytest.mark.parametrize("max_connections", [2, 8])
async def test_max_connections_bounds_the_connections_open_at_once(
    raw_server: Callable[[Handler], RawServer], transport: Transport, max_connections: int
) -> None:
    ref: list[RawServer] = []
    # With a pool of 8, all 8 connections open before any answer; with 2, never more.
    wait = 10.0 if max_connections == 8 else 0.2
    server = raw_server(_answer_when(ref, 8, wait))
    ref.append(server)
    async with _client(server.url, transport, max_connections=max_connections) as client:

        async def one() -> None:
            with pytest.raises(CosServiceError):
                await client.get_snapshot("clip.mp4", 1)

        await asyncio.gather(*(one() for _ in range(8)))
    assert server.peak == max_connections
    assert len(server.requests) == 8


# --- proxies from the environment ----------------------------------------------------------------


# The shipped ``cos_emulator`` knows this module's key pair (the clients here sign with it).
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


@pytest.fixture
def emulator(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> str:
    cos_emulator.put(
        "clip.mp4", cos_fixture_video(name="transports.mp4", duration=1, size=(160, 120))
    )
    return cos_emulator.endpoint_url


def _proxy_answer(server_ref: list[RawServer]) -> Handler:
    def handle(conn: socket.socket) -> None:
        server_ref[0].read_request(conn)
        body = b"<Error><Code>ProxyAnswered</Code><Message>m</Message></Error>"
        conn.sendall(
            b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    return handle


async def test_a_proxy_from_the_environment_is_used_and_no_proxy_honoured(
    raw_server: Callable[[Handler], RawServer],
    emulator: str,
    transport: Transport,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref: list[RawServer] = []
    proxy = raw_server(_proxy_answer(ref))
    ref.append(proxy)
    for name in ("HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("http_proxy", proxy.url)
    async with _client(emulator, transport) as client:
        with pytest.raises(CosServiceError) as info:
            await client.get_snapshot("clip.mp4", 0.5)
    assert info.value.code == "ProxyAnswered"
    # The proxy got the absolute URL of the emulator.
    assert proxy.requests[0].startswith(f"GET {emulator}/clip.mp4?".encode())

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    async with _client(emulator, transport) as client:
        assert (await client.get_snapshot("clip.mp4", 0.5)).content_type == "image/jpeg"
    assert len(proxy.requests) == 1


# --- choosing a transport --------------------------------------------------------------------


def test_auto_chooses_aiohttp_when_installed_and_the_callers_transport_when_given() -> None:
    assert AsyncSnapshotClient(endpoint_url="http://h", credentials=CRED).transport == "httpx2"
    auto = AsyncSnapshotClient(endpoint_url="http://h", credentials=CRED, transport="auto")
    assert auto.transport == "aiohttp"
    own = httpx2.AsyncHTTPTransport()
    given = AsyncSnapshotClient(
        endpoint_url="http://h", credentials=CRED, transport="auto", httpx_args={"transport": own}
    )
    assert given.transport == "httpx2"


def test_without_aiohttp_auto_is_httpx2_and_aiohttp_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if the extra were not installed: httpx-aiohttp cannot be imported.
    for name in ("httpx_aiohttp", "httpx_aiohttp.httpx2"):
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "cos_snapshot._client.aiohttp_transport", raising=False)
    monkeypatch.delattr(cos_snapshot._client, "aiohttp_transport", raising=False)
    auto = AsyncSnapshotClient(endpoint_url="http://h", credentials=CRED, transport="auto")
    assert auto.transport == "httpx2"
    with pytest.raises(CosInvalidArgumentError, match=r"cos-snapshot\[aiohttp\]") as info:
        AsyncSnapshotClient(endpoint_url="http://h", credentials=CRED, transport="aiohttp")
    assert info.value.parameter == "transport"


@pytest.mark.parametrize(
    ("kwargs", "parameter", "problem"),
    [
        ({"transport": "curl"}, "transport", "'auto', 'httpx2' or 'aiohttp'"),
        (
            {"transport": "aiohttp", "httpx_args": {"transport": httpx2.AsyncHTTPTransport()}},
            "transport",
            "not both",
        ),
        ({"max_connections": 0}, "max_connections", "positive integer"),
        ({"max_connections": True}, "max_connections", "positive integer"),
        ({"max_connections": "8"}, "max_connections", "positive integer"),
        (
            {"max_connections": 8, "httpx_args": {"limits": httpx2.Limits()}},
            "max_connections",
            "not both",
        ),
        (
            {"transport": "aiohttp", "httpx_args": {"limits": httpx.Limits()}},
            "httpx_args",
            "use httpx2.Limits instead",
        ),
    ],
)
def test_bad_transport_settings_are_refused_with_a_reason(
    kwargs: dict[str, object], parameter: str, problem: str
) -> None:
    with pytest.raises(CosInvalidArgumentError, match=problem) as info:
        AsyncSnapshotClient(endpoint_url="http://h", credentials=CRED, **kwargs)  # type: ignore[arg-type]
    assert info.value.parameter == parameter


def test_the_commands_client_is_on_aiohttp_with_a_pool_of_their_concurrency(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", CRED.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", CRED.secret_key)
    args = argparse.Namespace(
        endpoint_url="http://127.0.0.1:9", bucket=None, region=None, anonymous=False
    )
    client = async_client_from_args(args, 48)
    assert (client.transport, client.max_connections) == ("aiohttp", 48)


async def test_the_emulator_answers_alike_on_both(emulator: str) -> None:
    sizes = []
    for transport in ("httpx2", "aiohttp"):
        async with _client(emulator, transport) as client:  # type: ignore[arg-type]
            snapshot = await client.get_snapshot("clip.mp4", 0.5, width=80)
            sizes.append((snapshot.content_type, snapshot.size))
            with pytest.raises(CosServiceError) as info:
                await client.get_snapshot("missing.mp4", 0.5)
            assert info.value.code == "NoSuchKey"
            assert info.value.request_id
    assert sizes == [("image/jpeg", (80, 60))] * 2


def test_no_aiohttp_import_in_the_tools() -> None:
    # The tools and the command line choose through the client; only _client/aiohttp_transport imports aiohttp.
    src = Path(__file__).resolve().parent.parent / "src" / "cos_snapshot"
    importing = sorted(
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if re.search(r"^\s*(import|from) (httpx_)?aiohttp\b", path.read_text(), re.MULTILINE)
    )
    assert importing == ["_client/aiohttp_transport.py"]
