"""The bucket calls of both clients: put, head, get and download against the emulator (and the
official SDK reading what they store, and the other way round); listing and its paging against
a loopback server that answers canned ``ListBucketResult`` pages (the emulator does not list
yet); the request's shape (query, headers, signature) through a MockTransport."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import stat
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import httpx2
import pytest
from raw_server import RawServer
from sdk_helpers import official_sdk

from cos_snapshot import (
    AsyncSnapshotClient,
    CosInvalidArgumentError,
    CosResponseError,
    CosServiceError,
    Credentials,
    ObjectInfo,
    ObjectSummary,
    RetryPolicy,
    SnapshotClient,
)
from cos_snapshot._client.objects import INLINE_HASH_BYTES
from cos_snapshot.testing.pytest_plugin import CosEmulator

Handler = Callable[[socket.socket], None]

# -- put, head, get and download against the emulator ----------------------------------------


def test_put_then_head_get_and_download_give_the_bytes_back(
    cos_emulator: CosEmulator, tmp_path: Path
) -> None:
    data = b"\x00poster bytes\xff" * 1000
    md5 = hashlib.md5(data).hexdigest()
    with cos_emulator.client() as client:
        put = client.put_object("out/视频 a+b.jpg", data, content_type="image/jpeg")
        assert put.etag == f'"{md5}"'
        assert put.request_id
        info = client.head_object("out/视频 a+b.jpg")
        assert info is not None
        assert (info.key, info.size, info.etag) == ("out/视频 a+b.jpg", len(data), put.etag)
        assert info.last_modified is not None
        assert info.last_modified.tzinfo is not None
        assert client.get_object("out/视频 a+b.jpg") == data
        got = client.download_object("out/视频 a+b.jpg", tmp_path / "d" / "poster.jpg")
    assert (tmp_path / "d" / "poster.jpg").read_bytes() == data
    assert got.size == len(data)
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["poster.jpg"]  # no temporary left


def test_a_file_is_uploaded_from_its_path(cos_emulator: CosEmulator, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    data = bytes(range(256)) * 9000  # more than one read of the file
    source.write_bytes(data)
    with cos_emulator.client() as client:
        put = client.put_object("big.bin", source)
        assert put.etag == f'"{hashlib.md5(data).hexdigest()}"'
    assert (cos_emulator.root / "big.bin").read_bytes() == data


def test_a_missing_key_heads_to_none_and_gets_404(
    cos_emulator: CosEmulator, tmp_path: Path
) -> None:
    target = tmp_path / "kept.bin"
    target.write_bytes(b"before")
    with cos_emulator.client() as client:
        assert client.head_object("no/such.mp4") is None
        with pytest.raises(CosServiceError) as caught:
            client.get_object("no/such.mp4")
        assert caught.value.status == 404
        with pytest.raises(CosServiceError):
            client.download_object("no/such.mp4", target)
    assert target.read_bytes() == b"before"  # a failed download leaves the target as it was
    assert [p.name for p in tmp_path.iterdir()] == ["kept.bin"]


def test_download_writes_through_a_symlink_and_refuses_a_directory(
    cos_emulator: CosEmulator, tmp_path: Path
) -> None:
    cos_emulator.put("a.bin", b"abc")
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    with cos_emulator.client() as client:
        client.download_object("a.bin", link)
        with pytest.raises(OSError, match="directory"):
            client.download_object("a.bin", tmp_path)
    assert stat.S_ISLNK(link.lstat().st_mode)
    assert real.read_bytes() == b"abc"


def test_get_object_is_capped_by_max_snapshot_bytes(cos_emulator: CosEmulator) -> None:
    cos_emulator.put("large.bin", b"x" * 5000)
    with (
        cos_emulator.client(max_snapshot_bytes=4096) as client,
        pytest.raises(CosResponseError, match="download_object"),
    ):
        client.get_object("large.bin")


async def test_the_async_client_puts_heads_gets_and_downloads(
    cos_emulator: CosEmulator, tmp_path: Path
) -> None:
    source = tmp_path / "clip.bin"
    data = b"async " * 300_000
    source.write_bytes(data)
    async with cos_emulator.async_client() as client:
        put = await client.put_object("videos/clip.bin", source)
        info = await client.head_object("videos/clip.bin")
        assert info is not None
        assert (info.size, info.etag) == (len(data), put.etag)
        assert await client.head_object("videos/none.bin") is None
        assert await client.get_object("videos/clip.bin") == data
        await client.download_object("videos/clip.bin", tmp_path / "copy.bin")
    assert (tmp_path / "copy.bin").read_bytes() == data


@pytest.mark.parametrize("size", [6_000, INLINE_HASH_BYTES + 1])
async def test_the_async_client_puts_bytes_hashed_on_the_loop_or_in_a_thread(
    cos_emulator: CosEmulator, size: int
) -> None:
    data = os.urandom(size)
    async with cos_emulator.async_client() as client:
        put = await client.put_object("posters/a.jpg", data, content_type="image/jpeg")
        info = await client.head_object("posters/a.jpg")
    assert put.etag == f'"{hashlib.md5(data).hexdigest()}"'
    assert info is not None
    assert (info.size, info.etag, info.content_type) == (size, put.etag, "image/jpeg")
    assert (cos_emulator.root / "posters" / "a.jpg").read_bytes() == data


# -- the official SDK reads what we store, and we read what it stores --------------------------


def test_the_official_sdk_reads_what_the_client_put(cos_emulator: CosEmulator) -> None:
    data = b"sprite" * 777
    with cos_emulator.client() as client:
        put = client.put_object("boards/sprite 1+2.jpg", data, metadata={"run-id": "r1"})
    sdk = official_sdk(cos_emulator)
    answer = sdk.get_object(Bucket=cos_emulator.bucket, Key="boards/sprite 1+2.jpg")
    assert answer["Body"].get_raw_stream().read() == data
    assert answer["ETag"] == put.etag


def test_the_client_reads_what_the_official_sdk_put(cos_emulator: CosEmulator) -> None:
    data = b"vtt" * 999
    sdk = official_sdk(cos_emulator)
    put = sdk.put_object(Bucket=cos_emulator.bucket, Body=data, Key="视频/board.vtt")
    with cos_emulator.client() as client:
        info = client.head_object("视频/board.vtt")
        assert info is not None
        assert (info.size, info.etag) == (len(data), put["ETag"])
        assert client.get_object("视频/board.vtt") == data


# -- arguments checked before anything is sent --------------------------------------------------


def _refusing_client() -> SnapshotClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError("nothing may be sent")

    return SnapshotClient(
        endpoint_url="http://127.0.0.1:9",
        credentials=Credentials("AKIDEXAMPLE", "secret"),
        httpx_args={"transport": httpx2.MockTransport(handler)},
    )


@pytest.mark.parametrize(
    ("metadata", "problem"),
    [
        ({"bad name": "v"}, "letters, digits and '-'"),
        ({"under_score": "v"}, "letters, digits and '-'"),
        ({"ok": "line\nbreak"}, "printable ASCII"),
        ({"ok": "é"}, "printable ASCII"),
        ({"Run": "a", "run": "b"}, "twice"),
        ({"big": "x" * 2100}, "at most 2048"),
    ],
)
def test_bad_metadata_is_refused_naming_it(metadata: dict[str, str], problem: str) -> None:
    with _refusing_client() as client, pytest.raises(CosInvalidArgumentError) as caught:
        client.put_object("a.jpg", b"x", metadata=metadata)
    assert caught.value.parameter == "metadata"
    assert problem in caught.value.problem


def test_data_must_be_bytes_or_a_regular_file(tmp_path: Path) -> None:
    with _refusing_client() as client:
        with pytest.raises(CosInvalidArgumentError, match=r"os\.PathLike"):
            client.put_object("a.jpg", "text is ambiguous")  # type: ignore[arg-type]
        with pytest.raises(CosInvalidArgumentError, match="not a regular file"):
            client.put_object("a.jpg", tmp_path)
        fifo = tmp_path / "fifo"
        os.mkfifo(fifo)
        with pytest.raises(CosInvalidArgumentError, match="not a regular file"):
            client.put_object("a.jpg", fifo)  # refused without waiting for a writer
        with pytest.raises(CosInvalidArgumentError, match="cannot read"):
            client.put_object("a.jpg", tmp_path / "missing.bin")


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"max_keys": 0}, "max_keys"),
        ({"max_keys": 1001}, "max_keys"),
        ({"max_keys": True}, "max_keys"),
        ({"delimiter": ""}, "delimiter"),
        ({"marker": 5}, "marker"),
    ],
)
def test_bad_listing_arguments_are_refused(kwargs: dict[str, object], parameter: str) -> None:
    with _refusing_client() as client, pytest.raises(CosInvalidArgumentError) as caught:
        client.list_objects("p/", **kwargs)  # type: ignore[arg-type]
    assert caught.value.parameter == parameter


def test_iter_objects_checks_page_size_when_called() -> None:
    with _refusing_client() as client, pytest.raises(CosInvalidArgumentError) as caught:
        client.iter_objects("p/", page_size=0)
    assert caught.value.parameter == "page_size"


# -- the request's shape ----------------------------------------------------------------------


def _recording(
    answer: Callable[[httpx2.Request], httpx2.Response],
) -> tuple[SnapshotClient, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        request.read()
        seen.append(request)
        return answer(request)

    client = SnapshotClient(
        endpoint_url="http://127.0.0.1:9",
        credentials=Credentials("AKIDEXAMPLE", "secret"),
        httpx_args={"transport": httpx2.MockTransport(handler)},
    )
    return client, seen


LAST_PAGE = b"<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"


def test_a_listing_always_asks_for_url_encoding_and_sends_its_arguments() -> None:
    client, seen = _recording(lambda r: httpx2.Response(200, content=LAST_PAGE))
    with client:
        client.list_objects()
        client.list_objects("v/", delimiter="/", marker="v/a b.mp4", max_keys=7)
    first, second = (dict(parse_qsl(r.url.query.decode(), keep_blank_values=True)) for r in seen)
    assert first == {"prefix": "", "encoding-type": "url", "max-keys": "1000"}
    assert second == {
        "prefix": "v/",
        "delimiter": "/",
        "encoding-type": "url",
        "marker": "v/a b.mp4",
        "max-keys": "7",
    }
    assert seen[0].url.path == "/"
    signed = seen[1].headers["authorization"]
    assert "q-url-param-list=delimiter;encoding-type;marker;max-keys;prefix" in signed


def test_put_sends_content_md5_type_length_and_metadata_all_signed() -> None:
    client, seen = _recording(lambda r: httpx2.Response(200, headers={"ETag": '"e"'}))
    data = b"poster"
    with client:
        client.put_object("p/a.jpg", data, content_type="image/jpeg", metadata={"Run-Id": "r1"})
    (request,) = seen
    assert request.method == "PUT"
    assert request.url.path == "/p/a.jpg"
    assert request.headers["content-md5"] == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert request.headers["content-type"] == "image/jpeg"
    assert request.headers["content-length"] == "6"
    assert "transfer-encoding" not in request.headers
    assert request.headers["x-cos-meta-run-id"] == "r1"
    assert request.content == data
    header_list = request.headers["authorization"].split("q-header-list=")[1].split("&")[0]
    assert {"content-md5", "content-type", "x-cos-meta-run-id", "host"} <= set(
        header_list.split(";")
    )


def test_a_put_that_failed_is_sent_again_whole(tmp_path: Path) -> None:
    source = tmp_path / "f.bin"
    source.write_bytes(b"0123456789" * 200_000)
    answers = iter([httpx2.Response(503), httpx2.Response(200, headers={"ETag": '"e"'})])
    client, seen = _recording(lambda r: next(answers))
    client.retry = RetryPolicy(base_backoff=0.0)
    with client:
        assert client.put_object("f.bin", source).etag == '"e"'
    assert [len(r.content) for r in seen] == [2_000_000, 2_000_000]


# -- listing against a loopback server --------------------------------------------------------

T0 = "2026-10-28T20:30:00.000Z"
# Keys the XML could not carry raw, or that a decoder could get wrong.
ODD_KEYS = ["v/a b.mp4", "v/a+b.mp4", "v/100%.mp4", "v/#1?.mp4", "v/视频.mp4", "v/\x01ctl.mp4"]


def _contents(key: str, size: int = 1) -> str:
    return (
        f"<Contents><Key>{quote(key, safe='')}</Key><LastModified>{T0}</LastModified>"
        f'<ETag>"{hashlib.md5(key.encode()).hexdigest()}"</ETag><Size>{size}</Size>'
        "<Owner><ID>1</ID><DisplayName>1</DisplayName></Owner>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
    )


def _page(
    keys: list[str],
    *,
    truncated: bool,
    next_marker: str | None = None,
    prefixes: tuple[str, ...] = (),
    encoding: str = "Encoding-Type",
) -> bytes:
    parts = [f"<ListBucketResult><Name>b-1</Name><{encoding}>url</{encoding}>"]
    parts.append(f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>")
    if next_marker is not None:
        parts.append(f"<NextMarker>{quote(next_marker, safe='')}</NextMarker>")
    parts += [
        f"<CommonPrefixes><Prefix>{quote(p, safe='')}</Prefix></CommonPrefixes>" for p in prefixes
    ]
    parts += [_contents(key) for key in keys]
    parts.append("</ListBucketResult>")
    return "".join(parts).encode()


def _serving(pages: Mapping[str, bytes], markers: list[str] | None = None) -> Handler:
    """A handler answering each GET with the page of its ``marker`` ("" for none), noting the
    markers asked for in ``markers``."""

    def handler(conn: socket.socket) -> None:
        buffered = b""
        while True:
            while b"\r\n\r\n" not in buffered:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buffered += chunk
            head, _, buffered = buffered.partition(b"\r\n\r\n")
            target = head.split(b"\r\n")[0].split(b" ")[1].decode()
            query = dict(parse_qsl(urlsplit(target).query, keep_blank_values=True))
            if markers is not None:
                markers.append(query.get("marker", ""))
            body = pages[query.get("marker", "")]
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                b"x-cos-request-id: req-list\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )

    return handler


#: Three pages: one with NextMarker, one without (its last common prefix sorts after its last
#: key, so the listing continues from the prefix), and the last.
PAGES = {
    "": _page(ODD_KEYS[:3], truncated=True, next_marker=ODD_KEYS[2]),
    ODD_KEYS[2]: _page(ODD_KEYS[3:5], truncated=True, prefixes=("v/视频/",)),
    "v/视频/": _page(ODD_KEYS[5:], truncated=False, encoding="EncodingType"),
}


@pytest.fixture
def listing(raw_server: Callable[[Handler], RawServer]) -> RawServer:
    return raw_server(_serving(PAGES))


def _client_of(server: RawServer) -> SnapshotClient:
    return SnapshotClient(endpoint_url=server.url, credentials=Credentials("AKIDEXAMPLE", "s"))


def test_iter_objects_pages_through_with_and_without_next_marker(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    markers: list[str] = []
    server = raw_server(_serving(PAGES, markers))
    with _client_of(server) as client:
        summaries = list(client.iter_objects("v/", page_size=3))
    assert [s.key for s in summaries] == ODD_KEYS
    assert markers == ["", ODD_KEYS[2], "v/视频/"]
    first = summaries[0]
    assert first == ObjectSummary(
        key="v/a b.mp4",
        size=1,
        etag=f'"{hashlib.md5(b"v/a b.mp4").hexdigest()}"',
        last_modified=datetime(2026, 10, 28, 20, 30, tzinfo=UTC),
        storage_class="STANDARD",
    )


async def test_the_async_iterator_pages_through_the_same_keys(listing: RawServer) -> None:
    async with AsyncSnapshotClient(
        endpoint_url=listing.url, credentials=Credentials("AKIDEXAMPLE", "s")
    ) as client:
        keys = [summary.key async for summary in client.iter_objects("v/", page_size=3)]
    assert keys == ODD_KEYS


async def test_the_async_iterator_left_early_stops_its_fetch_ahead(listing: RawServer) -> None:
    async with AsyncSnapshotClient(
        endpoint_url=listing.url, credentials=Credentials("AKIDEXAMPLE", "s")
    ) as client:
        iterator = client.iter_objects("v/")
        assert (await anext(iterator)).key == ODD_KEYS[0]
        await iterator.aclose()  # type: ignore[attr-defined]


def test_list_objects_gives_one_typed_page(listing: RawServer) -> None:
    with _client_of(listing) as client:
        first = client.list_objects("v/", max_keys=3)
        second = client.list_objects("v/", marker=first.next_marker, max_keys=3)
        last = client.list_objects("v/", marker=second.next_marker, max_keys=3)
    assert [o.key for o in first.objects] == ODD_KEYS[:3]
    assert (first.is_truncated, first.next_marker) == (True, ODD_KEYS[2])
    assert second.common_prefixes == ("v/视频/",)
    # No NextMarker: the greater, in UTF-8 byte order, of the last key and the last prefix.
    assert second.next_marker == "v/视频/"
    assert (last.is_truncated, last.next_marker) == (False, None)
    assert [o.key for o in last.objects] == ["v/\x01ctl.mp4"]


def test_keys_of_a_page_that_is_not_encoded_are_taken_as_they_are(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    body = _page([], truncated=False).replace(b"<Encoding-Type>url</Encoding-Type>", b"")
    body = body.replace(
        b"</ListBucketResult>",
        b"<Contents><Key>a%20b</Key>"
        + (f"<LastModified>{T0}</LastModified><ETag>e</ETag><Size>0</Size></Contents>").encode()
        + b"</ListBucketResult>",
    )
    server = raw_server(_serving({"": body}))
    with _client_of(server) as client:
        (summary,) = client.list_objects().objects
    assert summary.key == "a%20b"
    assert summary.storage_class is None


@pytest.mark.parametrize(
    "page",
    [
        _page(["v/a"], truncated=True, next_marker="v/a"),  # NextMarker is the marker
        _page([], truncated=True),  # truncated, empty, no NextMarker
        _page(["v/0"], truncated=True),  # its last key sorts before the marker
    ],
)
def test_a_page_that_does_not_advance_is_an_error(
    raw_server: Callable[[Handler], RawServer], page: bytes
) -> None:
    server = raw_server(_serving({"v/a": page, "": page}))
    with _client_of(server) as client, pytest.raises(CosResponseError) as caught:
        client.list_objects("v/", marker="v/a")
    assert "does not advance" in str(caught.value)
    assert caught.value.request_id == "req-list"


def test_iter_objects_stops_on_a_page_that_does_not_advance(
    raw_server: Callable[[Handler], RawServer],
) -> None:
    server = raw_server(
        _serving(
            {"": _page(["a"], truncated=True, next_marker="b"), "b": _page(["b"], truncated=True)}
        )
    )
    with _client_of(server) as client, pytest.raises(CosResponseError, match="does not advance"):
        list(client.iter_objects())


@pytest.mark.parametrize(
    ("body", "element"),
    [
        (b"<Response/>", "ListBucketResult"),
        (b"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>", "IsTruncated"),
        (_page(["a"], truncated=False).replace(b"<Size>1</Size>", b"<Size>-1</Size>"), "Size"),
        (_page(["a"], truncated=False).replace(T0.encode(), b"yesterday"), "LastModified"),
        (_page(["x"], truncated=False).replace(b"<Key>x</Key>", b"<Key>%FF</Key>"), "Key"),
    ],
)
def test_a_malformed_page_names_its_element(
    raw_server: Callable[[Handler], RawServer], body: bytes, element: str
) -> None:
    server = raw_server(_serving({"": body}))
    with _client_of(server) as client, pytest.raises(CosResponseError) as caught:
        client.list_objects()
    assert element in caught.value.element


def test_object_info_is_a_value() -> None:
    info = ObjectInfo("k", 1, '"e"', None, "image/jpeg", {"a": "b"})
    assert info == ObjectInfo("k", 1, '"e"', None, "image/jpeg", {"a": "b"})
