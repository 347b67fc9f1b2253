"""SnapshotClient / AsyncSnapshotClient request shape, errors and retries, over MockTransport.

The official SDK's signer is the oracle for the Authorization header and presigned URLs.
"""

from __future__ import annotations

import io
import numbers
import pickle
import types
from collections.abc import Callable
from decimal import Decimal
from email.utils import formatdate
from fractions import Fraction
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest
from cos_snapshot_api.api.snapshot import get_snapshot as generated_get_snapshot
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from qcloud_cos import CosConfig
from qcloud_cos import cos_auth as sdk_auth

from cos_snapshot import (
    AsyncSnapshotClient,
    CosClientError,
    CosConnectionError,
    CosInvalidArgumentError,
    CosServiceError,
    Credentials,
    RetryPolicy,
    Snapshot,
    SnapshotArgs,
    SnapshotClient,
)
from cos_snapshot._client.auth import CosAuth, Signer
from cos_snapshot._client.params import format_time
from cos_snapshot._client.responses import transport_error
from cos_snapshot._client.retry import is_retryable

BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
HOST = f"{BUCKET}.cos.{REGION}.myqcloud.com"
CREDS = Credentials("AKIDexampleexample", "example/secret+key")
NOW = 1_790_000_000
EXPIRES = 600


def _jpeg(width: int = 64, height: int = 48) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buf, "JPEG")
    return buf.getvalue()


def _png(width: int = 30, height: int = 20) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buf, "PNG")
    return buf.getvalue()


def _error_xml(code: str, message: str = "m", request_id: str = "rid-x") -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8' ?><Error>"
        f"<Code>{code}</Code><Message>{message}</Message><Resource>{HOST}/a.mp4</Resource>"
        f"<RequestId>{request_id}</RequestId><TraceId>trace-1</TraceId></Error>"
    ).encode()


Responder = Callable[[httpx2.Request], httpx2.Response]


class Recorder:
    """A MockTransport handler that records requests and plays back responses in order."""

    def __init__(self, *responses: httpx2.Response | Responder) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        return item(request) if callable(item) else item


def ok_jpeg(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(
        200, content=_jpeg(), headers={"content-type": "image/jpeg", "x-cos-request-id": "rid-1"}
    )


def _options(recorder: Recorder, **kwargs: object) -> dict[str, object]:
    options: dict[str, object] = {
        "credentials": CREDS,
        "clock": lambda: NOW,
        "sign_expires": EXPIRES,
        "retry": RetryPolicy(max_attempts=3, base_backoff=0.0),
        "httpx_args": {"transport": httpx2.MockTransport(recorder)},
    }
    options.update(kwargs)
    return options


def _client(recorder: Recorder, **kwargs: object) -> SnapshotClient:
    return SnapshotClient(BUCKET, REGION, **_options(recorder, **kwargs))  # type: ignore[arg-type]


def _async_client(recorder: Recorder, **kwargs: object) -> AsyncSnapshotClient:
    return AsyncSnapshotClient(BUCKET, REGION, **_options(recorder, **kwargs))  # type: ignore[arg-type]


def _sdk_signature(
    key: str, params: dict[str, str], headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> str:
    """What the official SDK's CosS3Auth puts in Authorization for the same request."""
    conf = CosConfig(Region=REGION, SecretId=CREDS.secret_id, SecretKey=CREDS.secret_key)
    monkeypatch.setattr(sdk_auth, "time", types.SimpleNamespace(time=lambda: NOW))
    auth = sdk_auth.CosS3Auth(conf, key=key, params=params, expire=EXPIRES)
    fake = types.SimpleNamespace(method="GET", url=f"https://{HOST}/", headers=dict(headers))
    return str(auth(fake).headers["Authorization"])


# --- request shape -----------------------------------------------------------------------


def test_url_path_and_query_are_exact() -> None:
    recorder = Recorder(ok_jpeg)
    with _client(recorder) as client:
        client.get_snapshot("视频/a b+1.mp4", 1.5, width=320, format="png", mode="keyframe")
    request = recorder.requests[0]
    assert request.url.host == HOST
    assert request.url.raw_path.decode().split("?")[0] == ("/%E8%A7%86%E9%A2%91/a%20b%2B1.mp4")
    assert list(parse_qsl(request.url.query.decode(), keep_blank_values=True)) == [
        ("ci-process", "snapshot"),
        ("time", "1.5"),
        ("width", "320"),
        ("height", "0"),
        ("format", "png"),
        ("rotate", "auto"),
        ("mode", "keyframe"),
    ]


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (1e-07, "0.0000001"),
        (0, "0"),
        (3, "3"),
        (2.5e3, "2500"),
        (1.16, "1.16"),
        (Decimal("1.9199999999999999999"), "1.9199999999999999999"),
        ("1E+2", "100"),
        ("0.040", "0.04"),
        (Fraction(3, 2), "1.5"),  # any numbers.Real, as numpy's floats
    ],
)
def test_time_is_sent_as_a_plain_decimal(given: object, sent: str) -> None:
    recorder = Recorder(ok_jpeg)
    with _client(recorder) as client:
        client.get_snapshot("a.mp4", given)  # type: ignore[arg-type]
    assert recorder.requests[0].url.params["time"] == sent


