"""Signing the requests the suite makes by hand, with the project's signer."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote, urlsplit

import requests

from cos_snapshot import Credentials
from cos_snapshot.signing import build_authorization

__all__ = ["RequestsCosAuth"]


class RequestsCosAuth(requests.auth.AuthBase):
    """COS header signing for ``requests`` (the transport schemathesis uses).

    It signs the request as it is about to go on the wire: the path percent-decoded (schemathesis
    sends path parameters percent-encoded, the signature covers the decoded key), every query
    parameter as the server will parse it, and the Host header, which it sets.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        expires: int = 600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self.expires = expires
        self.clock = clock

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        host = url.netloc
        request.headers["Host"] = host
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        now = int(self.clock())
        path = unquote(url.path)
        # The job operations (CI) take the STS token under their own header's name.
        is_job = path == "/jobs" or path.startswith("/jobs/")
        token_header = "x-ci-security-token" if is_job else "x-cos-security-token"
        headers = {"host": host}
        if self.credentials.token:
            request.headers[token_header] = self.credentials.token
            headers[token_header] = self.credentials.token
        request.headers["Authorization"] = build_authorization(
            secret_id=self.credentials.secret_id,
            secret_key=self.credentials.secret_key,
            method=request.method or "GET",
            path=path,
            params=params,
            headers=headers,
            start=now - 60,
            end=now + self.expires,
        )
        return request

    def __repr__(self) -> str:
        return f"RequestsCosAuth({self.credentials!r})"
