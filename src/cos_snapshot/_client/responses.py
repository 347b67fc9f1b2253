"""An answer turned into a result or a typed error: a :class:`Snapshot`, a
:class:`MediaInfo`, a :class:`CosServiceError` from the error document, or a client error for
a transport failure; and the cap on a body's size."""

from __future__ import annotations

import httpx2

from .._shared.errors import (
    CosClientError,
    CosConnectionError,
    CosResponseError,
    CosServiceError,
    CosTimeoutError,
)
from .image_header import ImageHeaderError, looks_complete
from .media_info import MediaInfo, parse_media_info
from .snapshot import Snapshot


def check_size(body: bytearray, limit: int | None, response: httpx2.Response) -> None:
    """Stop reading an answer longer than ``limit`` bytes (only a 200 is a document: an error
    body is bounded by the server)."""
    if limit is not None and len(body) > limit and response.status_code == 200:
        raise CosResponseError(
            "Response",
            f"the answer is longer than {limit} bytes "
            f"({response.headers.get('content-type', 'no content type')}); "
            "does the server support ci-process=videoinfo?",
            request_id=response.headers.get("x-cos-request-id"),
        )


def to_snapshot(response: httpx2.Response, body: bytes) -> Snapshot:
    headers = response.headers
    request_id = headers.get("x-cos-request-id")
    if response.status_code != 200:
        raise CosServiceError.from_response(response.status_code, body, headers)
    try:
        snapshot = Snapshot.from_bytes(body, request_id=request_id)
    except ImageHeaderError as exc:
        raise CosConnectionError(
            f"response is not a JPEG or PNG image ({exc}); request id {request_id}"
        ) from None
    declared = headers.get("content-type", "").split(";")[0].strip().lower()
    if declared and declared != snapshot.content_type:
        raise CosConnectionError(
            f"response says {declared} but holds {snapshot.content_type}; request id {request_id}"
        )
    if not looks_complete(body):
        raise CosConnectionError(f"image was cut short; request id {request_id}")
    return snapshot


def transport_error(exc: httpx2.HTTPError) -> CosClientError:
    if isinstance(exc, httpx2.TimeoutException):
        return CosTimeoutError(f"timed out: {type(exc).__name__}")
    if isinstance(exc, httpx2.LocalProtocolError):
        # Not retried, and without httpx2's text: it quotes the offending header value,
        # which may be a secret.
        return CosClientError(
            "the request is not valid HTTP: a header value has characters HTTP does not allow"
        )
    if isinstance(exc, httpx2.TransportError):
        return CosConnectionError(f"connection failed: {type(exc).__name__}: {exc}")
    return CosClientError(f"HTTP error: {type(exc).__name__}: {exc}")


def to_media_info(response: httpx2.Response, body: bytes) -> MediaInfo:
    headers = response.headers
    request_id = headers.get("x-cos-request-id")
    if response.status_code != 200:
        raise CosServiceError.from_response(response.status_code, body, headers)
    try:
        return parse_media_info(body, request_id=request_id)
    except CosResponseError as exc:
        declared = headers.get("content-type", "").split(";")[0].strip().lower()
        if declared and "xml" not in declared:
            raise CosResponseError(
                "Response",
                f"the answer is {declared}, not an XML document",
                request_id=request_id,
            ) from None
        raise exc.with_request_id(request_id) from None