@numbers.Integral.register
class IndexLike:
    """An integer that is not an int, as numpy's are (numpy registers them as Integral)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __int__(self) -> int:
        return self.value

    __index__ = __int__


def test_integers_that_are_not_int_are_accepted_as_sizes_and_times() -> None:
    recorder = Recorder(ok_jpeg)
    with _client(recorder) as client:
        client.get_snapshot("a.mp4", IndexLike(3), width=IndexLike(320))  # type: ignore[arg-type]
    params = recorder.requests[0].url.params
    assert (params["time"], params["width"]) == ("3", "320")


def test_authorization_header_equals_the_official_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(ok_jpeg)
    key = "dir/视频 (1)+x.mp4"
    with _client(recorder) as client:
        client.get_snapshot(key, 2.25, height=90, rotate="off")
    request = recorder.requests[0]
    params = dict(request.url.params.multi_items())
    expected = _sdk_signature(key, params, {"Host": HOST}, monkeypatch)
    assert request.headers["Authorization"] == expected
    assert "q-header-list=host&" in expected


def test_sts_token_is_sent_and_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder(ok_jpeg)
    creds = Credentials(CREDS.secret_id, CREDS.secret_key, token="tok/en+=")
    with _client(recorder, credentials=creds) as client:
        client.get_snapshot("a.mp4", 1)
    request = recorder.requests[0]
    assert request.headers["x-cos-security-token"] == "tok/en+="
    params = dict(request.url.params.multi_items())
    headers = {"Host": HOST, "x-cos-security-token": "tok/en+="}
    assert request.headers["Authorization"] == _sdk_signature("a.mp4", params, headers, monkeypatch)
    assert "q-header-list=host;x-cos-security-token" in request.headers["Authorization"]


def test_extra_client_headers_are_signed_as_the_official_sdk_signs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder(ok_jpeg)
    creds = Credentials(CREDS.secret_id, CREDS.secret_key, token="tok")
    extra = {"x-cos-traffic-limit": "819200", "Range": "bytes=0-", "X-Trace": "t 1"}
    with _client(recorder, credentials=creds) as client:
        client._api.get_httpx_client().headers.update(extra)
        client.get_snapshot("a b.mp4", 1)
    request = recorder.requests[0]
    sent = {k: v for k, v in request.headers.items() if k != "authorization"}
    params = dict(request.url.params.multi_items())
    assert request.headers["Authorization"] == _sdk_signature("a b.mp4", params, sent, monkeypatch)
    signed = dict(parse_qsl(request.headers["Authorization"]))["q-header-list"]
    assert signed == "host;range;x-cos-security-token;x-cos-traffic-limit"


def _with_transport(recorder: Recorder, **httpx_args: object) -> dict[str, object]:
    return {"transport": httpx2.MockTransport(recorder), **httpx_args}


_KEY_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=24
).filter(lambda key: key.removeprefix("/") != "")


@settings(max_examples=150, deadline=None)
@given(
    key=_KEY_TEXT,
    time=st.decimals(min_value=0, max_value=10**7, places=4),
    width=st.integers(0, 4096),
    format=st.sampled_from(["jpg", "png"]),
    mode=st.sampled_from(["keyframe", "exactframe"]),
    token=st.sampled_from([None, "tok/en+="]),
)
def test_sent_request_is_what_the_generated_client_builds_and_cos_auth_signs(
    key: str, time: Decimal, width: int, format: str, mode: str, token: str | None
) -> None:
    """The client builds and signs requests itself for speed; the wire must not notice: URL
    and every header (Authorization included) equal httpx2's ``build_request`` of the generated
    kwargs, merged with client-level headers, params and cookies, then signed by CosAuth."""
    recorder = Recorder(ok_jpeg)
    creds = Credentials(CREDS.secret_id, CREDS.secret_key, token=token)
    httpx_args = _with_transport(recorder, params={"versionId": "v 1", "width": "overridden"})
    with _client(recorder, credentials=creds, httpx_args=httpx_args) as client:
        http = client._api.get_httpx_client()
        http.headers.update({"X-Cos-Meta-Trace": "abc", "Accept": "image/*"})
        http.cookies.set("session", "1")  # as a Set-Cookie of an earlier answer would
        client.get_snapshot(key, time, width=width, format=format, mode=mode)  # type: ignore[arg-type]
        kwargs = generated_get_snapshot._get_kwargs(
            key,
            time=format_time(time),
            width=width,
            height=0,
            format_=format,  # type: ignore[arg-type]
            rotate="auto",
            mode=mode,  # type: ignore[arg-type]
        )
        expected = http.build_request(**kwargs)
    auth = CosAuth(Signer(creds, clock=lambda: NOW), expires=EXPIRES)
    expected = next(auth.sync_auth_flow(expected))
    (sent,) = recorder.requests
    assert str(sent.url) == str(expected.url)
    assert sent.headers.raw == expected.headers.raw


def test_cos_auth_signs_a_request_as_the_client_does() -> None:
    recorder = Recorder(ok_jpeg)
    with _client(recorder) as client:
        client.get_snapshot("视频/a.mp4", 3)
    (from_client,) = recorder.requests
    auth = CosAuth(Signer(CREDS, clock=lambda: NOW), expires=EXPIRES)
    with httpx2.Client(auth=auth, transport=httpx2.MockTransport(recorder)) as plain:
        plain.get(from_client.url)
    assert recorder.requests[1].headers["Authorization"] == from_client.headers["Authorization"]


def test_a_signing_client_ignores_an_auth_in_httpx_args() -> None:
    recorder = Recorder(ok_jpeg)
    args = _with_transport(recorder, auth=httpx2.BasicAuth("user", "pass"))
    with _client(recorder, httpx_args=args) as client:
        client.get_snapshot("a.mp4", 1)
    assert recorder.requests[0].headers["Authorization"].startswith("q-sign-algorithm=sha1&")


def test_an_anonymous_client_uses_an_auth_in_httpx_args() -> None:
    recorder = Recorder(ok_jpeg)
    args = _with_transport(recorder, auth=httpx2.BasicAuth("user", "pass"))
    with _client(recorder, anonymous=True, credentials=None, httpx_args=args) as client:
        client.get_snapshot("a.mp4", 1)
    assert recorder.requests[0].headers["Authorization"].startswith("Basic ")


def test_endpoint_url_host_with_port_is_what_gets_signed() -> None:
    recorder = Recorder(ok_jpeg)
    with _client(recorder, endpoint_url="http://127.0.0.1:9123") as client:
        client.get_snapshot("k.mp4", 0)
    request = recorder.requests[0]
    assert str(request.url).startswith("http://127.0.0.1:9123/k.mp4?")
    assert request.headers["host"] == "127.0.0.1:9123"


def test_anonymous_client_sends_no_authorization() -> None:
    recorder = Recorder(ok_jpeg)
    with _client(recorder, anonymous=True, credentials=None) as client:
        client.get_snapshot("k.mp4", 0)
    assert "authorization" not in recorder.requests[0].headers


# --- presigned URLs -----------------------------------------------------------------------


def test_presigned_url_carries_the_sdk_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    with _client(Recorder(ok_jpeg)) as client:
        url = client.presign_snapshot_url("视频/a b.mp4", 3.5, width=100, expires=EXPIRES)
    parts = urlsplit(url)
    assert parts.netloc == HOST
    assert parts.path == "/%E8%A7%86%E9%A2%91/a%20b.mp4"
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signed = {k: v for k, v in query.items() if not k.startswith("q-")}
    assert signed == {
        "ci-process": "snapshot",
        "time": "3.5",
        "width": "100",
        "height": "0",
        "format": "jpg",
        "rotate": "auto",
        "mode": "exactframe",
    }
    expected = _sdk_signature("视频/a b.mp4", signed, {"Host": HOST}, monkeypatch)
    fields = "&".join(f"{k}={v}" for k, v in query.items() if k.startswith("q-"))
    assert fields == expected
    assert query["q-key-time"] == f"{NOW - 60};{NOW + EXPIRES}"


def test_presigned_url_with_sts_token_includes_it_as_a_signed_param() -> None:
    creds = Credentials(CREDS.secret_id, CREDS.secret_key, token="t0ken")
    with _client(Recorder(ok_jpeg), credentials=creds) as client:
        url = client.presign_snapshot_url("a.mp4", 1)
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["x-cos-security-token"] == "t0ken"
    assert "x-cos-security-token" in query["q-url-param-list"].split(";")


def test_presign_rejects_bad_expiry() -> None:
    with (
        _client(Recorder(ok_jpeg)) as client,
        pytest.raises(CosInvalidArgumentError, match="expires"),
    ):
        client.presign_snapshot_url("a.mp4", 1, expires=0)


# --- arguments checked before sending ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"time": -1}, "time"),
        ({"time": float("nan")}, "time"),
        ({"time": float("inf")}, "time"),
        ({"time": "abc"}, "time"),
        ({"time": "1_5"}, "time"),  # Python's Decimal reads 15; COS would not
        ({"time": "\u0661.\u0665"}, "time"),  # Arabic-Indic digits
        ({"time": "Infinity"}, "time"),
        ({"time": 10**5000}, "time"),  # more digits than int -> str allows
        ({"time": True}, "time"),
        ({"time": None}, "time"),
        ({"width": -1}, "width"),
        ({"width": 4097}, "width"),
        ({"height": 1.5}, "height"),
        ({"height": True}, "height"),
        ({"format": "jpeg"}, "format"),
        ({"format": "JPG"}, "format"),
        ({"rotate": ""}, "rotate"),
        ({"mode": "key"}, "mode"),
        ({"key": ""}, "key"),
        ({"key": "/"}, "key"),
        ({"key": "a\x00b"}, "key"),
        ({"key": "x" * 851}, "key"),
    ],
)
def test_invalid_arguments_name_the_parameter_and_send_nothing(
    kwargs: dict[str, object], parameter: str
) -> None:
    recorder = Recorder(ok_jpeg)
    call: dict[str, object] = {"key": "a.mp4", "time": 1, **kwargs}
    with _client(recorder) as client, pytest.raises(CosInvalidArgumentError) as info:
        client.get_snapshot(**call)  # type: ignore[arg-type]
    assert info.value.parameter == parameter
    assert str(info.value).startswith(parameter)
    assert recorder.requests == []


# --- responses and errors ---------------------------------------------------------------------


def test_snapshot_reports_type_size_and_request_id(tmp_path: object) -> None:
    recorder = Recorder(
        httpx2.Response(
            200,
            content=_png(30, 20),
            headers={"content-type": "image/png", "x-cos-request-id": "r9"},
        )
    )
    with _client(recorder) as client:
        snap = client.get_snapshot("a.mp4", 1, format="png")
    assert (snap.content_type, snap.size, snap.request_id, snap.format) == (
        "image/png",
        (30, 20),
        "r9",
        "png",
    )


def test_error_document_becomes_cos_service_error() -> None:
    recorder = Recorder(
        httpx2.Response(
            404,
            content=_error_xml("NoSuchKey", "The specified key does not exist."),
            headers={"content-type": "application/xml"},
        )
    )
    with _client(recorder) as client, pytest.raises(CosServiceError) as info:
        client.get_snapshot("a.mp4", 1)
    error = info.value
    assert (error.status, error.code, error.message) == (
        404,
        "NoSuchKey",
        "The specified key does not exist.",
    )
    assert (error.resource, error.request_id, error.trace_id) == (
        f"{HOST}/a.mp4",
        "rid-x",
        "trace-1",
    )
    assert len(recorder.requests) == 1  # a 4xx is not retried


def test_signature_mismatch_keeps_string_to_sign_in_details() -> None:
    body = (
        b"<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message>"
        b"<StringToSign>sha1\n1;2\nabc\n</StringToSign></Error>"
    )
    with (
        _client(Recorder(httpx2.Response(403, content=body))) as client,
        pytest.raises(CosServiceError) as info,
    ):
        client.get_snapshot("a.mp4", 1)
    assert info.value.code == "SignatureDoesNotMatch"
    assert info.value.details["StringToSign"].startswith("sha1")


def test_non_xml_error_body_still_gives_status_and_request_id() -> None:
    recorder = Recorder(
        httpx2.Response(502, content=b"bad gateway", headers={"x-cos-request-id": "gw"})
    )
    with (
        _client(recorder, retry=RetryPolicy(max_attempts=1)) as client,
        pytest.raises(CosServiceError) as info,
    ):
        client.get_snapshot("a.mp4", 1)
    assert (info.value.status, info.value.code, info.value.request_id) == (502, None, "gw")


def test_mislabelled_content_type_is_an_error() -> None:
    recorder = Recorder(
        httpx2.Response(200, content=_jpeg(), headers={"content-type": "image/png"})
    )
    with (
        _client(recorder, retry=RetryPolicy(max_attempts=1)) as client,
        pytest.raises(CosConnectionError, match="image/png"),
    ):
        client.get_snapshot("a.mp4", 1)


def test_truncated_image_is_retried_then_reported() -> None:
    recorder = Recorder(
        httpx2.Response(200, content=_jpeg()[:-40], headers={"content-type": "image/jpeg"})
    )
    with _client(recorder) as client, pytest.raises(CosConnectionError, match="cut short"):
        client.get_snapshot("a.mp4", 1)
    assert len(recorder.requests) == 3


# --- retries --------------------------------------------------------------------------------


def test_503_slowdown_is_retried_and_each_attempt_is_signed_afresh() -> None:
    ticks = iter(range(NOW, NOW + 100))
    recorder = Recorder(
        httpx2.Response(503, content=_error_xml("SlowDown"), headers={"retry-after": "0"}),
        httpx2.Response(500, content=_error_xml("InternalError")),
        ok_jpeg,
    )
    with _client(recorder, clock=lambda: next(ticks)) as client:
        snap = client.get_snapshot("a.mp4", 1)
    assert snap.request_id == "rid-1"
    signatures = [r.headers["Authorization"] for r in recorder.requests]
    assert len(signatures) == 3
    assert len(set(signatures)) == 3


def test_every_attempt_carries_the_sts_token_once_and_signs_it() -> None:
    ticks = iter(range(NOW, NOW + 100))
    recorder = Recorder(httpx2.Response(503, content=_error_xml("SlowDown")), ok_jpeg)
    creds = Credentials(CREDS.secret_id, CREDS.secret_key, token="tok")
    with _client(recorder, credentials=creds, clock=lambda: next(ticks)) as client:
        client.get_snapshot("a.mp4", 1)
    assert len(recorder.requests) == 2
    for request in recorder.requests:
        assert request.headers.get_list("x-cos-security-token") == ["tok"]
        assert "q-header-list=host;x-cos-security-token&" in request.headers["Authorization"]


def test_connection_errors_are_retried() -> None:
    calls = {"n": 0}

    def flaky(request: httpx2.Request) -> httpx2.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx2.ConnectError("refused", request=request)
        return ok_jpeg(request)

    with _client(Recorder(flaky)) as client:
        assert client.get_snapshot("a.mp4", 1).width == 64
    assert calls["n"] == 2


def test_attempt_limit_is_honoured() -> None:
    recorder = Recorder(httpx2.Response(503, content=_error_xml("SlowDown")))
    with (
        _client(recorder, retry=RetryPolicy(max_attempts=2, base_backoff=0.0)) as client,
        pytest.raises(CosServiceError) as info,
    ):
        client.get_snapshot("a.mp4", 1)
    assert info.value.code == "SlowDown"
    assert len(recorder.requests) == 2


def test_clock_skew_is_corrected_from_the_date_header_once() -> None:
    server_now = NOW + 3600
    recorder = Recorder(
        httpx2.Response(
            403,
            content=_error_xml("RequestTimeTooSkewed"),
            headers={"date": formatdate(server_now, usegmt=True)},
        ),
        ok_jpeg,
    )
    with _client(recorder) as client:
        client.get_snapshot("a.mp4", 1)
    first, second = (dict(parse_qsl(r.headers["Authorization"])) for r in recorder.requests)
    assert first["q-key-time"] == f"{NOW - 60};{NOW + EXPIRES}"
    assert second["q-key-time"] == f"{server_now - 60};{server_now + EXPIRES}"


# --- sync / async parity ---------------------------------------------------------------------


async def test_async_client_sends_the_same_request_and_returns_the_same_snapshot() -> None:
    sync_rec, async_rec = Recorder(ok_jpeg), Recorder(ok_jpeg)
    kwargs = {"width": 0, "height": 120, "format": "jpg", "rotate": "off", "mode": "keyframe"}
    with _client(sync_rec) as client:
        sync_snap = client.get_snapshot("d/视频.mp4", "7.25", **kwargs)  # type: ignore[arg-type]
        sync_url = client.presign_snapshot_url("d/视频.mp4", 7.25)
    async with _async_client(async_rec) as aclient:
        async_snap = await aclient.get_snapshot("d/视频.mp4", "7.25", **kwargs)  # type: ignore[arg-type]
        async_url = aclient.presign_snapshot_url("d/视频.mp4", 7.25)
    assert sync_snap == async_snap
    assert sync_url == async_url
    (s,), (a,) = sync_rec.requests, async_rec.requests
    assert s.url == a.url
    assert s.headers["Authorization"] == a.headers["Authorization"]


async def test_async_client_retries_like_the_sync_one() -> None:
    recorder = Recorder(httpx2.Response(503, content=_error_xml("SlowDown")), ok_jpeg)
    async with _async_client(recorder) as client:
        await client.get_snapshot("a.mp4", 1)
    assert len(recorder.requests) == 2


async def test_async_client_validates_before_sending() -> None:
    recorder = Recorder(ok_jpeg)
    async with _async_client(recorder) as client:
        with pytest.raises(CosInvalidArgumentError, match="width"):
            await client.get_snapshot("a.mp4", 1, width=5000)
    assert recorder.requests == []


# --- construction and secrets ---------------------------------------------------------------


def test_reprs_never_show_secrets() -> None:
    creds = Credentials("AKIDsecretidvalue1234", "THE-SECRET-KEY", token="THE-TOKEN")
    with _client(Recorder(ok_jpeg), credentials=creds) as client:
        for text in (repr(creds), str(creds), repr(client)):
            assert "THE-SECRET-KEY" not in text
            assert "THE-TOKEN" not in text
            assert "AKIDsecretidvalue1234" not in text


def test_credentials_from_env_names_the_missing_variable() -> None:
    with pytest.raises(CosClientError, match="TENCENTCLOUD_SECRET_KEY"):
        Credentials.from_env({"TENCENTCLOUD_SECRET_ID": "x"})
    creds = Credentials.from_env(
        {
            "TENCENTCLOUD_SECRET_ID": "i",
            "TENCENTCLOUD_SECRET_KEY": "k",
            "TENCENTCLOUD_SECURITY_TOKEN": "t",
        }
    )
    assert (creds.secret_id, creds.secret_key, creds.token) == ("i", "k", "t")


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("TENCENTCLOUD_SECURITY_TOKEN", "TOPSECRETTOKEN\r", "control characters"),
        ("TENCENTCLOUD_SECRET_ID", "AKIDTOPSECRET1234 ", "surrounding whitespace"),
        ("TENCENTCLOUD_SECRET_KEY", "TOPSECRET\x7f", "control characters"),
        ("TENCENTCLOUD_SECURITY_TOKEN", "TOPSECRÉT", "must be ASCII"),
    ],
)
def test_unusable_credentials_in_the_environment_name_the_variable_not_the_value(
    variable: str, value: str, problem: str
) -> None:
    env = {"TENCENTCLOUD_SECRET_ID": "AKIDgood", "TENCENTCLOUD_SECRET_KEY": "good", variable: value}
    with pytest.raises(CosClientError) as info:
        Credentials.from_env(env)
    message = str(info.value)
    assert variable in message
    assert problem in message
    assert "TOPSECR" not in message


def test_a_token_that_is_not_a_valid_header_value_is_refused_up_front() -> None:
    with pytest.raises(ValueError, match="token has surrounding whitespace or control characters"):
        Credentials("AKIDgood", "good", token="TOPSECRETTOKEN\r")


def test_a_request_that_is_not_valid_http_is_not_retried_nor_quoted() -> None:
    error = transport_error(httpx2.LocalProtocolError("Illegal header value b'TOPSECRETTOKEN\\r'"))
    assert type(error) is CosClientError
    assert "TOPSECRET" not in str(error)
    assert not is_retryable(error)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"bucket": "Bad_Bucket", "region": REGION}, "bucket"),
        ({"bucket": BUCKET, "region": "ap guangzhou"}, "region"),
        ({"bucket": None, "region": None}, "endpoint_url"),
        ({"endpoint_url": "ftp://x"}, "endpoint_url"),
        ({"endpoint_url": "http://user:TOPSECRET@h:9000"}, "endpoint_url"),
        ({"endpoint_url": "http://h:9000/?versionId=1"}, "endpoint_url"),
        ({"endpoint_url": "http://h:9000/#top"}, "endpoint_url"),
        ({"bucket": "-1250000000", "region": REGION}, "bucket"),
        # beside endpoint_url, which says where requests go, a malformed one is still refused
        ({"bucket": "bad bucket", "endpoint_url": "http://h:9000"}, "bucket"),
        ({"bucket": "examplebucket", "endpoint_url": "http://h:9000"}, "bucket"),
        ({"region": "ap guangzhou", "endpoint_url": "http://h:9000"}, "region"),
    ],
)
def test_bad_construction_names_the_parameter(kwargs: dict[str, object], parameter: str) -> None:
    with pytest.raises(CosInvalidArgumentError) as info:
        SnapshotClient(credentials=CREDS, **kwargs)  # type: ignore[arg-type]
    assert info.value.parameter == parameter
    assert "TOPSECRET" not in str(info.value)


def test_endpoint_url_needs_no_bucket_and_takes_a_valid_one_beside_it() -> None:
    with SnapshotClient(endpoint_url="http://h:9000", credentials=CREDS) as client:
        assert (client.bucket, client.endpoint_url) == (None, "http://h:9000")
    with SnapshotClient(
        "examplebucket-1250000000", REGION, endpoint_url="http://h:9000", credentials=CREDS
    ) as client:
        assert (client.bucket, client.endpoint_url) == ("examplebucket-1250000000", "http://h:9000")


def test_a_one_letter_bucket_name_is_a_bucket() -> None:
    with SnapshotClient("a-1250000000", REGION, credentials=CREDS) as client:
        assert client.endpoint_url == f"https://a-1250000000.cos.{REGION}.myqcloud.com"


def test_errors_survive_pickling_with_every_field() -> None:

    error = CosServiceError.from_response(
        503, _error_xml("SlowDown"), {"retry-after": "7", "date": "Sat, 21 Nov 2026 10:00:00 GMT"}
    )
    copy = pickle.loads(pickle.dumps(error))
    assert vars(copy) == vars(error)
    assert (copy.retry_after, copy.code, str(copy)) == (7.0, "SlowDown", str(error))
    invalid = pickle.loads(pickle.dumps(CosInvalidArgumentError("width", "too big")))
    assert (invalid.parameter, str(invalid)) == ("width", "width: too big")


# --- Snapshot.save ----------------------------------------------------------------------------


def test_save_writes_the_bytes_under_a_name_as_long_as_the_file_system_allows(
    tmp_path: Path,
) -> None:
    snapshot = Snapshot.from_bytes(_jpeg(), request_id="r")
    target = tmp_path / "deep" / ("a" * 250 + ".jpg")  # 254 bytes: the limit is 255
    assert snapshot.save(target) == target
    assert target.read_bytes() == snapshot.content
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temporary left


def test_save_leaves_neither_file_nor_temporary_when_writing_fails(tmp_path: Path) -> None:
    snapshot = Snapshot.from_bytes(_jpeg(), request_id="r")
    target = tmp_path / "out.jpg"
    target.mkdir()  # the rename onto a directory fails
    with pytest.raises(OSError):
        snapshot.save(target)
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]
    assert target.is_dir()


def test_a_presigned_url_carries_the_same_query_as_the_request_sent() -> None:
    recorder = Recorder(ok_jpeg)
    args = {"transport": httpx2.MockTransport(recorder), "params": {"versionId": "v 1"}}
    with _client(recorder, httpx_args=args) as client:
        client.get_snapshot("a.mp4", 1.5, width=64)
        url = httpx2.URL(client.presign_snapshot_url("a.mp4", 1.5, width=64))
    sent = recorder.requests[0].url.params
    presigned = url.params
    assert [(k, v) for k, v in presigned.multi_items() if not k.startswith("q-")] == list(
        sent.multi_items()
    )
    assert "versionid" in presigned["q-url-param-list"].split(";")


# --- a checked SnapshotArgs ------------------------------------------------------------------


async def test_a_snapshot_args_alone_sends_what_the_keywords_send() -> None:
    kwargs = {"width": 320, "height": 0, "format": "png", "rotate": "off", "mode": "keyframe"}
    args = SnapshotArgs.check("d/视频.mp4", "0.0000001", **kwargs)
    by_keywords, by_args, by_async = Recorder(ok_jpeg), Recorder(ok_jpeg), Recorder(ok_jpeg)
    with _client(by_keywords) as client:
        client.get_snapshot("d/视频.mp4", "0.0000001", **kwargs)  # type: ignore[arg-type]
        url = client.presign_snapshot_url("d/视频.mp4", "0.0000001", **kwargs)  # type: ignore[arg-type]
    with _client(by_args) as client:
        client.get_snapshot(args)
        assert client.presign_snapshot_url(args) == url
    async with _async_client(by_async) as aclient:
        await aclient.get_snapshot(args)
    urls = {str(r.url) for r in (*by_keywords.requests, *by_args.requests, *by_async.requests)}
    assert len(urls) == 1
    assert "time=0.0000001&" in urls.pop()


def test_a_snapshot_args_is_sent_as_it_is_and_not_with_other_arguments() -> None:
    recorder = Recorder(ok_jpeg, ok_jpeg)
    # Made without check(): the client trusts a SnapshotArgs and does not check it again.
    unchecked = SnapshotArgs("a.mp4", "1.50", 0, 0, "jpg", "auto", "exactframe")
    with _client(recorder) as client:
        client.get_snapshot(unchecked)
        assert recorder.requests[0].url.params["time"] == "1.50"
        for extra in ({"width": 10}, {"mode": "keyframe"}):
            with pytest.raises(TypeError, match="alone"):
                client.get_snapshot(unchecked, **extra)  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="alone"):
            client.get_snapshot(unchecked, 1)  # type: ignore[call-overload]
        with pytest.raises(TypeError, match="needs a time"):
            client.get_snapshot("a.mp4")  # type: ignore[call-overload]
    assert len(recorder.requests) == 1
