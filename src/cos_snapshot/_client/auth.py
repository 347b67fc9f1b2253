"""Signing httpx2 requests: the Authorization header (per attempt) and presigned URLs."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from urllib.parse import parse_qsl

import attrs
import httpx2

from .._shared.credentials import Credentials
from ..signing import authorization_fields, format_authorization

__all__ = ["CosAuth", "Signer", "signed_headers_of"]

SECURITY_TOKEN_HEADER = "x-cos-security-token"  # noqa: S105 - a header name
#: The STS token's header on the CI host (the job operations).
CI_SECURITY_TOKEN_HEADER = "x-ci-security-token"  # noqa: S105 - a header name
#: The headers that carry a credential: never sent to another origin.
CREDENTIAL_HEADERS = ("authorization", SECURITY_TOKEN_HEADER, CI_SECURITY_TOKEN_HEADER)

# Headers the official SDK signs when present (its allow-list), plus any x-cos-*/x-ci-*.
_SIGNED_HEADER_NAMES = frozenset(
    {
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-md5",
        "content-type",
        "expect",
        "expires",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-unmodified-since",
        "origin",
        "range",
        "transfer-encoding",
    }
)


def signed_headers_of(request: httpx2.Request) -> dict[str, str]:
    """The headers of ``request`` that a COS signature covers: host, content-*, conditional
    headers and every ``x-cos-*`` / ``x-ci-*`` header."""
    chosen: dict[str, str] = {}
    for name, value in request.headers.multi_items():
        lowered = name.lower()
        if lowered in _SIGNED_HEADER_NAMES or lowered.startswith(("x-cos-", "x-ci-")):
            chosen[lowered] = value
    return chosen


@attrs.define(repr=False)
class Signer:
    """Signs requests with one set of credentials.

    ``clock`` returns unix seconds; ``clock_offset`` is added to it (the client corrects it
    after a ``RequestTimeTooSkewed`` answer). ``backdate`` moves the window's start into the
    past so a server whose clock is slightly behind still accepts the signature.
    """

    credentials: Credentials
    clock: Callable[[], float] = time.time
    clock_offset: float = 0.0
    backdate: int = 60

    def window(self, expires: int) -> tuple[int, int]:
        """The key time ``(start, end)`` in unix seconds of a signature made now that stays
        valid for ``expires`` seconds (``start`` moved back by ``backdate``)."""
        now = int(self.clock() + self.clock_offset)
        return now - self.backdate, now + expires

    def fields_for(
        self, request: httpx2.Request, *, expires: int, credentials: Credentials | None = None
    ) -> dict[str, str]:
        """The ``q-*`` signature fields for ``request``, signing its path, every query
        parameter it carries and its signable headers (with ``credentials``, or the signer's
        own)."""
        creds = self.credentials if credentials is None else credentials
        start, end = self.window(expires)
        return authorization_fields(
            secret_id=creds.secret_id,
            secret_key=creds.secret_key,
            method=request.method,
            path=request.url.path,
            # as httpx2.QueryParams decodes it (the last of a repeated name, "" for no value)
            params=dict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)),
            headers=signed_headers_of(request),
            start=start,
            end=end,
        )

    def sign_headers(
        self,
        request: httpx2.Request,
        *,
        expires: int,
        credentials: Credentials | None = None,
        token_header: str = SECURITY_TOKEN_HEADER,
    ) -> None:
        """Put the signature in the Authorization header (and the STS token beside it, in
        ``token_header``: ``x-ci-security-token`` on the CI host), made with ``credentials`` or
        the signer's own."""
        creds = self.credentials if credentials is None else credentials
        if creds.token:
            request.headers[token_header] = creds.token
        request.headers["Authorization"] = format_authorization(
            self.fields_for(request, expires=expires, credentials=creds)
        )

    def presign(
        self, request: httpx2.Request, *, expires: int, credentials: Credentials | None = None
    ) -> httpx2.URL:
        """Return ``request``'s URL with the signature (and STS token) in its query string,
        made with ``credentials`` or the signer's own."""
        creds = self.credentials if credentials is None else credentials
        url = request.url
        if creds.token:
            url = url.copy_add_param(SECURITY_TOKEN_HEADER, creds.token)
        unsigned = httpx2.Request(request.method, url, headers={"host": request.headers["host"]})
        fields = self.fields_for(unsigned, expires=expires, credentials=creds)
        for name, value in fields.items():
            url = url.copy_add_param(name, value)
        return url

    def __repr__(self) -> str:
        return f"Signer(credentials={self.credentials!r}, clock_offset={self.clock_offset})"


class CosAuth(httpx2.Auth):
    """``httpx2.Auth`` that signs every request as it is sent, so a retry is signed afresh."""

    def __init__(self, signer: Signer, *, expires: int = 600) -> None:
        self.signer = signer
        self.expires = expires

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        """Sign ``request`` (the Authorization header, valid for ``expires`` seconds)."""
        self.signer.sign_headers(request, expires=self.expires)
        yield request

    def __repr__(self) -> str:
        return f"CosAuth({self.signer!r})"
