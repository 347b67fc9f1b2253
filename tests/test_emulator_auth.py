"""Signature verification: header and query-string signatures, time windows, STS tokens."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest

from cos_snapshot import Credentials
from cos_snapshot.emulator import EmulatorSettings, create_app
from cos_snapshot.signing import (
    authorization_fields,
    build_authorization,
    compute_signature,
    format_authorization,
)
from cos_snapshot.testing.pytest_plugin import CosEmulator

CRED = Credentials("AKIDAUTHTEST000001", "auth-test-secret")
STS = Credentials("AKIDSTSTEMPORARY01", "sts-secret", "sts-session-token+/=")
HOST = "testserver"
KEY = "视频/a b+c.txt"
PATH = "/" + KEY
URL_PATH = "/" + quote(KEY, safe="/-_.~")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("auth-root")
    (root / "视频").mkdir()
    (root / "视频" / "a b+c.txt").write_bytes(b"guarded")
    return root


@pytest.fixture
async def client(root: Path) -> AsyncIterator[httpx2.AsyncClient]:
    settings = EmulatorSettings(root=root, credentials=(CRED, STS), time_tolerance_s=60)
    transport = httpx2.ASGITransport(app=create_app(settings))
    async with httpx2.AsyncClient(transport=transport, base_url=f"http://{HOST}") as client:
        yield client


def window(start_offset: int = -60, end_offset: int = 600) -> tuple[int, int]:
    now = int(time.time())
    return now + start_offset, now + end_offset


def header_auth(
    *,
    cred: Credentials = CRED,
    method: str = "GET",
    path: str = PATH,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    span: tuple[int, int] | None = None,
) -> str:
    start, end = span or window()
    return build_authorization(
        secret_id=cred.secret_id,
        secret_key=cred.secret_key,
        method=method,
        path=path,
        params=params or {},
        headers={"host": HOST, **(headers or {})},
        start=start,
        end=end,
    )


def presigned_query(
    *,
    cred: Credentials = CRED,
    params: Mapping[str, str] | None = None,
    span: tuple[int, int] | None = None,
    sign_host: bool = True,
) -> dict[str, str]:
    start, end = span or window()
    fields = authorization_fields(
        secret_id=cred.secret_id,
        secret_key=cred.secret_key,
        method="GET",
        path=PATH,
        params=params or {},
        headers={"host": HOST} if sign_host else {},
        start=start,
        end=end,
    )
    return {**(params or {}), **fields}


def code_of(response: httpx2.Response) -> str | None:
    assert response.headers["x-cos-request-id"]
    assert response.headers["content-type"] == "application/xml"
    return ET.fromstring(response.content).findtext("Code")


# --- accepted -----------------------------------------------------------------------------------


async def test_header_signature_is_accepted(client: httpx2.AsyncClient) -> None:
    response = await client.get(URL_PATH, headers={"Authorization": header_auth()})
    assert response.status_code == 200
    assert response.content == b"guarded"


async def test_query_string_signature_is_accepted(client: httpx2.AsyncClient) -> None:
    response = await client.get(URL_PATH, params=presigned_query())
    assert response.status_code == 200


async def test_signed_params_and_headers_are_checked(client: httpx2.AsyncClient) -> None:
    params = {"response-content-type": "text/plain", "flag": ""}
    auth = header_auth(params=params, headers={"range": "bytes=0-2"})
    response = await client.get(
        URL_PATH, params=params, headers={"Authorization": auth, "Range": "bytes=0-2"}
    )
    assert (response.status_code, response.content) == (206, b"gua")


async def test_params_not_in_the_signature_are_allowed(client: httpx2.AsyncClient) -> None:
    # As in the vendor's presigned example, whose q-url-param-list is empty.
    query = {**presigned_query(), "response-cache-control": "no-cache", "x": "y"}
    assert (await client.get(URL_PATH, params=query)).status_code == 200


@pytest.mark.parametrize(
    ("base_url", "signed_hosts"),
    [
        ("http://h.example:8080", ("h.example:8080", "h.example")),
        # The official SDK signs urlparse(url).hostname: no brackets, lower case.
        ("http://[::1]:8080", ("[::1]:8080", "[::1]", "::1")),
        ("http://[FE80::1]:8080", ("[FE80::1]:8080", "fe80::1")),
    ],
)
async def test_host_may_be_signed_with_or_without_the_port(
    root: Path, base_url: str, signed_hosts: tuple[str, ...]
) -> None:
    settings = EmulatorSettings(root=root, credentials=(CRED,))
    transport = httpx2.ASGITransport(app=create_app(settings))
    async with httpx2.AsyncClient(transport=transport, base_url=base_url) as client:
        for signed_host in signed_hosts:
            start, end = window()
            auth = build_authorization(
                secret_id=CRED.secret_id,
                secret_key=CRED.secret_key,
                method="GET",
                path=PATH,
                params={},
                headers={"host": signed_host},
                start=start,
                end=end,
            )
            response = await client.get(URL_PATH, headers={"Authorization": auth})
            assert response.status_code == 200, signed_host


async def test_start_slightly_in_the_future_is_tolerated(client: httpx2.AsyncClient) -> None:
    auth = header_auth(span=window(30, 600))
    assert (await client.get(URL_PATH, headers={"Authorization": auth})).status_code == 200


async def test_a_signed_upload_with_content_headers(client: httpx2.AsyncClient) -> None:
    headers = {"content-type": "text/plain", "content-length": "4", "x-cos-meta-a": "b"}
    auth = header_auth(method="PUT", path="/uploaded.txt", headers=headers)
    response = await client.put(
        "/uploaded.txt", content=b"data", headers={**headers, "Authorization": auth}
    )
    assert response.status_code == 200


# --- refused ------------------------------------------------------------------------------------


async def test_no_signature_is_access_denied(client: httpx2.AsyncClient) -> None:
    response = await client.get(URL_PATH)
    assert (response.status_code, code_of(response)) == (403, "AccessDenied")


async def test_empty_authorization_header_counts_as_none(client: httpx2.AsyncClient) -> None:
    response = await client.get(URL_PATH, headers={"Authorization": ""})
    assert (response.status_code, code_of(response)) == (403, "AccessDenied")


async def test_unknown_access_key_is_invalid_access_key_id(client: httpx2.AsyncClient) -> None:
    auth = header_auth(cred=Credentials("AKIDNOBODYKNOWS001", CRED.secret_key))
    response = await client.get(URL_PATH, headers={"Authorization": auth})
    assert (response.status_code, code_of(response)) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize(
    "span", [window(-7200, -10), window(3600, 7200)], ids=["expired", "not-yet-valid"]
)
async def test_outside_the_time_window_is_request_has_expired(
    client: httpx2.AsyncClient, span: tuple[int, int]
) -> None:
    for request in (
        client.get(URL_PATH, headers={"Authorization": header_auth(span=span)}),
        client.get(URL_PATH, params=presigned_query(span=span)),
    ):
        response = await request
        assert (response.status_code, code_of(response)) == (403, "AccessDenied")
        assert "Request has expired" in response.text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda auth: auth.replace("q-signature=", "q-signaturx="),
        lambda auth: auth.replace("q-sign-algorithm=sha1", "q-sign-algorithm=md5"),
        lambda auth: auth.split("&q-signature")[0],
        lambda auth: "garbage",
        lambda auth: auth.replace("q-key-time=", "q-key-time=abc"),
    ],
    ids=["misspelt-field", "algorithm", "missing-signature", "garbage", "key-time"],
)
async def test_malformed_signature_is_access_denied(
    client: httpx2.AsyncClient, mangle: object
) -> None:
    auth = mangle(header_auth())  # type: ignore[operator]
    response = await client.get(URL_PATH, headers={"Authorization": auth})
    assert (response.status_code, code_of(response)) == (403, "AccessDenied")


async def test_incomplete_query_signature_is_access_denied(client: httpx2.AsyncClient) -> None:
    query = presigned_query()
    del query["q-header-list"]
    response = await client.get(URL_PATH, params=query)
    assert (response.status_code, code_of(response)) == (403, "AccessDenied")


def _mismatch_cases() -> Iterator[tuple[str, dict[str, object]]]:
    good = header_auth()
    flipped = good[:-1] + ("0" if good[-1] != "0" else "1")
    yield "tampered-signature", {"headers": {"Authorization": flipped}}
    yield (
        "wrong-secret",
        {
            "headers": {
                "Authorization": header_auth(cred=Credentials(CRED.secret_id, "not-the-secret"))
            }
        },
    )
    yield "other-method", {"headers": {"Authorization": header_auth(method="DELETE")}}
    yield "other-path", {"headers": {"Authorization": header_auth(path="/other.txt")}}
    signed_range = header_auth(headers={"range": "bytes=0-1"})
    yield (
        "signed-header-changed",
        {"headers": {"Authorization": signed_range, "Range": "bytes=0-5"}},
    )
    yield "signed-header-missing", {"headers": {"Authorization": signed_range}}
    signed_param = header_auth(params={"response-content-type": "text/plain"})
    yield (
        "signed-param-changed",
        {
            "headers": {"Authorization": signed_param},
            "params": {"response-content-type": "text/html"},
        },
    )


@pytest.mark.parametrize(("name", "request_args"), list(_mismatch_cases()))
async def test_wrong_signature_is_signature_does_not_match(
    client: httpx2.AsyncClient, name: str, request_args: dict[str, object]
) -> None:
    response = await client.get(URL_PATH, **request_args)  # type: ignore[arg-type]
    assert (response.status_code, code_of(response)) == (403, "SignatureDoesNotMatch")


async def test_presigned_param_changed_after_signing_is_rejected(
    client: httpx2.AsyncClient,
) -> None:
    query = presigned_query(params={"response-content-type": "text/plain"})
    query["response-content-type"] = "text/html"
    response = await client.get(URL_PATH, params=query)
    assert (response.status_code, code_of(response)) == (403, "SignatureDoesNotMatch")


async def test_wrong_host_is_signature_does_not_match(root: Path) -> None:
    settings = EmulatorSettings(root=root, credentials=(CRED,))
    transport = httpx2.ASGITransport(app=create_app(settings))
    async with httpx2.AsyncClient(transport=transport, base_url="http://other.example") as client:
        response = await client.get(URL_PATH, headers={"Authorization": header_auth()})
    assert code_of(response) == "SignatureDoesNotMatch"


async def test_signature_does_not_match_shows_the_servers_string_to_sign(
    client: httpx2.AsyncClient,
) -> None:
    start, end = window()
    params = {"response-content-type": "text/plain"}
    auth = header_auth(params=params, span=(start, end), cred=Credentials(CRED.secret_id, "bad"))
    response = await client.get(URL_PATH, params=params, headers={"Authorization": auth})
    document = ET.fromstring(response.content)
    expected = compute_signature(
        secret_key=CRED.secret_key,
        method="GET",
        path=PATH,
        params=params,
        headers={"host": HOST},
        key_time=f"{start};{end}",
    )
    assert document.findtext("Code") == "SignatureDoesNotMatch"
    assert document.findtext("StringToSign") == expected.string_to_sign
    assert document.findtext("FormatString") == expected.http_string


# --- STS tokens ---------------------------------------------------------------------------------


async def test_sts_token_in_a_header(client: httpx2.AsyncClient) -> None:
    token_header = {"x-cos-security-token": STS.token or ""}
    auth = header_auth(cred=STS, headers=token_header)
    response = await client.get(URL_PATH, headers={**token_header, "Authorization": auth})
    assert response.status_code == 200


async def test_sts_token_in_a_presigned_url(client: httpx2.AsyncClient) -> None:
    query = presigned_query(cred=STS, params={"x-cos-security-token": STS.token or ""})
    assert (await client.get(URL_PATH, params=query)).status_code == 200


async def test_sts_key_without_its_token_is_refused(client: httpx2.AsyncClient) -> None:
    for token in (None, "some-other-token"):
        headers = {} if token is None else {"x-cos-security-token": token}
        auth = header_auth(cred=STS, headers=headers)
        response = await client.get(URL_PATH, headers={**headers, "Authorization": auth})
        assert (response.status_code, code_of(response)) == (403, "InvalidAccessKeyId")
        assert "some-other-token" not in response.text


async def test_signature_error_does_not_echo_the_sts_token(client: httpx2.AsyncClient) -> None:
    token_header = {"x-cos-security-token": STS.token or ""}
    wrong = Credentials(STS.secret_id, "wrong-secret")
    auth = header_auth(cred=wrong, headers=token_header)
    response = await client.get(URL_PATH, headers={**token_header, "Authorization": auth})
    assert code_of(response) == "SignatureDoesNotMatch"
    assert "sts-session-token" not in response.text


# --- anonymous ----------------------------------------------------------------------------------


async def test_anonymous_emulator_ignores_signatures(root: Path) -> None:
    settings = EmulatorSettings(root=root, anonymous=True)
    transport = httpx2.ASGITransport(app=create_app(settings))
    async with httpx2.AsyncClient(transport=transport, base_url=f"http://{HOST}") as client:
        assert (await client.get(URL_PATH)).status_code == 200
        garbage = format_authorization(dict.fromkeys(presigned_query(), "x"))
        response = await client.get(URL_PATH, headers={"Authorization": garbage})
        assert response.status_code == 200


# --- over a real server -------------------------------------------------------------------------


@pytest.mark.cos_emulator(credentials=(CRED,))
def test_header_and_query_signatures_over_real_http(cos_emulator: CosEmulator) -> None:
    cos_emulator.put(KEY, b"guarded")
    url = cos_emulator.endpoint_url
    host = httpx2.URL(url).netloc.decode()
    start, end = window()
    fields = authorization_fields(
        secret_id=CRED.secret_id,
        secret_key=CRED.secret_key,
        method="GET",
        path=PATH,
        params={},
        headers={"host": host},
        start=start,
        end=end,
    )
    with httpx2.Client(base_url=url) as client:
        by_header = client.get(URL_PATH, headers={"Authorization": format_authorization(fields)})
        by_query = client.get(URL_PATH, params=fields)
        tampered = client.get(URL_PATH, params={**fields, "q-signature": "0" * 40})
    assert (by_header.status_code, by_header.content) == (200, b"guarded")
    assert (by_query.status_code, by_query.content) == (200, b"guarded")
    assert tampered.status_code == 403
    assert ET.fromstring(tampered.content).findtext("Code") == "SignatureDoesNotMatch"
