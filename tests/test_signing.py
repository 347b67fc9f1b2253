"""The COS signer: the vendor's worked examples and a differential test against the official SDK."""

from __future__ import annotations

import types
import urllib.parse

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qcloud_cos import CosConfig
from qcloud_cos import cos_auth as sdk_auth

from cos_snapshot import Credentials
from cos_snapshot._client.auth import Signer
from cos_snapshot.signing import (
    build_authorization,
    canonicalize,
    compute_signature,
    compute_signatures,
    cos_quote,
    parse_authorization,
    select_signed,
    signature_matches,
)

# Vendor doc "Request Signature", example 1 (PUT) and example 2 (GET with params): the keys,
# headers, intermediate values and signatures are the ones the document publishes.
DOC_SECRET_ID = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
DOC_SECRET_KEY = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"
DOC_HOST = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com"


def test_vendor_upload_example_intermediate_values_and_signature() -> None:
    headers = {
        "Date": "Thu, 16 May 2019 06:45:51 GMT",
        "Host": DOC_HOST,
        "Content-Type": "text/plain",
        "Content-Length": "13",
        "Content-MD5": "mQ/fVh815F3k6TAUm8m0eg==",
        "x-cos-acl": "private",
        "x-cos-grant-read": 'uin="100000000011"',
    }
    parts = compute_signature(
        secret_key=DOC_SECRET_KEY,
        method="PUT",
        path="/exampleobject(腾讯云)",
        params={},
        headers=headers,
        key_time="1557989151;1557996351",
    )
    assert parts.header_list == (
        "content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read"
    )
    assert parts.url_param_list == ""
    assert parts.string_to_sign == (
        "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n"
    )
    assert parts.signature == "3b8851a11a569213c17ba8fa7dcf2abec6935172"


def test_vendor_download_example_authorization() -> None:
    auth = build_authorization(
        secret_id=DOC_SECRET_ID,
        secret_key=DOC_SECRET_KEY,
        method="GET",
        path="/exampleobject(腾讯云)",
        params={
            "response-content-type": "application/octet-stream",
            "response-cache-control": "max-age=600",
        },
        headers={"Date": "Thu, 16 May 2019 06:55:53 GMT", "Host": DOC_HOST},
        start=1557989753,
        end=1557996953,
    )
    assert auth == (
        "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
        "&q-sign-time=1557989753;1557996953&q-key-time=1557989753;1557996953"
        "&q-header-list=date;host&q-url-param-list=response-cache-control;response-content-type"
        "&q-signature=01681b8c9d798a678e43b685a9f1bba0f6c0e012"
    )


def test_vendor_download_example_http_string_digest() -> None:
    parts = compute_signature(
        secret_key=DOC_SECRET_KEY,
        method="GET",
        path="/exampleobject(腾讯云)",
        params={
            "response-content-type": "application/octet-stream",
            "response-cache-control": "max-age=600",
        },
        headers={"Date": "Thu, 16 May 2019 06:55:53 GMT", "Host": DOC_HOST},
        key_time="1557989753;1557996953",
    )
    assert parts.string_to_sign.split("\n")[2] == "54ecfe22f59d3514fdc764b87a32d8133ea611e6"


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (" ", "%20"),
        ("+", "%2B"),
        ("/", "%2F"),
        ("~-_.", "~-_."),
        ("腾", "%E8%85%BE"),
        ("a=b&c", "a%3Db%26c"),
        ("!'()*", "%21%27%28%29%2A"),
    ],
)
def test_cos_quote_follows_the_vendor_table(raw: str, encoded: str) -> None:
    assert cos_quote(raw) == encoded


@given(st.text(alphabet=st.sampled_from("aZ09-_.~ %+/:\n\u00e9\u817e\U0001f600"), max_size=12))
def test_cos_quote_bare_fast_path_agrees_with_quote(raw: str) -> None:
    # The fast path for bare strings must give what the full encoding gives, for any mix.
    assert cos_quote(raw) == urllib.parse.quote(raw, safe="-_.~")


def test_cos_quote_leaves_non_ascii_letters_and_digits_encoded() -> None:
    # Letters and digits outside ASCII are not "bare" (a regex with \w or \d would keep them).
    assert cos_quote("é٣") == "%C3%A9%D9%A3"


def test_signatures_for_several_header_sets_are_each_one_signature() -> None:
    common = {
        "secret_key": DOC_SECRET_KEY,
        "method": "GET",
        "path": "/a b/视频.mp4",
        "params": {"ci-process": "snapshot", "time": "1.5"},
        "key_time": "1557989151;1557996351",
    }
    header_sets = [{"host": "127.0.0.1:9000"}, {"host": "127.0.0.1"}, {}]
    assert compute_signatures(**common, header_sets=header_sets) == [
        compute_signature(**common, headers=headers) for headers in header_sets
    ]
    assert (
        len({parts.signature for parts in compute_signatures(**common, header_sets=header_sets)})
        == 3
    )


def test_valueless_param_is_signed_as_empty() -> None:
    assert canonicalize({"acl": ""}) == ("acl", "acl=")


def test_keys_are_lowercased_after_encoding_and_sorted() -> None:
    assert canonicalize({"X-Cos-B": "2", "x-cos-a": "1"}) == (
        "x-cos-a;x-cos-b",
        "x-cos-a=1&x-cos-b=2",
    )


