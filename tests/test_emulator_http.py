"""The emulator over HTTP: object operations, bad input, traversal, error documents, request ids.

Most tests talk to a real uvicorn server on loopback (the ``cos_emulator`` fixture); raw request
targets (``..`` segments, bytes httpx2 would normalise away) go through ``http.client``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import os
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cos_snapshot import Credentials
from cos_snapshot._shared.files import is_temporary
from cos_snapshot._shared.pace import Pace
from cos_snapshot.emulator import EmulatorSettings, EmulatorThread, create_app, running_emulator
from cos_snapshot.emulator import app as emulator_app
from cos_snapshot.emulator.storage import Storage, weak_etag
from cos_snapshot.signing import build_authorization
from cos_snapshot.testing.pytest_plugin import CosEmulator

CRED = Credentials("AKIDEMULATORTEST01", "emulator-test-secret")
PLAIN = b"plain object bytes\n" * 100


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def error(self) -> ET.Element:
        assert self.headers["content-type"] == "application/xml"
        return ET.fromstring(self.body)

    @property
    def code(self) -> str | None:
        return self.error().findtext("Code") if self.body else None


def sign(method: str, target: str, host: str, headers: Mapping[str, str] | None = None) -> str:
    """An Authorization header for a raw request target, signing host, the given headers and
    every query parameter."""
    path, _, query = target.partition("?")
    now = int(time.time())
    return build_authorization(
        secret_id=CRED.secret_id,
        secret_key=CRED.secret_key,
        method=method,
        path=unquote(path, errors="replace"),
        params=dict(parse_qsl(query, keep_blank_values=True)),
        headers={"host": host, **(headers or {})},
        start=now - 60,
        end=now + 600,
    )


def raw_request(
    base_url: str,
    method: str,
    target: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    signed: bool = True,
) -> Reply:
    """Send ``target`` exactly as written (no normalisation) and check what every response the
    app produces must have: a request id, no 500, and a well-formed error document."""
    netloc = urlsplit(base_url).netloc
    connection = http.client.HTTPConnection(netloc, timeout=30)
    try:
        all_headers = {"Host": netloc, **(headers or {})}
        if signed:
            signed_headers = {k.lower(): v for k, v in (headers or {}).items()}
            all_headers["Authorization"] = sign(method, target, netloc, signed_headers)
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in all_headers.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        reply = Reply(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()
    assert reply.headers.get("x-cos-request-id"), reply
    assert reply.status != 500, reply.body
    if reply.status >= 400 and method != "HEAD":
        document = reply.error()
        assert document.tag == "Error"
        assert document.findtext("RequestId") == reply.headers["x-cos-request-id"]
    return reply


def key_path(key: str) -> str:
    """A key as the official SDK puts it in a URL."""
    return "/" + quote(key, safe="/-_.~").replace("./", ".%2F")


# raw_request signs with CRED: the emulator knows that key pair.
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


def fill(root: Path) -> Path:
    """The objects most tests read: plain text, nested, unicode and a non-video ``.mp4``."""
    (root / "plain.txt").write_bytes(PLAIN)
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "dir" / "sub" / "a b+c(1).txt").write_bytes(b"nested")
    (root / "视频").mkdir()
    (root / "视频" / "文件 1.txt").write_bytes(b"unicode")
    (root / "notvideo.mp4").write_bytes(b"this is not a video at all")
    return root


@pytest.fixture
def root(cos_emulator: CosEmulator) -> Path:
    """The emulator's root, holding the objects of :func:`fill`."""
    return fill(cos_emulator.root)


@pytest.fixture
def server(cos_emulator: CosEmulator, root: Path) -> str:
    return cos_emulator.endpoint_url


@pytest.fixture
def plain_root(tmp_path: Path) -> Path:
    """A directory holding the objects of :func:`fill`, for the tests that build an app or a
    server thread of their own (no running emulator)."""
    return fill(tmp_path)


