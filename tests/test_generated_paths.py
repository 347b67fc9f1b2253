"""The generated GetSnapshot function puts object keys and parameters on the wire as COS expects.

The oracle for the path is the official SDK itself: ``CosConfig.uri(bucket, key)`` builds the URL
that ``CosS3Client`` sends. Where our path differs from it, it is on purpose and said so below.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote, urlsplit

import cos_snapshot_api
import httpx2
import pytest
from cos_snapshot_api.api.snapshot import get_snapshot
from cos_snapshot_api.types import UNSET, File, Response
from hypothesis import example, given, settings
from hypothesis import strategies as st
from qcloud_cos import CosConfig

BUCKET = "examplebucket-1250000000"
SDK_CONFIG = CosConfig(Region="ap-guangzhou", SecretId="id", SecretKey="key", Scheme="https")

XML_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
    "<Message>The specified key does not exist.</Message><Resource>r</Resource>"
    "<RequestId>req-1</RequestId><TraceId>trace-1</TraceId></Error>"
)


def sdk_raw_path(key: str) -> str:
    """The path of the URL the official SDK builds for ``key`` (before requests touches it)."""
    return urlsplit(SDK_CONFIG.uri(BUCKET, key)).path


def _client(handler: Callable[[httpx2.Request], httpx2.Response]) -> cos_snapshot_api.Client:
    return cos_snapshot_api.Client(
        base_url="http://127.0.0.1:9000",
        httpx_args={"transport": httpx2.MockTransport(handler)},
    )


def send(key: str, **kwargs: object) -> httpx2.Request:
    """Call the generated function for ``key`` and return the request that reached the wire."""
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, content=b"\xff\xd8\xff", headers={"x-cos-request-id": "r"})

    kwargs.setdefault("time", 1.5)
    with _client(handler) as client:
        get_snapshot.sync_detailed(key, client=client, **kwargs)  # type: ignore[arg-type]
    (request,) = seen
    return request


def raw_path(key: str) -> str:
    return send(key).url.raw_path.decode("ascii").partition("?")[0]


# Keys whose path is byte for byte the SDK's.
SDK_IDENTICAL_KEYS = [
    "a.mp4",
    "movies/2024/trailer.mp4",
    "视频/a b+1.mp4",
    "(腾讯云)",
    "%",
    "%2F",
    "?",
    "#",
    "a?b#c&d=e",
    "~user/-_.",
    "a b\tc",
    "!$&'()*+,;=:@",
    "a/../b",  # the SDK's "./" -> ".%2F" rule keeps httpx2 from collapsing the segment
    "./x",
    "a/./b",
    "../../etc/passwd",
    "...",
    ".../x",
    "a./b",
    "a//b",
    "dir/",
    "/a",  # one leading "/" is dropped, as the SDK does
    "/视频/a.mp4",
    "emoji/🎞️.mp4",
]


@pytest.mark.parametrize("key", SDK_IDENTICAL_KEYS)
def test_path_is_the_official_sdk_path(key: str) -> None:
    assert raw_path(key) == sdk_raw_path(key)


# Keys the SDK cannot send faithfully: requests collapses a last "." or ".." segment, and httpx2
# reads a path starting "//" as a host. Ours stay readable, with the same decoded path.
SDK_LOSSY_KEYS = {
    "a/.": "/a/%2E",
    "a/..": "/a/%2E%2E",
    ".": "/%2E",
    "..": "/%2E%2E",
    "x/y/..": "/x/y/%2E%2E",
    "//x": "/%2Fx",
    "///x/..": "/%2F/x/%2E%2E",
}


@pytest.mark.parametrize(("key", "expected"), SDK_LOSSY_KEYS.items())
def test_path_keeps_keys_the_sdk_loses(key: str, expected: str) -> None:
    path = raw_path(key)
    assert path == expected
    assert unquote(path) == unquote(sdk_raw_path(key))


@pytest.mark.parametrize("key", ["/", ""])
def test_key_naming_the_bucket_itself_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="object key"):
        send(key)


_keys = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]),  # lone surrogates are not UTF-8
    min_size=1,
    max_size=40,
).filter(lambda key: key != "/")
_dotty_keys = (
    st.lists(st.sampled_from(["", ".", "..", "...", "a", "é", " ", "%2E"]), min_size=1)
    .map("/".join)
    .filter(lambda key: key not in {"", "/"})
)


@settings(max_examples=300, deadline=None)
@given(key=st.one_of(_keys, _dotty_keys))
@example(key="a/..")
@example(key="//")
def test_decoded_path_is_the_key(key: str) -> None:
    path = raw_path(key)
    assert path.isascii()
    assert unquote(path, errors="strict") == "/" + key.removeprefix("/")
    assert unquote(path) == unquote(sdk_raw_path(key))
    ends_in_dot_segment = key.rpartition("/")[2] in {".", ".."}
    if not ends_in_dot_segment and not key.startswith("//"):
        assert path == sdk_raw_path(key)


def test_query_carries_every_parameter_with_the_defaults() -> None:
    request = send("a.mp4", time=1.5)
    assert request.method == "GET"
    assert request.url.query.decode() == (
        "ci-process=snapshot&time=1.5&width=0&height=0&format=jpg&rotate=auto&mode=exactframe"
    )


def test_query_carries_the_given_values() -> None:
    request = send(
        "a.mp4", time=12, width=640, height=0, format_="png", rotate="off", mode="keyframe"
    )
    assert request.url.query.decode() == (
        "ci-process=snapshot&time=12&width=640&height=0&format=png&rotate=off&mode=keyframe"
    )


def test_unset_optional_parameters_are_left_out() -> None:
    request = send("a.mp4", width=UNSET, height=UNSET, format_=UNSET, rotate=UNSET, mode=UNSET)
    assert request.url.query.decode() == "ci-process=snapshot&time=1.5"


def test_time_goes_out_as_str_of_the_value() -> None:
    # The generated code hands `time` to httpx2, which calls str() on it: a plain float may come
    # out in exponent notation. A float subclass with its own __str__ (as cos_snapshot uses)
    # puts the exact text on the wire.
    class Plain(float):
        def __str__(self) -> str:
            return "0.0000001"

    assert dict(send("a.mp4", time=1e-07).url.params)["time"] == "1e-07"
    assert dict(send("a.mp4", time=Plain(1e-07)).url.params)["time"] == "0.0000001"


def test_query_signature_fields_are_not_mixed_into_the_path() -> None:
    request = send("a?q-signature=x")
    assert request.url.raw_path.startswith(b"/a%3Fq-signature%3Dx?")
    assert "q-signature" not in dict(request.url.params)


def _respond(status: int, **kwargs: object) -> Response[File | str]:
    """Call the generated function against a server that answers ``status``."""

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, headers={"x-cos-request-id": "req-1"}, **kwargs)  # type: ignore[arg-type]

    with _client(handler) as client:
        response = get_snapshot.sync_detailed("a.mp4", client=client, time=1.5)
    assert response.headers["x-cos-request-id"] == "req-1"
    return response


def test_200_is_parsed_as_a_file_of_the_image_bytes() -> None:
    response = _respond(200, content=b"\x89PNG\r\n\x1a\n")
    assert isinstance(response.parsed, File)
    assert response.parsed.payload.read() == b"\x89PNG\r\n\x1a\n"
    assert response.content == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("status", [400, 403, 404, 409, 500, 503])
def test_error_document_is_parsed_as_its_text(status: int) -> None:
    response = _respond(status, text=XML_ERROR)
    assert response.status_code == status
    assert response.parsed == XML_ERROR


@pytest.mark.parametrize("status", [204, 302, 304])
def test_undocumented_status_is_none_or_unexpected_status(status: int) -> None:
    response = _respond(status)
    assert response.parsed is None

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status)

    client = cos_snapshot_api.Client(
        base_url="http://127.0.0.1:9000",
        raise_on_unexpected_status=True,
        httpx_args={"transport": httpx2.MockTransport(handler)},
    )
    with client, pytest.raises(cos_snapshot_api.errors.UnexpectedStatus):
        get_snapshot.sync_detailed("a.mp4", client=client, time=1.5)


async def test_async_function_sends_the_same_request() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(404, text=XML_ERROR)

    client = _client(handler)
    async with client:
        response = await get_snapshot.asyncio_detailed("视频/a b+1.mp4", client=client, time=2)
    assert response.parsed == XML_ERROR
    assert seen[0].url.raw_path == send("视频/a b+1.mp4", time=2).url.raw_path