def test_end_before_start_is_rejected() -> None:
    with pytest.raises(ValueError, match="before its start"):
        build_authorization(
            secret_id="id",
            secret_key="k",
            method="GET",
            path="/",
            params={},
            headers={},
            start=10,
            end=5,
        )


def test_parse_authorization_round_trips_and_names_missing_fields() -> None:
    auth = build_authorization(
        secret_id="AKID",
        secret_key="key",
        method="GET",
        path="/a",
        params={"x": "1"},
        headers={"host": "h"},
        start=1,
        end=2,
    )
    fields = parse_authorization(auth)
    assert fields["q-ak"] == "AKID"
    assert fields["q-url-param-list"] == "x"
    with pytest.raises(ValueError, match="q-signature"):
        parse_authorization(auth.split("&q-signature")[0])


def test_signature_matches_is_exact() -> None:
    assert signature_matches("ab12", "AB12")
    assert not signature_matches("ab12", "ab13")
    assert not signature_matches("ab12", "ab1")


def test_select_signed_picks_listed_keys_case_insensitively() -> None:
    got = select_signed([("Host", "h"), ("X-Cos-A", "1"), ("date", "d")], "host;x-cos-a")
    assert got == {"Host": "h", "X-Cos-A": "1"}


# --- differential test against the official SDK's CosS3Auth ----------------------------------

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=20,
)
_VALUE = st.one_of(st.just(""), _TEXT, st.text(alphabet="/=&+% ?#;:,abcXYZ09", max_size=12))


def _dedupe(mapping: dict[str, str]) -> dict[str, str]:
    """Keep one entry per canonical key (the SDK keeps a dict of encoded, lowercased keys)."""
    seen: dict[str, tuple[str, str]] = {}
    for key, value in mapping.items():
        seen.setdefault(cos_quote(key).lower(), (key, value))
    return dict(seen.values())


class _FakeRequest:
    def __init__(self, method: str, url: str, headers: dict[str, str]) -> None:
        self.method = method
        self.url = url
        self.headers = dict(headers)


def _sdk_authorization(
    *,
    key: str,
    method: str,
    params: dict[str, str],
    headers: dict[str, str],
    now: int,
    expire: int,
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    conf = CosConfig(Region="ap-guangzhou", SecretId="AKIDexample", SecretKey="s3cr3t/key+=")
    monkeypatch.setattr(sdk_auth, "time", types.SimpleNamespace(time=lambda: now))
    auth = sdk_auth.CosS3Auth(conf, key=key, params=params, expire=expire)
    request = _FakeRequest(method, f"https://{DOC_HOST}/x", headers)
    return auth(request).headers["Authorization"]


@settings(max_examples=300, deadline=None)
@given(
    key=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
    ).filter(lambda k: not k.startswith("/")),
    method=st.sampled_from(["GET", "PUT", "HEAD", "DELETE", "POST"]),
    params=st.dictionaries(_TEXT.filter(bool), _VALUE, max_size=5).map(_dedupe),
    cos_headers=st.dictionaries(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10).map(
            lambda s: "x-cos-" + s
        ),
        _VALUE,
        max_size=4,
    ).map(_dedupe),
    now=st.integers(min_value=1, max_value=4_000_000_000),
    expire=st.integers(min_value=1, max_value=10**6),
)
def test_signer_agrees_with_official_sdk(
    key: str,
    method: str,
    params: dict[str, str],
    cos_headers: dict[str, str],
    now: int,
    expire: int,
) -> None:
    headers = {"Host": DOC_HOST, **cos_headers}
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = _sdk_authorization(
            key=key,
            method=method,
            params=params,
            headers=headers,
            now=now,
            expire=expire,
            monkeypatch=monkeypatch,
        )
    ours = build_authorization(
        secret_id="AKIDexample",
        secret_key="s3cr3t/key+=",
        method=method,
        path="/" + key,
        params=params,
        headers=headers,
        start=now - 60,
        end=now + expire,
    )
    assert ours == expected


# Keys without "." or ".." segments, which a URL collapses (the client quotes such keys itself).
@settings(max_examples=200, deadline=None)
@given(
    key=st.text(alphabet="abcXYZ019-_./", min_size=1, max_size=20).filter(
        lambda k: not k.startswith("/") and "//" not in k and not {".", ".."} & set(k.split("/"))
    ),
    params=st.dictionaries(_TEXT.filter(bool), _VALUE, max_size=5).map(_dedupe),
    now=st.integers(min_value=100, max_value=4_000_000_000),
)
def test_signed_request_agrees_with_official_sdk(
    key: str, params: dict[str, str], now: int
) -> None:
    """The client's path: the params travel in the request's URL, encoded, and the signer reads
    them back from it; the result is what the SDK signs for the same params."""
    request = httpx2.Request("GET", f"https://{DOC_HOST}/{key}", params=params)
    signer = Signer(Credentials("AKIDexample", "s3cr3t/key+="), clock=lambda: now, backdate=60)
    signer.sign_headers(request, expires=600)
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = _sdk_authorization(
            key=key,
            method="GET",
            params=params,
            headers={"Host": DOC_HOST},
            now=now,
            expire=600,
            monkeypatch=monkeypatch,
        )
    assert request.headers["Authorization"] == expected