def assert_still_serving(server: str) -> None:
    reply = raw_request(server, "GET", "/plain.txt")
    assert reply.status == 200
    assert reply.body == PLAIN


# --- objects ------------------------------------------------------------------------------------


def test_get_returns_the_object_with_length_etag_and_last_modified(server: str, root: Path) -> None:
    reply = raw_request(server, "GET", "/plain.txt")
    assert reply.status == 200
    assert reply.body == PLAIN
    assert reply.headers["content-length"] == str(len(PLAIN))
    # A file placed on disk: the ETag of its identity, not of its bytes (never read for it).
    assert reply.headers["etag"] == weak_etag((root / "plain.txt").stat())
    assert reply.headers["last-modified"].endswith("GMT")
    assert reply.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize("key", ["dir/sub/a b+c(1).txt", "视频/文件 1.txt"])
def test_keys_with_spaces_plus_parentheses_and_unicode(server: str, key: str) -> None:
    reply = raw_request(server, "GET", key_path(key))
    assert reply.status == 200
    assert reply.body in (b"nested", b"unicode")


def test_plus_in_a_path_is_not_a_space(server: str) -> None:
    reply = raw_request(server, "GET", "/dir/sub/a%20b%2Bc(1).txt")
    assert reply.status == 200
    reply = raw_request(server, "GET", "/dir/sub/a+b+c(1).txt")
    assert (reply.status, reply.code) == (404, "NoSuchKey")


def test_response_params_set_the_response_headers(server: str) -> None:
    reply = raw_request(
        server,
        "GET",
        "/plain.txt?response-content-type=application/x-test"
        "&response-content-disposition=attachment%3B%20filename%3Dp.txt&response-cache-control=no-cache",
    )
    assert reply.headers["content-type"] == "application/x-test"
    assert reply.headers["content-disposition"] == "attachment; filename=p.txt"
    assert reply.headers["cache-control"] == "no-cache"


def test_head_has_the_headers_and_no_body(server: str, root: Path) -> None:
    reply = raw_request(server, "HEAD", "/plain.txt")
    assert reply.status == 200
    assert reply.body == b""
    assert reply.headers["content-length"] == str(len(PLAIN))
    assert reply.headers["etag"] == weak_etag((root / "plain.txt").stat())


def test_head_of_a_missing_key_is_404_without_body(server: str) -> None:
    reply = raw_request(server, "HEAD", "/missing.txt")
    assert reply.status == 404
    assert reply.body == b""


@pytest.mark.parametrize(
    ("range_header", "status", "body", "content_range"),
    [
        ("bytes=0-4", 206, PLAIN[:5], f"bytes 0-4/{len(PLAIN)}"),
        ("bytes=10-", 206, PLAIN[10:], f"bytes 10-{len(PLAIN) - 1}/{len(PLAIN)}"),
        ("bytes=-6", 206, PLAIN[-6:], f"bytes {len(PLAIN) - 6}-{len(PLAIN) - 1}/{len(PLAIN)}"),
        ("bytes=0-1,5-6", 200, PLAIN, None),
    ],
)
def test_range_requests(
    server: str, range_header: str, status: int, body: bytes, content_range: str | None
) -> None:
    reply = raw_request(server, "GET", "/plain.txt", headers={"Range": range_header})
    assert reply.status == status
    assert reply.body == body
    assert reply.headers.get("content-range") == content_range


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_conditional_gets_answer_304_when_the_copy_is_current(server: str, method: str) -> None:
    etag = raw_request(server, "HEAD", "/plain.txt").headers["etag"]
    future = formatdate(time.time() + 3600, usegmt=True)
    past = formatdate(0, usegmt=True)
    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", {etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": future},
    ):
        reply = raw_request(server, method, "/plain.txt", headers=headers)
        assert (reply.status, reply.body) == (304, b""), headers
        assert reply.headers["etag"] == etag
    for headers in (
        {"If-None-Match": '"other"'},
        {"If-Modified-Since": past},
        {"If-Modified-Since": "not a date"},
        {"If-Match": etag},
        {"If-Unmodified-Since": future},
    ):
        reply = raw_request(server, method, "/plain.txt", headers=headers)
        assert reply.status == 200, headers
        assert reply.body == (PLAIN if method == "GET" else b"")


