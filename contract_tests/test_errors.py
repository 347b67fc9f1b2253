"""Errors are COS error documents with the right status and code, through the typed client."""

from __future__ import annotations

import pytest

from cos_snapshot import CosServiceError

from ._helpers import object_path, signed_auth
from ._targets import Target


def test_unknown_key_is_no_such_key(target: Target) -> None:
    key = target.video("plain").key.replace("plain", "no such video")
    with target.client() as client, pytest.raises(CosServiceError) as caught:
        client.get_snapshot(key, 1)
    error = caught.value
    assert (error.status, error.code) == (404, "NoSuchKey")
    assert error.message
    assert error.request_id


def test_an_object_that_is_not_a_video_is_a_client_error(target: Target) -> None:
    assert target.not_a_video_key is not None
    with target.client() as client, pytest.raises(CosServiceError) as caught:
        client.get_snapshot(target.not_a_video_key, 1)
    error = caught.value
    assert 400 <= error.status < 500, error
    assert error.code
    assert error.request_id


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("time", "-1"),
        ("time", "NaN"),
        ("time", "abc"),
        ("width", "4097"),
        ("height", "-1"),
        ("width", "1.5"),
        ("format", "JPG"),
        ("format", ""),
        ("rotate", "on"),
        ("mode", "fast"),
        ("ci-process", "snapshots"),
    ],
)
def test_invalid_parameter_is_invalid_argument_naming_it(
    target: Target, name: str, value: str
) -> None:
    params = {"ci-process": "snapshot", "time": "1", name: value}
    with target.http() as http:
        response = http.get(
            object_path(target.video("plain").key),
            params=params,
            auth=signed_auth(target.credentials),
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/xml")
    error = CosServiceError.from_response(400, response.content, response.headers)
    assert error.code == "InvalidArgument"
    if target.strict:
        assert name in (error.message or ""), error.message
