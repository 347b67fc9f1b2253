"""Authentication: one image however the request is authorised, and the right 403 otherwise.

- A request signed in the Authorization header, the same request as a presigned URL, and (where
  the target allows it) an anonymous request give the same image.
- A wrong signature is ``SignatureDoesNotMatch`` (with the server's StringToSign and
  FormatString in the document), an expired one ``AccessDenied``, an unknown access key id
  ``InvalidAccessKeyId``, no signature at all ``AccessDenied``.
- After presigning, changing a parameter the signature covers is refused; adding or changing
  one it does not cover is not (the vendor's own presigned example leaves ci-process unsigned).
"""

from __future__ import annotations

import time as clock
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cos_snapshot import CosAuth, CosServiceError, Credentials, Signer, Snapshot

from ._config import examples
from ._helpers import frame_of, object_path, times_inside
from ._targets import Target
from ._videos import VIDEO_NAMES


def _refused(call: Any) -> CosServiceError:
    with pytest.raises(CosServiceError) as caught:
        call()
    error = caught.value
    assert error.status == 403, error
    assert error.request_id, "a 403 must carry a request id"
    return error


def _same_image(got: Snapshot, want: Snapshot, strict: bool, context: str) -> None:
    assert (got.content_type, got.size) == (want.content_type, want.size), context
    if strict:
        assert got.content == want.content, context
    else:
        assert frame_of(got) == frame_of(want), context


def _fetch(target: Target, url: str) -> httpx2.Response:
    """GET a URL (absolute, or a path on the target) with no headers of ours."""
    with target.http() as http:
        return http.get(url)


@settings(max_examples=examples(10))
@given(
    video_name=st.sampled_from(VIDEO_NAMES),
    time=times_inside(3),
    width=st.sampled_from([0, 64, 200]),
    image_format=st.sampled_from(["jpg", "png"]),
    mode=st.sampled_from(["exactframe", "keyframe"]),
)
def test_header_presigned_and_anonymous_requests_give_the_same_image(
    target: Target, video_name: str, time: Decimal, width: int, image_format: str, mode: str
) -> None:
    key = target.video(video_name).key
    params: dict[str, Any] = {"width": width, "format": image_format, "mode": mode}
    with target.client() as client:
        header_signed = client.get_snapshot(key, time, **params)
        url = client.presign_snapshot_url(key, time, expires=600, **params)
    response = _fetch(target, url)
    assert response.status_code == 200, response.text
    assert "authorization" not in response.request.headers
    presigned = Snapshot.from_bytes(response.content)
    _same_image(presigned, header_signed, target.strict, f"presigned {url}")
    if target.anonymous_allowed:
        with target.client(anonymous=True) as client:
            anonymous = client.get_snapshot(key, time, **params)
        _same_image(anonymous, header_signed, target.strict, "anonymous")


def test_wrong_secret_key_is_signature_does_not_match(target: Target) -> None:
    wrong = Credentials(
        target.credentials.secret_id, "not-the-secret-key", target.credentials.token
    )
    with target.client(credentials=wrong) as client:
        error = _refused(lambda: client.get_snapshot(target.video("plain").key, 1))
    assert error.code == "SignatureDoesNotMatch"
    # COS shows what it signed, which is what makes signature bugs debuggable.
    assert error.details.get("StringToSign", "").startswith("sha1\n")
    assert "FormatString" in error.details


def test_tampered_presigned_signature_is_signature_does_not_match(target: Target) -> None:
    with target.client() as client:
        url = client.presign_snapshot_url(target.video("plain").key, 1)
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    flip = {"0": "1"}
    tampered = [(k, v[:-1] + flip.get(v[-1], "0") if k == "q-signature" else v) for k, v in query]
    response = _fetch(target, urlunsplit(parts._replace(query=urlencode(tampered))))
    assert response.status_code == 403
    assert CosServiceError.from_response(403, response.content).code == "SignatureDoesNotMatch"