def test_failed_preconditions_are_412(server: str) -> None:
    past = formatdate(0, usegmt=True)
    for headers in ({"If-Match": '"other"'}, {"If-Unmodified-Since": past}):
        reply = raw_request(server, "GET", "/plain.txt", headers=headers)
        assert reply.status == 412, headers
        assert reply.code == "PreconditionFailed"
    # If-Match decides over If-Unmodified-Since when both are given (RFC 9110 13.2.2).
    etag = raw_request(server, "HEAD", "/plain.txt").headers["etag"]
    both = {"If-Match": etag, "If-Unmodified-Since": past}
    assert raw_request(server, "GET", "/plain.txt", headers=both).status == 200
    assert_still_serving(server)


def test_unsatisfiable_range_is_416_invalid_range(server: str) -> None:
    reply = raw_request(server, "GET", "/plain.txt", headers={"Range": "bytes=99999-"})
    assert (reply.status, reply.code) == (416, "InvalidRange")
    assert reply.headers["content-range"] == f"bytes */{len(PLAIN)}"


def test_put_get_delete_round_trip_with_nested_unicode_key(server: str, root: Path) -> None:
    key = "up/新 目录/clip (2)+final.bin"
    data = os.urandom(3 * 1024 * 1024 + 17)
    put = raw_request(server, "PUT", key_path(key), body=data)
    assert put.status == 200
    assert put.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert (root / "up" / "新 目录" / "clip (2)+final.bin").read_bytes() == data
    got = raw_request(server, "GET", key_path(key))
    assert (got.status, got.body, got.headers["etag"]) == (200, data, put.headers["etag"])
    assert raw_request(server, "DELETE", key_path(key)).status == 204
    assert raw_request(server, "DELETE", key_path(key)).status == 204  # idempotent
    assert raw_request(server, "GET", key_path(key)).code == "NoSuchKey"


def test_put_replaces_an_object_and_leaves_no_temporary_files(server: str, root: Path) -> None:
    for content in (b"first", b"second version"):
        assert raw_request(server, "PUT", "/replace.txt", body=content).status == 200
    assert raw_request(server, "GET", "/replace.txt").body == b"second version"
    staged = root / ".cos-emulator-tmp"
    # Only the records of what PUTs wrote (MD5s and headers) stay, one per key.
    assert [path.name for path in staged.iterdir()] == ["records"]
    assert not [path for path in staged.rglob("*") if is_temporary(path.name)]


def test_a_file_rewritten_in_place_with_its_size_and_mtime_kept_gets_a_new_etag(
    server: str, root: Path
) -> None:
    # `rsync --inplace --times` or `cp -p` over the file: same inode, length and mtime.
    path = root / "rewritten.txt"
    path.write_bytes(b"first version")
    old_etag = raw_request(server, "HEAD", "/rewritten.txt").headers["etag"]
    before = path.stat()
    with path.open("r+b") as rewritten:
        rewritten.write(b"other content")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    reply = raw_request(server, "GET", "/rewritten.txt")
    assert reply.body == b"other content"
    assert reply.headers["etag"] == weak_etag(path.stat()) != old_etag
    assert (
        raw_request(server, "GET", "/rewritten.txt", headers={"If-None-Match": old_etag}).status
        == 200
    )


def test_put_with_matching_content_md5(server: str) -> None:
    digest = base64.b64encode(hashlib.md5(b"checked").digest()).decode()
    reply = raw_request(server, "PUT", "/md5.txt", body=b"checked", headers={"Content-MD5": digest})
    assert reply.status == 200


