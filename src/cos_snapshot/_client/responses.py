"""An answer turned into a result or a typed error: a :class:`Snapshot`, a
:class:`MediaInfo`, a page of a listing, an object's bytes or description, a
:class:`CosServiceError` from the error document, or a client error for a transport failure;
and where a body goes as it arrives (in memory within a cap, or into a file)."""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, Protocol, TypeVar

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
from .jobs import MAX_JOBS_BYTES, JobsDocument, SnapshotJob, parse_jobs_document
from .media_info import MediaInfo, parse_media_info
from .objects import (
    MAX_LIST_BYTES,
    ObjectInfo,
    ObjectPage,
    PutResult,
    object_info_from,
    parse_object_page,
)
from .options import MAX_ERROR_BYTES, MAX_MEDIA_INFO_BYTES
from .snapshot import Snapshot

_T = TypeVar("_T")


class BodySink(Protocol):
    """Where one attempt's answer body goes as it arrives."""

    def feed(self, chunk: bytes, response: httpx2.Response) -> None:
        """Take the next ``chunk`` of ``response``'s body (raising to stop reading)."""

    def finish(self) -> bytes:
        """The body the answer's conversion reads (``b""`` when it went elsewhere)."""


class SinkSource(Protocol):
    """Makes a fresh :class:`BodySink` for each attempt."""

    def sink(self) -> BodySink: ...


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

    def sink(self) -> BodySink:
        """A sink that holds the body in memory within this limit."""
        return _Collected(self)


class _Collected:
    def __init__(self, limit: BodyLimit) -> None:
        self._limit = limit
        self._body = bytearray()

    def feed(self, chunk: bytes, response: httpx2.Response) -> None:
        self._body += chunk
        self._limit.check(self._body, response)

    def finish(self) -> bytes:
        return bytes(self._body)


@attrs.frozen
class IntoFile:
    """A :class:`SinkSource` that writes a successful answer's body into ``handle`` (emptied
    at each attempt), and holds an error answer in memory as :class:`BodyLimit` does."""

    handle: BinaryIO
    errors: BodyLimit

    def sink(self) -> BodySink:
        self.handle.seek(0)
        self.handle.truncate()
        return _IntoFile(self.handle, self.errors.sink())


class _IntoFile:
    def __init__(self, handle: BinaryIO, errors: BodySink) -> None:
        self._handle = handle
        self._errors = errors

    def feed(self, chunk: bytes, response: httpx2.Response) -> None:
        if response.status_code == 200:
            # A write to the page cache: microseconds for a chunk, even on the event loop.
            self._handle.write(chunk)
        else:
            self._errors.feed(chunk, response)

    def finish(self) -> bytes:
        return self._errors.finish()


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


def _parsed_document(
    response: httpx2.Response,
    body: bytes,
    parse: Callable[[str | None], _T],
    *,
    name_a_type_not_xml: bool = False,
) -> _T:
    """``parse(request_id)`` of an XML answer's body, for a 200; otherwise the service's
    error. A body that does not parse is an error document in a 200 when it is one (read only
    then: a good answer is parsed once), else ``parse``'s :class:`CosResponseError` with the
    request id (or, with ``name_a_type_not_xml``, one saying the answer's declared type is not
    XML when it is not)."""
    headers = response.headers
    request_id = request_id_of(headers)
    if response.status_code != 200:
        raise CosServiceError.from_response(response.status_code, body, headers)
    try:
        return parse(request_id)
    except CosResponseError as exc:
        service_error = error_in_success(response, body)
        if service_error is not None:
            raise service_error from None
        declared = headers.get("content-type", "").split(";")[0].strip().lower()
        if name_a_type_not_xml and declared and "xml" not in declared:
            raise CosResponseError(
                "Response",
                f"the answer is {declared}, not an XML document",
                request_id=request_id,
            ) from None
        raise exc.with_request_id(request_id) from None


def request_id_of(headers: httpx2.Headers) -> str | None:
    """An answer's request id: ``x-cos-request-id``, or the CI host's ``x-ci-request-id``."""
    return headers.get("x-cos-request-id") or headers.get("x-ci-request-id")


