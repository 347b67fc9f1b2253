"""An answer turned into a result or a typed error: a :class:`Snapshot`, a
:class:`MediaInfo`, a :class:`CosServiceError` from the error document, or a client error for
a transport failure; and the cap on a body's size."""

from __future__ import annotations

import attrs
import httpx2

from .._shared.errors import (
    CosClientError,
    CosConnectionError,
    CosResponseError,
    CosServiceError,
    CosTimeoutError,
    parse_error_document,
)
from .image_header import ImageHeaderError, looks_complete
from .media_info import MediaInfo, parse_media_info
from .options import MAX_ERROR_BYTES, MAX_MEDIA_INFO_BYTES
from .snapshot import Snapshot


@attrs.frozen
class BodyLimit:
    """The most bytes an operation's successful answer may hold, counted as decoded (after any
    ``Content-Encoding``), and what to say about a longer one. An error answer is held to
    :data:`MAX_ERROR_BYTES` whatever the operation."""

    size: int
    hint: str = ""

    def check(self, body: bytearray, response: httpx2.Response) -> None:
        """Stop reading an answer longer than its limit: a 200 raises
        :class:`CosResponseError` (not retried: the server would send it again); an error
        answer raises its :class:`CosServiceError` with what was read, retried as its status
        says."""
        status = response.status_code
        limit = self.size if status == 200 else MAX_ERROR_BYTES
        if len(body) <= limit:
            return
        headers = response.headers
        if status != 200:
            raise CosServiceError.from_response(
                status,
                bytes(body[:limit]),
                headers,
                message=f"the error answer is longer than {limit} bytes; the rest was not read",
            )
        hint = f"; {self.hint}" if self.hint else ""
        raise CosResponseError(
            "Response",
            f"the answer is longer than {limit} bytes, decoded "
            f"({headers.get('content-type', 'no content type')}){hint}",
            request_id=headers.get("x-cos-request-id"),
        )


#: GetMediaInfo's limit: its document is a few KiB.
MEDIA_INFO_LIMIT = BodyLimit(MAX_MEDIA_INFO_BYTES, "does the server support ci-process=videoinfo?")


def snapshot_limit(size: int) -> BodyLimit:
    """GetSnapshot's limit: ``size`` bytes (the client's ``max_snapshot_bytes``)."""
    return BodyLimit(size, "raise the client's max_snapshot_bytes if this image is genuine")


def error_in_success(response: httpx2.Response, body: bytes) -> CosServiceError | None:
    """The :class:`CosServiceError` of a 200 answer that holds a COS error document
    (``<Error><Code>…``) instead of a result, or ``None``. Its ``status`` is 200; whether it
    is retried follows its code."""
    if not body.lstrip().startswith(b"<"):
        return None
    fields = parse_error_document(body.decode("utf-8", "replace"))
    if not fields.get("Code"):
        return None
    return CosServiceError.from_response(response.status_code, body, response.headers)


def naming_endpoint(error: CosClientError, url: httpx2.URL) -> CosClientError:
    """``error`` with ``host:port`` of ``url`` in its message when it is a connection error
    (never the URL's path, query or credentials)."""
    if not isinstance(error, CosConnectionError):
        return error
    host = f"[{url.host}]" if ":" in url.host else url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    return type(error)(f"{error} (endpoint {host}:{port})")


def to_snapshot(response: httpx2.Response, body: bytes) -> Snapshot:
    headers = response.headers
    request_id = headers.get("x-cos-request-id")
    if response.status_code != 200:
        raise CosServiceError.from_response(response.status_code, body, headers)
    try:
        snapshot = Snapshot.from_bytes(body, request_id=request_id)
    except ImageHeaderError as exc:
        service_error = error_in_success(response, body)
        if service_error is not None:
            raise service_error from None
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
        service_error = error_in_success(response, body)
        if service_error is not None:
            raise service_error from None
        declared = headers.get("content-type", "").split(";")[0].strip().lower()
        if declared and "xml" not in declared:
            raise CosResponseError(
                "Response",
                f"the answer is {declared}, not an XML document",
                request_id=request_id,
            ) from None
        raise exc.with_request_id(request_id) from None