def test_put_with_wrong_content_md5_stores_nothing(server: str, root: Path) -> None:
    digest = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    reply = raw_request(
        server, "PUT", "/bad-md5.txt", body=b"data", headers={"Content-MD5": digest}
    )
    assert (reply.status, reply.code) == (400, "BadDigest")
    assert not (root / "bad-md5.txt").exists()


def test_a_put_of_several_write_blocks_is_stored_whole_with_its_md5(
    server: str, root: Path
) -> None:
    # Beyond one block (1 MiB), a body is written as it arrives, not held whole.
    data = os.urandom(2 * 2**20 + 5)
    md5 = hashlib.md5(data)
    good = base64.b64encode(md5.digest()).decode()
    reply = raw_request(server, "PUT", "/big.bin", body=data, headers={"Content-MD5": good})
    assert (reply.status, reply.headers["etag"]) == (200, f'"{md5.hexdigest()}"')
    assert (root / "big.bin").read_bytes() == data
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    reply = raw_request(server, "PUT", "/new/big.bin", body=data, headers={"Content-MD5": wrong})
    assert (reply.status, reply.code) == (400, "BadDigest")
    assert not (root / "new").exists()
    assert not [path for path in root.rglob("*") if is_temporary(path.name)]


@pytest.mark.parametrize("quick", [True, False], ids=["quick-puts", "slow-puts"])
def test_a_whole_body_is_stored_on_the_loop_while_puts_are_quick_and_in_a_thread_while_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick: bool
) -> None:
    threads: list[str] = []
    real_put = Storage.put

    def put(self: Storage, *args: Any, **kwargs: Any) -> str:
        threads.append(threading.current_thread().name)
        return real_put(self, *args, **kwargs)

    class Fixed(Pace):
        # Pace's own reading is timed (a loaded machine makes a small PUT slow): fixed here.
        @property
        def quick(self) -> bool:
            return quick

    monkeypatch.setattr(Storage, "put", put)
    monkeypatch.setattr(emulator_app, "Pace", Fixed)
    settings = EmulatorSettings(root=tmp_path, anonymous=True, allow_writes=True)
    etag = f'"{hashlib.md5(b"poster").hexdigest()}"'
    with running_emulator(settings) as url:
        for _ in range(3):
            assert httpx2.put(f"{url}/p/a.jpg", content=b"poster").headers["etag"] == etag
    assert (tmp_path / "p" / "a.jpg").read_bytes() == b"poster"
    in_workers = [name == "AnyIO worker thread" for name in threads]
    assert in_workers == [not quick] * 3


def test_put_conflicting_with_a_directory_is_409(server: str) -> None:
    assert raw_request(server, "PUT", "/dir", body=b"x").code == "PathConflict"
    assert raw_request(server, "PUT", "/plain.txt/child", body=b"x").code == "PathConflict"
    assert_still_serving(server)


def test_a_directory_is_not_an_object(server: str) -> None:
    assert raw_request(server, "GET", "/dir").code == "NoSuchKey"
    assert raw_request(server, "GET", "/dir/").code == "NoSuchKey"
    assert raw_request(server, "DELETE", "/dir").status == 204
    assert raw_request(server, "GET", "/dir/sub/a%20b%2Bc(1).txt").status == 200


# --- bad input: the table of bad requests is in test_bad_input.py ---------------------------------


# --- traversal ----------------------------------------------------------------------------------

TRAVERSALS = [
    "/../outside.txt",
    "/dir/../../outside.txt",
    "/%2E%2E/outside.txt",
    "/.%2e/outside.txt",
    "/%2e%2e%2foutside.txt",
    "/dir/%2E%2E/%2E%2E/outside.txt",
    "/dir/.%2F..%2F..%2Foutside.txt",
    "//etc/passwd",
    "/%2Fetc%2Fpasswd",
    "/./plain.txt",
]