def to_media_info(response: httpx2.Response, body: bytes) -> MediaInfo:
    return _parsed_document(
        response,
        body,
        lambda request_id: parse_media_info(body, request_id=request_id),
        name_a_type_not_xml=True,
    )


#: GetBucket's limit (see :data:`MAX_LIST_BYTES`).
LIST_LIMIT = BodyLimit(MAX_LIST_BYTES, "does the server answer GET / with a listing?")
#: PutObject's and HeadObject's answers have no body worth reading.
EMPTY_LIMIT = BodyLimit(MAX_ERROR_BYTES)


def object_limit(size: int) -> BodyLimit:
    """GetObject's limit in memory: ``size`` bytes (the client's ``max_snapshot_bytes``)."""
    return BodyLimit(size, "use download_object for a large object, or raise max_snapshot_bytes")


def _raise_for_status(response: httpx2.Response, body: bytes) -> str | None:
    """The answer's request id, once it is a 200 that holds no error document."""
    if response.status_code != 200:
        raise CosServiceError.from_response(response.status_code, body, response.headers)
    service_error = error_in_success(response, body)
    if service_error is not None:
        raise service_error
    return request_id_of(response.headers)


def to_object_page(marker: str | None) -> Callable[[httpx2.Response, bytes], ObjectPage]:
    """The conversion of a GetBucket answer asked for after ``marker``."""

    def convert(response: httpx2.Response, body: bytes) -> ObjectPage:
        return _parsed_document(response, body, lambda _: parse_object_page(body, marker=marker))

    return convert


def to_put_result(response: httpx2.Response, body: bytes) -> PutResult:
    request_id = _raise_for_status(response, body)
    etag = response.headers.get("etag")
    if not etag:
        raise CosResponseError("ETag", "the upload's answer has no ETag", request_id=request_id)
    return PutResult(etag=etag, request_id=request_id)


def to_object_info(key: str) -> Callable[[httpx2.Response, bytes], ObjectInfo | None]:
    """The conversion of a HEAD of ``key``: ``None`` for a 404 (a HEAD answer has no body to
    say more)."""

    def convert(response: httpx2.Response, body: bytes) -> ObjectInfo | None:
        if response.status_code == 404:
            return None
        _raise_for_status(response, body)
        return object_info_from(key, response.headers)

    return convert


def to_object_bytes(response: httpx2.Response, body: bytes) -> bytes:
    _raise_for_status_only(response, body)
    return body


def _raise_for_status_only(response: httpx2.Response, body: bytes) -> None:
    # An object's bytes may themselves be an XML error document someone stored: a 200 is
    # its bytes, whatever they hold.
    if response.status_code != 200:
        raise CosServiceError.from_response(response.status_code, body, response.headers)


def to_downloaded(key: str, handle: BinaryIO) -> Callable[[httpx2.Response, bytes], ObjectInfo]:
    """The conversion of a GET of ``key`` whose body went into ``handle``: its size is what
    was written (an answer may come without Content-Length, or compressed)."""

    def convert(response: httpx2.Response, body: bytes) -> ObjectInfo:
        _raise_for_status_only(response, body)
        return object_info_from(key, response.headers, size=handle.tell())

    return convert


#: The job operations' limit (see :data:`MAX_JOBS_BYTES`).
JOBS_LIMIT = BodyLimit(MAX_JOBS_BYTES, "does the server answer the job operations (/jobs)?")


def to_jobs_document(response: httpx2.Response, body: bytes) -> JobsDocument:
    """The jobs, unknown ids and next token of a job operation's answer."""
    return _parsed_document(
        response, body, lambda request_id: parse_jobs_document(body, request_id=request_id)
    )


def to_submitted_job(response: httpx2.Response, body: bytes) -> SnapshotJob:
    """The job a CreateMediaJobs answer reports."""
    document = to_jobs_document(response, body)
    if not document.jobs:
        raise CosResponseError(
            "Response/JobsDetail",
            "the submission's answer names no job",
            request_id=request_id_of(response.headers),
        )
    return document.jobs[0]


def to_cancelled(response: httpx2.Response, body: bytes) -> None:
    """A CancelMediaJob answer: nothing to read once it is a 200 without an error document."""
    _raise_for_status(response, body)