def test_expired_signature_is_access_denied(target: Target) -> None:
    # Signed by hand: the typed client would notice the server's clock and sign afresh.
    signer = Signer(target.credentials, clock=lambda: clock.time() - 3600)
    key = target.video("plain").key
    with target.http() as http:
        response = http.get(
            object_path(key),
            params={"ci-process": "snapshot", "time": "1"},
            auth=CosAuth(signer, expires=60),
        )
    error = CosServiceError.from_response(response.status_code, response.content)
    assert (error.status, error.code) == (403, "AccessDenied"), response.text
    assert "expired" in (error.message or "").lower()
    with target.client(clock=signer.clock) as client:
        url = client.presign_snapshot_url(key, 1, expires=60)
    response = _fetch(target, url)
    assert response.status_code == 403
    assert CosServiceError.from_response(403, response.content).code == "AccessDenied"


def test_unknown_access_key_id_is_invalid_access_key_id(target: Target) -> None:
    stranger = Credentials("AKIDnobodyKnowsThisKey000000000000", "some-secret-key")
    with target.client(credentials=stranger) as client:
        error = _refused(lambda: client.get_snapshot(target.video("plain").key, 1))
    assert error.code == "InvalidAccessKeyId"


def test_unsigned_request_is_access_denied(target: Target) -> None:
    if target.public_read:
        pytest.skip("the bucket allows anonymous reads (COS_CONTRACT_ANONYMOUS=1)")
    with target.http() as http:
        response = http.get(
            object_path(target.video("plain").key), params={"ci-process": "snapshot", "time": "1"}
        )
    assert response.status_code == 403, response.text
    assert CosServiceError.from_response(403, response.content).code == "AccessDenied"


# --------------------------------------------------------------------------------------------
# Presigned URLs and the parameters their signature covers

BASE = {
    "ci-process": "snapshot",
    "time": "0.5",
    "width": "0",
    "format": "jpg",
    "mode": "exactframe",
}
CHANGED = {"time": "1.52", "width": "64", "format": "png", "mode": "keyframe"}


def _presign_covering(
    target: Target, key: str, signed: set[str]
) -> tuple[str, list[tuple[str, str]]]:
    """A presigned URL for ``key`` with the ``BASE`` parameters, of which only ``signed`` are
    covered by the signature; returns the path and the query as a list."""
    path = object_path(key)
    covered = [(k, v) for k, v in BASE.items() if k in signed]
    if target.credentials.token:
        covered.append(("x-cos-security-token", target.credentials.token))
    request = httpx2.Request("GET", httpx2.URL(target.base_url + path, params=covered))
    fields = Signer(target.credentials).fields_for(request, expires=600)
    query = [*covered, *((k, v) for k, v in BASE.items() if k not in signed), *fields.items()]
    return path, query


@settings(max_examples=examples(12))
@given(
    signed=st.sets(st.sampled_from(sorted(BASE))),
    changed=st.sampled_from(sorted(CHANGED)),
)
@example(signed=set(), changed="time")
@example(signed=set(BASE), changed="width")
def test_a_parameter_changed_after_presigning_is_refused_if_it_was_signed(
    target: Target, signed: set[str], changed: str
) -> None:
    path, query = _presign_covering(target, target.video("plain").key, signed)
    original = _fetch(target, f"{path}?{urlencode(query)}")
    assert original.status_code == 200, f"signed {sorted(signed)}: {original.text}"
    altered = [(k, CHANGED[k] if k == changed else v) for k, v in query]
    response = _fetch(target, f"{path}?{urlencode(altered)}")
    if changed in signed:
        assert response.status_code == 403, f"{changed} was signed, then changed"
        error = CosServiceError.from_response(403, response.content)
        assert error.code == "SignatureDoesNotMatch"
    else:
        assert response.status_code == 200, f"{changed} was not signed: {response.text}"