@pytest.fixture
def jail(cos_emulator: CosEmulator, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """A root holding symlinks that lead out of it, next to a secret outside it (and one
    beside it, where ``..`` from the root would lead)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"SECRET")
    root = cos_emulator.root
    beside = root.parent / "outside.txt"
    beside.write_bytes(b"SECRET")
    (root / "plain.txt").write_bytes(PLAIN)
    (root / "inside.txt").write_bytes(b"inside")
    (root / "link-out.txt").symlink_to(outside / "secret.txt")
    (root / "link-in.txt").symlink_to(root / "inside.txt")
    (root / "dir-out").symlink_to(outside, target_is_directory=True)
    try:
        yield cos_emulator.endpoint_url, root, outside
    finally:
        beside.unlink()


@pytest.mark.parametrize("target", TRAVERSALS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE"])
def test_traversal_never_leaves_the_root(
    jail: tuple[str, Path, Path], method: str, target: str
) -> None:
    url, root, outside = jail
    reply = raw_request(url, method, target, body=b"overwritten" if method == "PUT" else None)
    assert 400 <= reply.status < 500
    assert b"SECRET" not in reply.body
    assert (outside / "secret.txt").read_bytes() == b"SECRET"
    assert (root.parent / "outside.txt").read_bytes() == b"SECRET"
    assert_still_serving(url)


def test_a_symlink_out_of_the_root_is_access_denied(jail: tuple[str, Path, Path]) -> None:
    url, _, _ = jail
    for target in ("/link-out.txt", "/dir-out/secret.txt"):
        reply = raw_request(url, "GET", target)
        assert (reply.status, reply.code) == (403, "AccessDenied")
        assert b"SECRET" not in reply.body
        assert raw_request(url, "GET", target + "?ci-process=snapshot&time=0").status == 403


def test_writes_through_a_symlinked_directory_are_refused(jail: tuple[str, Path, Path]) -> None:
    url, _, outside = jail
    assert raw_request(url, "PUT", "/dir-out/new.txt", body=b"x").code == "AccessDenied"
    assert raw_request(url, "PUT", "/dir-out/deeper/new.txt", body=b"x").code == "AccessDenied"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert raw_request(url, "DELETE", "/dir-out/secret.txt").code == "AccessDenied"
    assert (outside / "secret.txt").exists()


def test_a_symlink_inside_the_root_is_followed(jail: tuple[str, Path, Path]) -> None:
    url, _, _ = jail
    assert raw_request(url, "GET", "/link-in.txt").body == b"inside"


def test_a_symlink_loop_is_no_such_key(server: str, root: Path) -> None:
    (root / "loop1").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop1")
    assert raw_request(server, "GET", "/loop1").code == "NoSuchKey"
    assert raw_request(server, "GET", "/loop1/x?ci-process=snapshot&time=1").code == "NoSuchKey"
    assert raw_request(server, "PUT", "/loop1/x", body=b"x").status == 409
    assert raw_request(server, "DELETE", "/loop1/x").status == 204
    assert_still_serving(server)


# --- error documents and request ids --------------------------------------------------------------


def test_error_document_shape(server: str) -> None:
    reply = raw_request(server, "GET", "/missing%20key.txt")
    assert reply.status == 404
    assert reply.body.startswith(b"<?xml version='1.0' encoding='utf-8' ?>")
    document = reply.error()
    assert [child.tag for child in document] == [
        "Code",
        "Message",
        "Resource",
        "RequestId",
        "TraceId",
    ]
    assert document.findtext("Resource", "").endswith("/missing key.txt")
    assert document.findtext("TraceId")


@pytest.mark.parametrize(
    "target",
    [
        "/ctl%01%02%1B%7F.txt",
        "/%3C%2FCode%3E%26amp%3B%3C!--.txt",
        "/%EF%BF%BE.txt",
        "/%F0%9F%8E%A5.mp4",
    ],
)
def test_error_document_is_well_formed_whatever_the_key_holds(server: str, target: str) -> None:
    reply = raw_request(server, "GET", target)
    assert reply.status in (400, 404)
    reply.error()  # parses


def test_request_ids_are_on_every_response_and_unique(server: str) -> None:
    ids = set()
    for method, target, body in [
        ("GET", "/plain.txt", None),
        ("HEAD", "/plain.txt", None),
        ("GET", "/missing", None),
        ("PUT", "/ids.txt", b"x"),
        ("DELETE", "/ids.txt", None),
        ("HEAD", "/", None),
    ]:
        reply = raw_request(server, method, target, body=body)
        ids.add(reply.headers["x-cos-request-id"])
    unsigned = raw_request(server, "GET", "/plain.txt", signed=False)
    assert unsigned.code == "AccessDenied"
    ids.add(unsigned.headers["x-cos-request-id"])
    assert len(ids) == 7


# --- host and bucket ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com", 200),
        ("EXAMPLEBUCKET-1250000000.cos.ap-guangzhou.myqcloud.com:80", 200),
        ("otherbucket-1250000000.cos.ap-guangzhou.myqcloud.com", 404),
        ("otherbucket-1250000000.cos.ap-beijing.tencentcos.cn", 404),
        ("127.0.0.1:9000", 200),
        ("localhost", 200),
    ],
)
async def test_host_naming_another_bucket_is_no_such_bucket(
    plain_root: Path, host: str, status: int
) -> None:
    settings = EmulatorSettings(root=plain_root, bucket="examplebucket-1250000000", anonymous=True)
    transport = httpx2.ASGITransport(app=create_app(settings))
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/plain.txt", headers={"Host": host})
    assert response.status_code == status
    if status == 404:
        assert ET.fromstring(response.content).findtext("Code") == "NoSuchBucket"


# --- the last resort ----------------------------------------------------------------------------


class _BrokenEngine:
    """Stands in for a frame engine with a bug: the only way to reach the catch-all handler."""

    def snapshot(self, path: Path, params: object) -> object:
        raise RuntimeError("a bug with a secret path /etc/shadow in its message")

    def close(self) -> None:
        pass


async def test_an_unexpected_error_is_a_500_internal_error_document_without_details(
    plain_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = EmulatorSettings(root=plain_root, anonymous=True)
    app = create_app(settings, engine=_BrokenEngine())  # type: ignore[arg-type]
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/plain.txt", params={"ci-process": "snapshot", "time": "1"})
        after = await client.get("/plain.txt")
    assert response.status_code == 500
    document = ET.fromstring(response.content)
    assert document.findtext("Code") == "InternalError"
    assert document.findtext("RequestId") == response.headers["x-cos-request-id"]
    assert b"shadow" not in response.content
    assert b"Traceback" not in response.content
    assert "a bug with a secret path" in caplog.text
    assert after.status_code == 200


# --- fuzzing ------------------------------------------------------------------------------------

_PATH_BYTES = st.lists(
    st.sampled_from(
        [
            b"/",
            b".",
            b"..",
            b"%2E",
            b"%2F",
            b"%2e%2E",
            b"%00",
            b"%0A",
            b"%FF",
            b"%E8%A7",
            b"+",
            b"%20",
            b"a",
            b"\xe8\xa7\x86",
            b"\\",
            b"~",
            b"plain.txt",
            b"dir",
            b"%",
            b"%G1",
            b";",
        ]
    ),
    max_size=12,
).map(b"".join)
_QUERY = st.one_of(
    st.binary(max_size=40),
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "ci-process",
                    "time",
                    "width",
                    "height",
                    "format",
                    "rotate",
                    "mode",
                    "q-ak",
                    "q-signature",
                    "response-content-type",
                    "response-expires",
                    "x",
                    "",
                ]
            ),
            st.text(max_size=8),
        ),
        max_size=6,
    ).map(lambda pairs: "&".join(f"{k}={quote(v)}" for k, v in pairs).encode()),
)


async def _call(
    app: object, method: str, raw_path: bytes, query: bytes
) -> tuple[int, dict[str, str], bytes]:
    """One request straight into the ASGI app, with a raw path no client would send."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-length", b"4")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, object]] = []
    bodies = [{"type": "http.request", "body": b"fuzz", "more_body": False}]

    async def receive() -> dict[str, object]:
        return bodies.pop() if bodies else {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[operator]
    start = sent[0]
    headers = {k.decode().lower(): v.decode("latin-1") for k, v in start["headers"]}  # type: ignore[union-attr]
    body = b"".join(m.get("body", b"") for m in sent[1:])  # type: ignore[misc]
    return start["status"], headers, body  # type: ignore[return-value]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "DELETE", "POST"]),
    raw_path=_PATH_BYTES,
    query=_QUERY,
)
def test_fuzzed_requests_never_fail_with_500_or_escape_the_root(
    fuzz_root: tuple[Path, object], method: str, raw_path: bytes, query: bytes
) -> None:
    root, app = fuzz_root
    status, headers, body = asyncio.run(_call(app, method, b"/" + raw_path, query))
    assert status < 500, (status, body)
    assert headers["x-cos-request-id"]
    if status >= 400 and method != "HEAD":
        assert ET.fromstring(body).tag == "Error"
    outside = sorted(p.name for p in root.parent.iterdir())
    assert outside == ["root", "sentinel.txt"]
    assert (root.parent / "sentinel.txt").read_bytes() == b"SENTINEL"


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    base = tmp_path_factory.mktemp("fuzz")
    (base / "sentinel.txt").write_bytes(b"SENTINEL")
    root = base / "root"
    (root / "dir").mkdir(parents=True)
    (root / "plain.txt").write_bytes(PLAIN)
    (root / "dir" / "plain.txt").write_bytes(PLAIN)
    return root, create_app(EmulatorSettings(root=root, anonymous=True))


