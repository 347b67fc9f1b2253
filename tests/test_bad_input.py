"""Bad input, both sides: one table of bad requests against a real server, and the client's
checks before sending.

Every row of :data:`BAD_REQUESTS` is sent exactly as written (``http.client``, no
normalisation) to a real uvicorn emulator holding real, broken and non-video objects; it must
get its status and COS code, a well-formed error document with the request id (checked by
``raw_request``), never a 500, never the content of a file outside the root, and the server
must serve a valid snapshot right after.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import httpx2
import pytest
from PIL import Image
from test_emulator_http import CRED, PLAIN, Reply, raw_request, sign

from cos_snapshot import (
    AsyncSnapshotClient,
    CosInvalidArgumentError,
    Credentials,
    RetryPolicy,
    SnapshotClient,
)
from cos_snapshot.signing import build_authorization
from cos_snapshot.testing import read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

SNAP = "ci-process=snapshot"
CLIP = "/clip.mp4"

#: Signs a request: given (method, target, host, headers), returns the target and headers to send.
Auth = Callable[[str, str, str, Mapping[str, str]], tuple[str, dict[str, str]]]


def _now() -> int:
    return int(time.time())


def signed(
    method: str, target: str, host: str, headers: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    lowered = {k.lower(): v for k, v in headers.items()}
    return target, {**headers, "Authorization": sign(method, target, host, lowered)}


def unsigned(
    method: str, target: str, host: str, headers: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    return target, dict(headers)


def _authorization(
    method: str,
    target: str,
    host: str,
    *,
    secret_id: str = CRED.secret_id,
    secret_key: str = CRED.secret_key,
    start: int | None = None,
    end: int | None = None,
) -> str:
    path, _, query = target.partition("?")
    now = _now()
    return build_authorization(
        secret_id=secret_id,
        secret_key=secret_key,
        method=method,
        path=unquote(path),
        params=dict(parse_qsl(query, keep_blank_values=True)),
        headers={"host": host},
        start=now - 60 if start is None else start,
        end=now + 600 if end is None else end,
    )


def with_authorization(**kwargs: object) -> Auth:
    """An Authorization header built with other credentials or another time window."""

    def auth(
        method: str, target: str, host: str, headers: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        value = _authorization(method, target, host, **kwargs)  # type: ignore[arg-type]
        return target, {**headers, "Authorization": value}

    return auth


def raw_authorization(value: str) -> Auth:
    def auth(
        method: str, target: str, host: str, headers: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        return target, {**headers, "Authorization": value}

    return auth


def edited_authorization(edit: Callable[[dict[str, str]], None]) -> Auth:
    """A valid Authorization header with some of its ``q-*`` fields edited afterwards."""

    def auth(
        method: str, target: str, host: str, headers: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        fields = dict(parse_qsl(_authorization(method, target, host), keep_blank_values=True))
        edit(fields)
        return target, {**headers, "Authorization": urlencode(fields, safe=";")}

    return auth


def _flip_last_hex(fields: dict[str, str]) -> None:
    signature = fields["q-signature"]
    fields["q-signature"] = signature[:-1] + ("0" if signature[-1] != "0" else "1")


def presigned(
    *, change: tuple[str, str] | None = None, drop: str | None = None, expired: bool = False
) -> Auth:
    """The signature in the query string (a presigned URL); then, optionally, one signed
    parameter changed or one signature field dropped."""

    def auth(
        method: str, target: str, host: str, headers: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        now = _now()
        window = {"start": now - 7200, "end": now - 3600} if expired else {}
        value = _authorization(method, target, host, **window)  # type: ignore[arg-type]
        path, _, query = target.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.update(parse_qsl(value, keep_blank_values=True))
        if change is not None:
            params[change[0]] = change[1]
        if drop is not None:
            del params[drop]
        return f"{path}?{urlencode(params, quote_via=quote, safe=';')}", dict(headers)

    return auth


@dataclass(frozen=True)
class Bad:
    """One bad request: ``target`` is sent verbatim, signed by ``auth``."""

    name: str
    target: str
    status: int
    code: str | None
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    auth: Auth = signed


def snap(query: str, key: str = CLIP) -> str:
    return f"{key}?{SNAP}&{query}" if query else f"{key}?{SNAP}"


LONG_UNICODE_KEY = "/" + quote("视" * 284)  # 852 bytes of UTF-8

BAD_REQUESTS = [
    # --- time -----------------------------------------------------------------------------
    Bad("time missing", snap(""), 400, "InvalidArgument"),
    Bad("time missing on a non-video", "/plain.txt?ci-process=snapshot", 400, "InvalidArgument"),
    Bad("time empty", snap("time="), 400, "InvalidArgument"),
    Bad("time negative", snap("time=-1"), 400, "InvalidArgument"),
    Bad("time slightly negative", snap("time=-0.001"), 400, "InvalidArgument"),
    Bad("time NaN", snap("time=NaN"), 400, "InvalidArgument"),
    Bad("time infinite", snap("time=inf"), 400, "InvalidArgument"),
    Bad("time overflowing", snap("time=1e999999999"), 400, "InvalidArgument"),
    Bad("time hexadecimal", snap("time=0x10"), 400, "InvalidArgument"),
    Bad("time with a comma", snap("time=1,5"), 400, "InvalidArgument"),
    Bad("time not a number", snap("time=abc"), 400, "InvalidArgument"),
    Bad("time given twice", snap("time=1&time=2"), 400, "InvalidArgument"),
    Bad("time not UTF-8", "/plain.txt?time=%FF", 400, "InvalidURI"),
    # --- width and height -------------------------------------------------------------------
    Bad("width fractional", snap("time=1&width=1.5"), 400, "InvalidArgument"),
    Bad("width above 4096", snap("time=1&width=4097"), 400, "InvalidArgument"),
    Bad("width negative", snap("time=1&width=-1"), 400, "InvalidArgument"),
    Bad("width huge", snap("time=1&width=99999999999999999999"), 400, "InvalidArgument"),
    Bad("width in exponent notation", snap("time=1&width=1e3"), 400, "InvalidArgument"),
    Bad("height negative", snap("time=1&height=-1"), 400, "InvalidArgument"),
    Bad("height empty", snap("time=1&height="), 400, "InvalidArgument"),
    # --- format, rotate, mode, ci-process ---------------------------------------------------
    Bad("format gif", snap("time=1&format=gif"), 400, "InvalidArgument"),
    Bad("format upper case", snap("time=1&format=JPG"), 400, "InvalidArgument"),
    Bad("format jpeg", snap("time=1&format=jpeg"), 400, "InvalidArgument"),
    Bad("rotate empty", snap("time=1&rotate="), 400, "InvalidArgument"),
    Bad("rotate degrees", snap("time=1&rotate=90"), 400, "InvalidArgument"),
    Bad("mode capitalised", snap("time=1&mode=Keyframe"), 400, "InvalidArgument"),
    Bad("mode unknown", snap("time=1&mode=exact"), 400, "InvalidArgument"),
    Bad("ci-process other", f"{CLIP}?ci-process=avinfo&time=1", 400, "InvalidArgument"),
    Bad("ci-process empty", f"{CLIP}?ci-process=&time=1", 400, "InvalidArgument"),
    # --- objects that are not (whole) videos ------------------------------------------------
    Bad("unknown key", snap("time=1", "/missing.mp4"), 404, "NoSuchKey"),
    Bad("text object", snap("time=0", "/text.mp4"), 400, "InvalidArgument"),
    Bad("empty object", snap("time=0", "/empty.mp4"), 400, "InvalidArgument"),
    Bad("truncated video", snap("time=3.9", "/truncated.mp4"), 400, "InvalidArgument"),
    Bad("audio-only object", snap("time=0.5", "/audio.m4a"), 400, "InvalidArgument"),
    Bad("a directory", snap("time=0", "/dir"), 404, "NoSuchKey"),
    # --- keys -------------------------------------------------------------------------------
    Bad("traversal", "/../outside.txt", 400, "InvalidURI"),
    Bad("traversal in a snapshot", snap("time=0", "/dir/../../outside.txt"), 400, "InvalidURI"),
    Bad("traversal encoded", "/%2e%2e/outside.txt", 400, "InvalidURI"),
    Bad("traversal encoded with its slash", "/%2e%2e%2foutside.txt", 400, "InvalidURI"),
    Bad("traversal half encoded", "/.%2e/outside.txt", 400, "InvalidURI"),
    Bad("traversal encoded twice is a plain name", "/%252e%252e/outside.txt", 404, "NoSuchKey"),
    Bad("backslashes are plain characters", "/..%5C..%5Coutside.txt", 404, "NoSuchKey"),
    Bad("raw backslashes too", "/..\\outside.txt", 404, "NoSuchKey"),
    Bad("absolute path", "//etc/passwd", 400, "InvalidURI"),
    Bad("absolute path encoded", "/%2Fetc%2Fpasswd", 400, "InvalidURI"),
    Bad("NUL in a key", "/clip.mp4%00.txt", 400, "InvalidURI"),
    Bad("NUL in a snapshot key", snap("time=0", "/a%00b.mp4"), 400, "InvalidURI"),
    Bad("CR LF in a key", "/a%0D%0Ab", 400, "InvalidURI"),
    Bad("control character in a key", "/a%1Fb", 400, "InvalidURI"),
    Bad("DEL in a key", "/a%7Fb", 400, "InvalidURI"),
    Bad("key not UTF-8", "/%FF%FE", 400, "InvalidURI"),
    Bad("key over 850 bytes", "/" + "k" * 851, 400, "KeyTooLong"),
    Bad("key over 850 bytes of UTF-8", LONG_UNICODE_KEY, 400, "KeyTooLong"),
    Bad("key segment longer than a file name", "/" + "k" * 300, 400, "KeyTooLong"),
    Bad("key under the staging prefix", "/.cos-emulator-tmp/x", 400, "InvalidArgument"),
    Bad("deep key, each segment short", "/" + "/".join(["k" * 200] * 4), 404, "NoSuchKey"),
    Bad("long segment, then more", "/" + "k" * 300 + "/x", 400, "KeyTooLong"),
    Bad("HEAD of a long segment", "/" + "k" * 300, 400, None, method="HEAD"),
    Bad("PUT of a long segment", "/" + "k" * 300, 400, "KeyTooLong", method="PUT"),
    Bad("PUT under a long segment", "/new/" + "k" * 300, 400, "KeyTooLong", method="PUT"),
    Bad("DELETE of a long segment", "/" + "k" * 300, 400, "KeyTooLong", method="DELETE"),
    Bad("plain GET of an unknown key", "/missing.txt", 404, "NoSuchKey"),
    # --- signatures -------------------------------------------------------------------------
    Bad("unsigned", snap("time=1"), 403, "AccessDenied", auth=unsigned),
    Bad("empty Authorization", snap("time=1"), 403, "AccessDenied", auth=raw_authorization("")),
    Bad(
        "unknown access key id",
        snap("time=1"),
        403,
        "InvalidAccessKeyId",
        auth=with_authorization(secret_id="AKIDNOBODYKNOWS0001"),
    ),
    Bad(
        "expired window",
        snap("time=1"),
        403,
        "AccessDenied",
        auth=with_authorization(start=_now() - 7200, end=_now() - 3600),
    ),
    Bad(
        "future window",
        snap("time=1"),
        403,
        "AccessDenied",
        auth=with_authorization(start=_now() + 3600, end=_now() + 7200),
    ),
    Bad(
        "malformed header", snap("time=1"), 403, "AccessDenied", auth=raw_authorization("Bearer x")
    ),
    Bad(
        "signature field missing",
        snap("time=1"),
        403,
        "AccessDenied",
        auth=edited_authorization(lambda f: f.pop("q-signature")),
    ),
    Bad(
        "algorithm other than sha1",
        snap("time=1"),
        403,
        "AccessDenied",
        auth=edited_authorization(lambda f: f.update({"q-sign-algorithm": "sha256"})),
    ),
    Bad(
        "key time not numbers",
        snap("time=1"),
        403,
        "AccessDenied",
        auth=edited_authorization(lambda f: f.update({"q-key-time": "yesterday;tomorrow"})),
    ),
    Bad(
        "tampered signature",
        snap("time=1"),
        403,
        "SignatureDoesNotMatch",
        auth=edited_authorization(_flip_last_hex),
    ),
    Bad(
        "window widened after signing",
        snap("time=1"),
        403,
        "SignatureDoesNotMatch",
        auth=edited_authorization(
            lambda f: f.update({"q-key-time": f"{_now() - 60};{_now() + 99999}"})
        ),
    ),
    Bad(
        "wrong secret key",
        snap("time=1"),
        403,
        "SignatureDoesNotMatch",
        auth=with_authorization(secret_key="not-the-secret"),
    ),
    Bad(
        "signed parameter changed after presigning",
        snap("time=1"),
        403,
        "SignatureDoesNotMatch",
        auth=presigned(change=("time", "2")),
    ),
    Bad(
        "presigned URL missing a field",
        snap("time=1"),
        403,
        "AccessDenied",
        auth=presigned(drop="q-ak"),
    ),
    Bad("expired presigned URL", snap("time=1"), 403, "AccessDenied", auth=presigned(expired=True)),
    # --- methods and headers ----------------------------------------------------------------
    Bad("listing with max-keys 0", "/?max-keys=0", 400, "InvalidArgument"),
    Bad("listing with max-keys 1001", "/?max-keys=1001", 400, "InvalidArgument"),
    Bad("listing with max-keys not a number", "/?max-keys=ten", 400, "InvalidArgument"),
    Bad("listing with an unknown encoding-type", "/?encoding-type=base64", 400, "InvalidArgument"),
    Bad("listing with a control character in prefix", "/?prefix=a%01", 400, "InvalidArgument"),
    Bad("POST", CLIP, 405, "MethodNotAllowed", method="POST"),
    Bad("PATCH", CLIP, 405, "MethodNotAllowed", method="PATCH"),
    Bad("folder upload", "/folder/", 400, "InvalidArgument", method="PUT"),
    Bad(
        "bad Content-MD5",
        "/x.txt",
        400,
        "InvalidDigest",
        method="PUT",
        headers={"Content-MD5": "not base64!"},
    ),
    Bad(
        "header injection through response-content-type",
        "/plain.txt?response-content-type=a%0D%0AX-Evil:%201",
        400,
        "InvalidArgument",
    ),
    Bad(
        "non-ASCII response header", "/plain.txt?response-expires=%E8%A7%86", 400, "InvalidArgument"
    ),
    Bad(
        "one oversized header",
        snap("time=1"),
        400,
        "RequestHeaderSectionTooLarge",
        headers={"X-Cos-Meta-Pad": "a" * 9000},
    ),
    Bad(
        "many headers adding up",
        snap("time=1"),
        400,
        "RequestHeaderSectionTooLarge",
        headers={f"X-Cos-Meta-Pad-{i}": "b" * 200 for i in range(50)},
    ),
]


# The requests are signed with CRED (test_emulator_http's): the emulator knows that key pair.
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


@pytest.fixture(scope="module")
def objects(cos_fixture_video: FixtureVideos, audio_only: Path) -> dict[str, bytes | Path]:
    """The root's objects: a video, broken and non-video ones, plain text."""
    video = cos_fixture_video(name="clip.mp4", duration=4, size=(160, 120))
    data = video.read_bytes()
    return {
        "clip.mp4": video,
        "truncated.mp4": data[: len(data) * 2 // 5],
        "empty.mp4": b"",
        "text.mp4": b"this is text, not a video\n" * 10,
        "audio.m4a": audio_only,
        "plain.txt": PLAIN,
    }


@pytest.fixture
def root(cos_emulator: CosEmulator, objects: dict[str, bytes | Path]) -> Iterator[Path]:
    """The emulator's root holding the objects and a directory, with a secret beside it
    (where ``..`` would lead)."""
    for key, data in objects.items():
        cos_emulator.put(key, data)
    (cos_emulator.root / "dir").mkdir()
    outside = cos_emulator.root.parent / "outside.txt"
    outside.write_bytes(b"SECRET outside the root")
    try:
        yield cos_emulator.root
    finally:
        outside.unlink()


@pytest.fixture
def server(cos_emulator: CosEmulator, root: Path) -> str:
    return cos_emulator.endpoint_url


def send(server: str, bad: Bad) -> Reply:
    host = urlsplit(server).netloc
    target, headers = bad.auth(bad.method, bad.target, host, bad.headers)
    body = b"x" if bad.method == "PUT" else None
    return raw_request(server, bad.method, target, headers=headers, body=body, signed=False)


def assert_serves_a_snapshot(server: str) -> None:
    target, headers = signed("GET", snap("time=1.5"), urlsplit(server).netloc, {})
    reply = raw_request(server, "GET", target, headers=headers, signed=False)
    assert reply.status == 200
    assert reply.headers["content-type"] == "image/jpeg"
    assert read_frame_index(Image.open(io.BytesIO(reply.body))) == 37


def test_the_table_has_at_least_40_distinct_bad_requests() -> None:
    names = [bad.name for bad in BAD_REQUESTS]
    assert len(names) == len(set(names))
    assert len(names) >= 40


@pytest.mark.parametrize("bad", BAD_REQUESTS, ids=[bad.name for bad in BAD_REQUESTS])
def test_a_bad_request_gets_its_status_and_code_and_the_server_keeps_serving(
    server: str, root: Path, bad: Bad
) -> None:
    reply = send(server, bad)
    assert (reply.status, reply.code) == (bad.status, bad.code), reply.body
    assert b"SECRET" not in reply.body
    assert str(root).encode() not in reply.body  # where the emulator keeps its files is its own
    assert_serves_a_snapshot(server)


def test_invalid_argument_messages_name_the_parameter(server: str) -> None:
    for name, query in [
        ("time", f"{SNAP}&time=abc"),
        ("width", f"{SNAP}&time=1&width=abc"),
        ("height", f"{SNAP}&time=1&height=4097"),
        ("format", f"{SNAP}&time=1&format=JPG"),
        ("rotate", f"{SNAP}&time=1&rotate=on"),
        ("mode", f"{SNAP}&time=1&mode="),
        ("ci-process", "time=1&ci-process=x"),
    ]:
        reply = send(server, Bad(name, f"{CLIP}?{query}", 400, "InvalidArgument"))
        assert reply.code == "InvalidArgument"
        assert name in (reply.error().findtext("Message") or ""), (name, reply.body)


def test_a_header_block_past_uvicorns_limit_is_a_plain_400_and_the_server_keeps_serving(
    server: str,
) -> None:
    # Beyond 16 KiB the request never reaches the app: uvicorn answers on its own.
    connection = http.client.HTTPConnection(urlsplit(server).netloc, timeout=30)
    try:
        connection.putrequest("GET", snap("time=1"))
        connection.putheader("X-Pad", "c" * 20_000)
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 400
        response.read()
    finally:
        connection.close()
    assert_serves_a_snapshot(server)


# --- the client: invalid arguments never reach the network ---------------------------------------


CLIENT_BAD_ARGUMENTS = [
    ({"time": -0.5}, "time"),
    ({"time": "1e99999999"}, "time"),  # a hundred million digits if written out
    ({"time": "1e-99999999"}, "time"),
    ({"time": "NaN"}, "time"),
    ({"time": "1,5"}, "time"),
    ({"width": 4097}, "width"),
    ({"width": "320"}, "width"),
    ({"height": -1}, "height"),
    ({"format": "gif"}, "format"),
    ({"rotate": "90"}, "rotate"),
    ({"mode": "Keyframe"}, "mode"),
    ({"key": "a\nb.mp4"}, "key"),
    ({"key": "视" * 284}, "key"),
    ({"key": "\udc80.mp4"}, "key"),
]


def _refusing_transport(request: httpx2.Request) -> httpx2.Response:
    raise AssertionError(f"the client sent {request.method} {request.url}")


def _client_options() -> dict[str, object]:
    return {
        "endpoint_url": "http://127.0.0.1:9",
        "credentials": Credentials("AKIDBADINPUT000001", "bad-input-secret"),
        "retry": RetryPolicy(max_attempts=1),
    }


@pytest.mark.parametrize(("kwargs", "parameter"), CLIENT_BAD_ARGUMENTS)
async def test_both_clients_reject_bad_arguments_before_sending(
    kwargs: dict[str, object], parameter: str
) -> None:
    call: dict[str, object] = {"key": "a.mp4", "time": 1, **kwargs}
    sync = SnapshotClient(
        **_client_options(),  # type: ignore[arg-type]
        httpx_args={"transport": httpx2.MockTransport(_refusing_transport)},
    )
    with sync, pytest.raises(CosInvalidArgumentError) as sync_error:
        sync.get_snapshot(**call)  # type: ignore[arg-type]
    with sync, pytest.raises(CosInvalidArgumentError) as presign_error:
        sync.presign_snapshot_url(**call)  # type: ignore[arg-type]
    async_client = AsyncSnapshotClient(
        **_client_options(),  # type: ignore[arg-type]
        httpx_args={"transport": httpx2.MockTransport(_refusing_transport)},
    )
    async with async_client:
        with pytest.raises(CosInvalidArgumentError) as async_error:
            await async_client.get_snapshot(**call)  # type: ignore[arg-type]
    for error in (sync_error.value, presign_error.value, async_error.value):
        assert error.parameter == parameter
        assert str(error).startswith(f"{parameter}:")
    assert str(sync_error.value) == str(async_error.value)


@pytest.mark.cos_emulator(credentials=(CRED,), max_connections=2)
def test_connections_beyond_max_connections_get_a_plain_503_until_some_close(server: str) -> None:
    params = {"ci-process": "snapshot", "time": "1"}

    def status_when_polled(url: str, wanted: int) -> int:
        # The server registers opened and closed connections asynchronously: ask a few times.
        for _ in range(100):
            status = httpx2.get(f"{url}{CLIP}", params=params).status_code
            if status == wanted:
                break
            time.sleep(0.05)
        return status

    url = server
    host, port = urlsplit(url).netloc.rsplit(":", 1)
    idle = [socket.create_connection((host, int(port))) for _ in range(2)]
    try:
        assert status_when_polled(url, 503) == 503
    finally:
        for sock in idle:
            sock.close()
    assert status_when_polled(url, 403) == 403  # served again (and refused: unsigned)
    assert_serves_a_snapshot(url)
