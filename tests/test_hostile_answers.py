"""What a lying or hostile server can make the client do: bounded memory, the right typed error,
no credential sent where it does not belong, no clock moved by years.

Real servers on loopback (raw sockets: a server that tells the truth cannot send these), each
test on the sync client and the async one on both its transports where I/O is involved.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import tracemalloc
import zlib
from collections.abc import Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from raw_server import Handler, RawServer

from cos_snapshot import (
    AsyncSnapshotClient,
    CosConnectionError,
    CosError,
    CosInvalidArgumentError,
    CosResponseError,
    CosServiceError,
    Credentials,
    RetryPolicy,
    SnapshotClient,
)
from cos_snapshot._client.options import MAX_ERROR_BYTES, MAX_SNAPSHOT_BYTES

TOKEN = "sts-TOKEN-hostile-0123456789"
CRED = Credentials("AKIDHOSTILE0000001", "sk-HOSTILE-SECRET/9a==", TOKEN)
CLIENTS = ("sync", "httpx2", "aiohttp")
StartServer = Callable[[Handler], RawServer]


def _call(kind: str, method: str, *args: Any, **options: Any) -> Any:
    """``method(*args)`` on a client of ``kind`` (sync, or async on a transport) built from
    ``options``; returns what it returns, raises what it raises."""
    options = {
        "credentials": CRED,
        "retry": RetryPolicy(max_attempts=2, base_backoff=0, deadline=30),
        "timeout": 10.0,
        **options,
    }
    if kind == "sync":
        with SnapshotClient(**options) as client:
            return getattr(client, method)(*args)

    async def run() -> Any:
        async with AsyncSnapshotClient(transport=kind, **options) as client:  # type: ignore[arg-type]
            return await getattr(client, method)(*args)

    return asyncio.run(run())


def _answer(server_ref: list[RawServer], head: bytes, body: bytes) -> Handler:
    """A handler that reads each request and sends ``head`` (without Content-Length) and
    ``body``, then closes."""

    def handle(conn: socket.socket) -> None:
        server_ref[0].read_request(conn)
        length = b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
        with contextlib.suppress(OSError):  # the client stopped reading, as it should
            conn.sendall(head + length + body)

    return handle


def _serve(start: StartServer, head: bytes, body: bytes) -> RawServer:
    ref: list[RawServer] = []
    ref.append(start(_answer(ref, head, body)))
    return ref[0]


def _gzip_of_zeros(mib: int) -> bytes:
    """A gzip stream that inflates to ``mib`` MiB (about 1,000 times its size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    return b"".join(compressor.compress(zeros) for _ in range(mib)) + compressor.flush()


def _peak_bytes(call: Callable[[], object]) -> tuple[BaseException | None, int]:
    """The exception ``call`` raised (or ``None``) and the most Python memory it held."""
    tracemalloc.start()
    try:
        call()
    except CosError as exc:
        return exc, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return None, 0


# --- bodies are bounded after decoding ----------------------------------------------------------


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_gzip_bomb_snapshot_stops_at_the_cap_unretried(
    kind: str, raw_server: StartServer
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Encoding: gzip\r\n"
    server = _serve(raw_server, head, _gzip_of_zeros(64))
    error, peak = _peak_bytes(
        lambda: _call(
            kind, "get_snapshot", "v.mp4", 1, endpoint_url=server.url, max_snapshot_bytes=1 << 20
        )
    )
    assert isinstance(error, CosResponseError)
    assert "longer than 1048576 bytes" in str(error)
    assert len(server.requests) == 1  # the server would send it again: not retried
    assert peak < 16 << 20  # 64 MiB decoded, and more before the fix


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_gzip_bomb_error_body_is_cut_and_keeps_its_status(
    kind: str, raw_server: StartServer
) -> None:
    head = (
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
        b"Content-Encoding: gzip\r\n"
    )
    server = _serve(raw_server, head, _gzip_of_zeros(64))
    error, peak = _peak_bytes(
        lambda: _call(kind, "get_media_info", "v.mp4", endpoint_url=server.url)
    )
    assert isinstance(error, CosServiceError)
    assert error.status == 503
    assert error.message is not None
    assert f"longer than {MAX_ERROR_BYTES} bytes" in error.message
    assert len(error.body) <= MAX_ERROR_BYTES
    assert len(server.requests) == 2  # a 503 is retried, as any 503
    assert peak < 16 << 20


def test_the_default_snapshot_cap_is_well_above_a_4096_square_png() -> None:
    # An 8-bit RGBA PNG that does not compress: rows of a filter byte and 4 bytes a pixel.
    worst_rgba = 4096 * (1 + 4096 * 4)
    assert 1.9 * worst_rgba <= MAX_SNAPSHOT_BYTES
    with pytest.raises(CosInvalidArgumentError, match="max_snapshot_bytes"):
        SnapshotClient(endpoint_url="http://127.0.0.1:9", anonymous=True, max_snapshot_bytes=0)


# --- an error document in a 200 -----------------------------------------------------------------


def _error_document(code: str) -> bytes:
    return (
        f"<?xml version='1.0' encoding='utf-8' ?><Error><Code>{code}</Code>"
        f"<Message>said with a 200</Message><RequestId>rid-200</RequestId></Error>"
    ).encode()


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("method", ["get_snapshot", "get_media_info"])
def test_a_200_holding_an_error_document_is_a_service_error_with_its_code(
    kind: str, method: str, raw_server: StartServer
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
    server = _serve(raw_server, head, _error_document("NoSuchKey"))
    args = ("v.mp4", 1) if method == "get_snapshot" else ("v.mp4",)
    with pytest.raises(CosServiceError) as caught:
        _call(kind, method, *args, endpoint_url=server.url)
    assert (caught.value.status, caught.value.code) == (200, "NoSuchKey")
    assert caught.value.request_id == "rid-200"
    assert len(server.requests) == 1  # NoSuchKey is not retried


def test_a_200_error_documents_code_decides_its_retry(raw_server: StartServer) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
    server = _serve(raw_server, head, _error_document("InternalError"))
    with pytest.raises(CosServiceError, match="InternalError"):
        _call("sync", "get_snapshot", "v.mp4", 1, endpoint_url=server.url)
    assert len(server.requests) == 2


# --- no credential crosses an origin change -----------------------------------------------------


def _headers(request: bytes) -> dict[str, str]:
    lines = request.decode("latin-1").split("\r\n")[1:]
    return {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines if line)
    }


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_redirect_to_another_origin_carries_no_signature_or_token(
    kind: str, raw_server: StartServer
) -> None:
    not_found = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\n"
    elsewhere = _serve(raw_server, not_found, _error_document("NoSuchKey"))
    # Same host, another port: another origin.
    moved = f"HTTP/1.1 302 Found\r\nLocation: {elsewhere.url}/v.mp4?ci-process=snapshot\r\n"
    first = _serve(raw_server, moved.encode(), b"")
    with pytest.raises(CosServiceError, match="NoSuchKey"):
        _call(
            kind,
            "get_snapshot",
            "v.mp4",
            1,
            endpoint_url=first.url,
            httpx_args={"follow_redirects": True},
        )
    sent_first = _headers(first.requests[0])
    assert sent_first["x-cos-security-token"] == TOKEN
    assert "q-signature=" in sent_first["authorization"]
    assert len(elsewhere.requests) == 1
    assert TOKEN.encode() not in elsewhere.requests[0]
    assert {"authorization", "x-cos-security-token"}.isdisjoint(_headers(elsewhere.requests[0]))


def test_a_redirect_within_the_origin_keeps_the_signature(raw_server: StartServer) -> None:
    refs: list[RawServer] = []

    def handle(conn: socket.socket) -> None:
        request = refs[0].read_request(conn)
        if b" /v.mp4?" in request.split(b"\r\n")[0]:
            answer = b"HTTP/1.1 302 Found\r\nLocation: /moved.mp4?ci-process=snapshot\r\n"
            body = b""
        else:
            answer = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/xml\r\n"
            body = _error_document("NoSuchKey")
        conn.sendall(answer + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    refs.append(raw_server(handle))
    with pytest.raises(CosServiceError, match="NoSuchKey"):
        _call(
            "sync",
            "get_snapshot",
            "v.mp4",
            1,
            endpoint_url=refs[0].url,
            httpx_args={"follow_redirects": True},
        )
    assert len(refs[0].requests) == 2
    assert _headers(refs[0].requests[1])["x-cos-security-token"] == TOKEN


# --- one Date header does not move the signing clock by years -----------------------------------


def test_a_bogus_date_on_a_skew_answer_does_not_move_the_clock(raw_server: StartServer) -> None:
    years_ahead = formatdate(time.time() + 20 * 365 * 86400, usegmt=True)
    head = (
        f"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nDate: {years_ahead}\r\n"
    ).encode()
    server = _serve(raw_server, head, _error_document("RequestTimeTooSkewed"))
    with SnapshotClient(endpoint_url=server.url, credentials=CRED) as client:
        with pytest.raises(CosServiceError, match="RequestTimeTooSkewed") as caught:
            client.get_snapshot("v.mp4", 1)
        assert client._signer is not None
        assert client._signer.clock_offset == 0.0
        url = client.presign_snapshot_url("v.mp4", 1)
    assert len(server.requests) == 1
    assert any("not corrected" in note for note in caught.value.__notes__)
    start = int(parse_qs(urlsplit(url).query)["q-sign-time"][0].split(";")[0])
    assert abs(start - time.time()) < 3600


def test_a_skew_of_hours_is_still_corrected(raw_server: StartServer) -> None:
    hours_ahead = formatdate(time.time() + 5 * 3600, usegmt=True)
    head = (
        f"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\nDate: {hours_ahead}\r\n"
    ).encode()
    server = _serve(raw_server, head, _error_document("RequestTimeTooSkewed"))
    with SnapshotClient(endpoint_url=server.url, credentials=CRED) as client:
        with pytest.raises(CosServiceError):
            client.get_snapshot("v.mp4", 1)
        assert client._signer is not None
        assert 4 * 3600 < client._signer.clock_offset < 6 * 3600
    assert len(server.requests) == 2  # corrected, tried once more


# --- connection errors say where ----------------------------------------------------------------


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_connection_error_names_the_endpoint_and_nothing_of_the_request(kind: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the test sends: refused
    with pytest.raises(CosConnectionError) as caught:
        _call(kind, "get_snapshot", "v.mp4", 1, endpoint_url=f"http://127.0.0.1:{port}")
    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message
    for private in ("ci-process", "v.mp4", "q-signature", TOKEN):
        assert private not in message


def test_a_missing_region_or_bucket_is_named() -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        SnapshotClient("examplebucket-1250000000", credentials=CRED)
    assert caught.value.parameter == "region"
    with pytest.raises(CosInvalidArgumentError) as caught:
        SnapshotClient(region="ap-guangzhou", credentials=CRED)
    assert caught.value.parameter == "bucket"