# --- the background server ----------------------------------------------------------------------


def test_emulator_thread_stops_cleanly_with_a_keep_alive_connection_open(plain_root: Path) -> None:
    thread = EmulatorThread(EmulatorSettings(root=plain_root, credentials=(CRED,)))
    url = thread.start()
    with httpx2.Client(base_url=url) as client:
        assert client.head("/").status_code == 403  # the connection stays open (keep-alive)
        started = time.monotonic()
        thread.stop()
        assert time.monotonic() - started < 5
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(url)
    thread.stop()  # idempotent


def test_emulator_thread_serves_on_ipv6_loopback(plain_root: Path) -> None:
    try:
        emulator = running_emulator(EmulatorSettings(root=plain_root, anonymous=True), host="::1")
        url = emulator.__enter__()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        assert url.startswith("http://[::1]:")
        assert httpx2.get(f"{url}/plain.txt").content == PLAIN
    finally:
        emulator.__exit__(None, None, None)


def test_a_root_that_is_not_a_directory_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a directory"):
        EmulatorThread(EmulatorSettings(root=tmp_path / "missing", anonymous=True)).start()


def test_keep_alive_responses_are_not_held_back_by_nagle(plain_root: Path) -> None:
    # Headers and body go out as two writes; with Nagle's algorithm on, each reply on a reused
    # connection waits for the client's delayed ACK (~40 ms on Linux). Checked on the server's
    # end of the connection (TCP_NODELAY), not by timing replies on a loaded machine.
    thread = EmulatorThread(EmulatorSettings(root=plain_root, anonymous=True))
    with thread as url, httpx2.Client(base_url=url) as client:
        for _ in range(3):
            assert client.get("/plain.txt").status_code == 200
        assert thread._server is not None
        connections = list(thread._server.server_state.connections)
        sockets = [connection.transport.get_extra_info("socket") for connection in connections]
        assert len(sockets) == 1, "the client's requests did not share one connection"
        assert sockets[0].getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
