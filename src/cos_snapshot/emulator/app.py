"""The emulator as an ASGI app: request → verified signature → parameters → object, frame or
media info (``ci-process=videoinfo``, see :mod:`cos_snapshot.emulator.mediainfo`).

Every path is an object key (but ``jobs`` and ``jobs/…``, the snapshot jobs' paths, see
:mod:`cos_snapshot.emulator.jobs.routes`), so there is a single route that dispatches on the
method. Errors
of every kind become COS XML documents in one handler, and every response carries
``x-cos-request-id``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import logging
import mimetypes
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from email.utils import formatdate
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote_to_bytes

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders, URLPath
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, request_response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._shared.http_dates import http_date
from .._shared.pace import Pace
from .errors import EmulatorError, access_denied, invalid_argument, no_such_key, render_error
from .faults import INJECTED_ERROR
from .frames import FrameError, Image, SnapshotEngine, SnapshotParams
from .jobs import MAX_JOB_PATH_BYTES, JobRoutes, SnapshotJobRunner, is_job_key
from .listing import list_request, render_page
from .mediainfo import MediaInfo, render_media_info
from .params import parse_query, snapshot_params
from .responses import ObjectResponse, byte_range
from .settings import EmulatorSettings
from .storage import Storage, decode_key
from .verify import RequestToVerify, verify_request

__all__ = ["MAX_HEADER_BYTES", "MAX_OBJECT_BYTES", "create_app"]

logger = logging.getLogger("cos_snapshot.emulator")

_T = TypeVar("_T")

#: The largest object a single PUT may carry (COS's limit for a simple upload).
MAX_OBJECT_BYTES = 5 * 1024**3
#: The most request header bytes (names and values) the emulator reads, as S3's 8 KiB. Larger
#: header blocks, up to uvicorn's own limit, get 400 ``RequestHeaderSectionTooLarge``.
MAX_HEADER_BYTES = 8192

_REQUEST_ID = "cos_snapshot.request_id"
_TRACE_ID = "cos_snapshot.trace_id"
_BUCKET_HOST = re.compile(
    r"(?P<bucket>[^.]+)\.(?:cos|ci)\.(?P<region>[a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)",
    re.ASCII,
)
_WRITE_BUFFER = 1 << 20
# GetObject's response-* parameters: each sets a header of the response.
_RESPONSE_OVERRIDES = {
    "response-cache-control": "cache-control",
    "response-content-disposition": "content-disposition",
    "response-content-encoding": "content-encoding",
    "response-content-language": "content-language",
    "response-expires": "expires",
}


def _new_id(random_bytes: int) -> str:
    # An id names a request in logs; it guards nothing, so it needs no system randomness,
    # whose call lets go of the GIL and can then wait for a worker thread to hand it back.
    # (The random module is seeded afresh in a forked child.)
    raw = f"{int(time.time()):x}_{random.getrandbits(8 * random_bytes):0{2 * random_bytes}x}"
    return base64.b64encode(raw.encode()).decode().rstrip("=")


def _ids(scope: Scope) -> tuple[str, str]:
    """The request's id and trace id, made on first use and kept in the scope."""
    if _REQUEST_ID not in scope:
        scope[_REQUEST_ID] = _new_id(8)
        scope[_TRACE_ID] = _new_id(24)
    return scope[_REQUEST_ID], scope[_TRACE_ID]


def _raw_path(scope: Scope) -> bytes:
    raw: bytes | None = scope.get("raw_path")
    if raw is None:
        raw = scope["path"].encode()
    # Some ASGI clients (httpx2's ASGITransport) put the query string in raw_path too.
    return raw.split(b"?", 1)[0]


def _wire_name(name: bytes) -> bytes:
    """A header name as COS writes it: ``ETag``, ``Content-Length``, but ``x-cos-request-id``.

    HTTP does not care, but the official SDK returns response headers as a plain dict, so
    ``response["ETag"]`` only works if the name arrives spelt that way.
    """
    if name.startswith((b"x-cos-", b"x-ci-")):
        return name
    if name == b"etag":
        return b"ETag"
    return b"-".join(part.capitalize() for part in name.split(b"-"))


def _request_timeout() -> EmulatorError:
    return EmulatorError(
        400,
        "RequestTimeout",
        "Your socket connection to the server was not read from or written to within the "
        "timeout period.",
        # The rest of the body may still be on its way: the connection cannot carry another
        # request, so the answer closes it.
        headers={"Connection": "close"},
    )


class _CosHeaders:
    """Stamps ``x-cos-request-id`` (and a ``Server`` header) on every response, spells header
    names as COS does, and bounds the wait for each part of a request body: a client that
    stops sending mid-body is answered 400 ``RequestTimeout`` after ``body_timeout_s``."""

    def __init__(self, app: ASGIApp, body_timeout_s: float) -> None:
        self.app = app
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id, _ = _ids(scope)
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:  # only a disconnect is left to wait for, as long as it takes
                return await receive()
            message: Message | None = None
            with anyio.move_on_after(self.body_timeout_s):
                message = await receive()
            if message is None:
                raise _request_timeout()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("x-cos-request-id", request_id)
                headers.setdefault("server", "tencent-cos")
                message["headers"] = [(_wire_name(k), v) for k, v in headers.raw]
            await send(message)

        await self.app(scope, timed_receive, send_with_id)


def _as_emulator_error(exc: Exception) -> EmulatorError:
    if isinstance(exc, EmulatorError):
        return exc
    if isinstance(exc, FrameError):
        return EmulatorError(exc.status, exc.code, str(exc))
    if isinstance(exc, ClientDisconnect):
        return EmulatorError(400, "IncompleteBody", "The client stopped sending the body.")
    if isinstance(exc, HTTPException):
        return EmulatorError(exc.status_code, "InvalidRequest", str(exc.detail))
    if isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
        return no_such_key()  # the object went away after its key was looked up
    if isinstance(exc, PermissionError):
        return access_denied("The emulator may not read this object's file.")
    # The last resort: a bug. Logged with its traceback here, never sent to the client.
    logger.error("unexpected error while handling a request", exc_info=exc)
    return EmulatorError(500, "InternalError", "We encountered an internal error.")


async def _error_response(request: Request, exc: Exception) -> Response:
    """The one place an exception becomes a response: a COS XML error document."""
    error = _as_emulator_error(exc)
    request_id, trace_id = _ids(request.scope)
    key = unquote_to_bytes(_raw_path(request.scope)).decode("utf-8", errors="replace")
    resource = f"{request.headers.get('host', '')}{key}"
    headers = {
        **error.headers,
        "x-cos-request-id": request_id,
        "x-cos-trace-id": trace_id,
        "server": "tencent-cos",
    }
    if key == "/jobs" or key.startswith("/jobs/"):
        headers["x-ci-request-id"] = request_id
    if request.method == "HEAD":
        return Response(status_code=error.status, headers=headers)
    body = render_error(error, resource=resource, request_id=request_id, trace_id=trace_id)
    return Response(body, status_code=error.status, headers=headers, media_type="application/xml")


class _EveryPath(BaseRoute):
    """Matches every HTTP request: in COS every path is an object key, and a key may hold
    characters (a newline, say) that a path pattern would refuse."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.app = request_response(endpoint)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return (Match.FULL, {}) if scope["type"] == "http" else (Match.NONE, {})

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class _Snapshots:
    """Runs decode work in worker threads, admitting it through a bounded queue.

    A request first asks the engine, on the event loop, for an answer it already knows (an
    image in the result cache, or a file's known error): a path lookup, a ``stat`` and a
    dictionary, so it is answered without a thread hop, never waits for a decode slot and is
    never told to slow down. (A hop to a thread per cached answer cost a quarter of its
    latency, and let answers that arrived together leave together, one queue for each burst.)
    Only requests that need a decode pass (or a first GetMediaInfo probe, which builds the
    file's packet index) are admitted against ``workers + queue_limit``; one more is answered
    503 ``SlowDown`` with ``Retry-After``. An admitted request waits inside
    the engine rather than in front of it: there it has said which frame it wants, so one
    decode pass over a GOP serves every request waiting for that GOP. The engine made here
    runs at most ``workers`` decode passes at once (a given engine sets its own bound with
    ``max_decodes``).
    """

    def __init__(self, settings: EmulatorSettings, engine: SnapshotEngine | None) -> None:
        self._settings = settings
        self._engine = engine
        self._owns_engine = engine is None
        self._capacity = settings.workers + settings.queue_limit
        # Decode work has threads of its own, so object requests (in anyio's default pool)
        # never wait behind it.
        self._limiter = anyio.CapacityLimiter(self._capacity)
        self._admitted = 0

    def engine(self) -> SnapshotEngine:
        """The frame engine (made on first use); snapshot jobs use it from their threads."""
        return self._get_engine()

    def _get_engine(self) -> SnapshotEngine:
        if self._engine is None:
            self._engine = SnapshotEngine(
                exactframe=self._settings.exactframe,
                past_end=self._settings.past_end,
                one_side_zero=self._settings.one_side_zero,
                both_sides=self._settings.both_sides,
                max_decodes=self._settings.workers,
            )
        return self._engine

    async def take(self, resolve: Callable[[], Path], params: SnapshotParams) -> Image:
        """The snapshot of the file ``resolve`` finds."""
        engine = self._get_engine()
        # An engine given to create_app may offer only snapshot() (a test's or the contract
        # suite's broken ones do): then every request is admitted as decode work. Its
        # known_snapshot() runs on the event loop, so it must not block.
        lookup: Callable[[Path, SnapshotParams], Image | None] | None = getattr(
            engine, "known_snapshot", None
        )

        path = resolve()
        image = None if lookup is None else lookup(path, params)
        if image is not None:
            return image
        return await self._admitted_run(lambda: engine.snapshot(path, params))

    async def _admitted_run(self, work: Callable[[], _T]) -> _T:
        """``work()`` in a decode thread, if there is room for it: a running or waiting place
        of ``workers + queue_limit``; else 503 ``SlowDown``."""
        if self._admitted >= self._capacity:
            raise EmulatorError(
                503,
                "SlowDown",
                "Too many requests are waiting to decode or index a video; retry later.",
                headers={"Retry-After": "1"},
            )
        self._admitted += 1
        try:
            return await anyio.to_thread.run_sync(work, limiter=self._limiter)
        finally:
            self._admitted -= 1

    async def media_info(self, resolve: Callable[[], Path]) -> bytes:
        """The GetMediaInfo document of the file ``resolve`` finds. A known answer is looked
        up on the event loop; a probe reads the file's packet index, which for a long video is
        a pass over the whole file and hundreds of megabytes, so it is admitted as decode work
        is (and the engine builds at most ``workers`` indexes at once)."""
        engine = self._get_engine()
        probe: Callable[[Path], MediaInfo] | None = getattr(engine, "media_info", None)
        if probe is None:
            raise EmulatorError(
                501, "NotImplemented", "This emulator's frame engine does not answer GetMediaInfo."
            )
        lookup: Callable[[Path], MediaInfo | None] | None = getattr(
            engine, "known_media_info", None
        )
        path = resolve()
        info = None if lookup is None else lookup(path)
        if info is None:
            info = await self._admitted_run(lambda: probe(path))
        return render_media_info(
            info,
            media_size=self._settings.media_size,
            rotation_sign=self._settings.rotation_sign,
            stream_bitrate=self._settings.stream_bitrate,
        )

    async def close(self) -> None:
        if self._owns_engine and self._engine is not None:
            await anyio.to_thread.run_sync(self._engine.close)
            self._engine = None


def _check_header_size(scope: Scope) -> None:
    size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
    if size > MAX_HEADER_BYTES:
        raise EmulatorError(
            400,
            "RequestHeaderSectionTooLarge",
            "Your request header section exceeds the maximum allowed size.",
            details={"MaxSizeAllowed": str(MAX_HEADER_BYTES)},
        )


def _decoded_headers(scope: Scope) -> dict[str, str]:
    """Request headers with lower-case names; repeated ones joined by commas. Values are read
    as UTF-8 when they are (a signer signs the text it sent), else as Latin-1."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        try:
            value = raw_value.decode("utf-8")
        except UnicodeDecodeError:
            value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*", re.ASCII)


def _header_param(query: Mapping[str, str], name: str) -> str | None:
    """A query parameter that becomes a response header: printable ASCII only, so it can
    neither break the header block nor fail to encode."""
    value = query.get(name)
    if value is not None and not _HEADER_VALUE.fullmatch(value):
        raise invalid_argument(f"Parameter {name} must be printable ASCII.")
    return value


def _content_md5(headers: Mapping[str, str]) -> bytes | None:
    value = headers.get("content-md5")
    if value is None:
        return None
    try:
        digest = base64.b64decode(value, validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 16:
        raise EmulatorError(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
    return digest


#: The headers of a PUT kept with the object and answered by HEAD and GET, as COS keeps them.
_KEPT_HEADERS = (
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
)
_META_PREFIX = "x-cos-meta-"
_META_SUFFIX = re.compile(r"[A-Za-z0-9-]+", re.ASCII)
#: User metadata of one object, names and values together, in bytes (COS's limit).
MAX_METADATA_BYTES = 2048


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers of a PUT to keep: :data:`_KEPT_HEADERS` and ``x-cos-meta-*`` (whose
    suffixes are letters, digits and ``-``, 2 KB in all, else 400 ``InvalidArgument``)."""
    kept = {name: headers[name] for name in _KEPT_HEADERS if name in headers}
    meta = {name: value for name, value in headers.items() if name.startswith(_META_PREFIX)}
    for name in meta:
        if not _META_SUFFIX.fullmatch(name.removeprefix(_META_PREFIX)):
            raise invalid_argument(
                f"Header {name[:60]!r}: a metadata name is x-cos-meta- followed by letters, "
                "digits and '-'."
            )
    size = sum(len(name.encode()) + len(value.encode()) for name, value in meta.items())
    if size > MAX_METADATA_BYTES:
        raise EmulatorError(
            400,
            "MetadataTooLarge",
            f"The x-cos-meta-* headers hold {size} bytes; at most {MAX_METADATA_BYTES} are kept.",
        )
    return kept | meta


def _wire_values(headers: Mapping[str, str]) -> dict[str, str]:
    """Kept headers as a response carries them: the bytes they arrived as (UTF-8 text is sent
    back as UTF-8, where Starlette would refuse anything beyond Latin-1)."""
    return {name: value.encode("utf-8").decode("latin-1") for name, value in headers.items()}


class _Emulator:
    """The request handling of one app: one method per operation."""

    def __init__(
        self,
        settings: EmulatorSettings,
        storage: Storage,
        snapshots: _Snapshots,
        jobs: JobRoutes,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.snapshots = snapshots
        self.jobs = jobs
        #: How long storing a whole body has taken lately: done on the event loop while
        #: quick, in a worker thread while slow (see ``cos_snapshot._shared.pace``).
        self.put_pace = Pace()

    def _addressed(self, host: str) -> tuple[str, str]:
        """The bucket (the ``bucket`` setting, else the Host's) and region (the Host's) a
        request was sent to; ``""`` for what is not known (an IP address as the Host)."""
        match = _BUCKET_HOST.fullmatch(host.rsplit(":", 1)[0].lower())
        bucket = self.settings.bucket or (match["bucket"] if match else "")
        return bucket, match["region"] if match else ""

    def _check_bucket(self, host: str) -> None:
        if self.settings.bucket is None:
            return
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        match = _BUCKET_HOST.fullmatch(name.lower())
        if match and match["bucket"] != self.settings.bucket.lower():
            raise EmulatorError(404, "NoSuchBucket", "The specified bucket does not exist.")

    async def dispatch(self, request: Request) -> Response:
        injected: EmulatorError | None = request.scope.get(INJECTED_ERROR)
        if injected is not None:
            raise injected
        _check_header_size(request.scope)
        headers = _decoded_headers(request.scope)
        self._check_bucket(headers.get("host", ""))
        raw_path = _raw_path(request.scope)
        key = decode_key(raw_path, max_bytes=MAX_JOB_PATH_BYTES)
        if not is_job_key(key):
            key = decode_key(raw_path)  # an object key: held to COS's limit
        query = parse_query(request.scope.get("query_string", b""))
        verify_request(
            RequestToVerify(method=request.method, path=f"/{key}", params=query, headers=headers),
            self.settings,
            now=self.settings.clock(),
        )
        method = request.method
        if method not in _READING_METHODS and not self.settings.writable:
            raise _read_only(self.settings)
        if is_job_key(key):  # by path, whatever the host: see .jobs.routes
            addressed = self._addressed(headers.get("host", ""))
            return await self.jobs.handle(
                key, request, query, _ids(request.scope)[0], addressed=addressed
            )
        if method == "GET" and "ci-process" in query:
            return await self.snapshot(key, query)
        if method in ("GET", "HEAD"):
            return await self.download(key, query, headers, head=method == "HEAD")
        if method == "PUT":
            return await self.upload(key, request, headers)
        if method == "DELETE":
            return await self.delete(key)
        raise EmulatorError(405, "MethodNotAllowed", f"The emulator does not support {method}.")

    async def snapshot(self, key: str, query: Mapping[str, str]) -> Response:
        if query["ci-process"] == "videoinfo":
            return await self.media_info(key)
        if query["ci-process"] != "snapshot":
            raise invalid_argument("Parameter ci-process must be snapshot or videoinfo.")
        params = snapshot_params(query)
        image = await self.snapshots.take(lambda: self.storage.resolve(key), params)
        return Response(image.data, media_type=image.content_type)

    async def media_info(self, key: str) -> Response:
        document = await self.snapshots.media_info(lambda: self.storage.resolve(key))
        return Response(document, media_type="application/xml")

    async def download(
        self, key: str, query: Mapping[str, str], headers: Mapping[str, str], *, head: bool
    ) -> Response:
        if not key:
            if head:  # HeadBucket: the bucket exists.
                return Response()
            return await self.list_objects(query, headers.get("host", ""))
        obj = await anyio.to_thread.run_sync(self.storage.open, key)
        try:
            response_headers = {
                "accept-ranges": "bytes",
                "etag": obj.etag,
                "last-modified": formatdate(obj.mtime, usegmt=True),
            }
            if _copy_is_current(headers, obj.etag, obj.mtime):
                obj.close()
                return Response(status_code=304, headers=response_headers)
            # What the object's PUT gave (Content-Type among them) is answered as it came;
            # without it, a type guessed from the key's suffix.
            response_headers.update(_wire_values(obj.headers))
            media_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
            override = _header_param(query, "response-content-type")
            if override:
                response_headers["content-type"] = override
            for param, header in _RESPONSE_OVERRIDES.items():
                value = _header_param(query, param)
                if value:
                    response_headers[header] = value
            span = None if head else byte_range(headers.get("range"), obj.size)
        except BaseException:
            obj.close()
            raise
        if head:
            obj.close()
            response_headers["content-length"] = str(obj.size)
            return Response(headers=response_headers, media_type=media_type)
        first, last = span if span is not None else (0, obj.size - 1)
        if span is not None:
            response_headers["content-range"] = f"bytes {first}-{last}/{obj.size}"
        return ObjectResponse(
            obj,
            first=first,
            last=last,
            status_code=200 if span is None else 206,
            headers=response_headers,
            media_type=media_type,
        )

    async def list_objects(self, query: Mapping[str, str], host: str) -> Response:
        """GetBucket: a page of the keys under the root (:mod:`.listing`)."""
        request = list_request(query)
        page = await anyio.to_thread.run_sync(self.storage.list_page, request)
        bucket, _ = self._addressed(host)
        appid = bucket.rsplit("-", 1)[-1] if "-" in bucket else ""
        owner = appid if appid.isdigit() else "0"
        return Response(render_page(page, bucket=bucket, owner=owner), media_type="application/xml")

    async def upload(self, key: str, request: Request, headers: Mapping[str, str]) -> Response:
        if not key:
            raise EmulatorError(405, "MethodNotAllowed", "The emulator does not create buckets.")
        if key.endswith("/"):
            raise invalid_argument("The emulator cannot store folder objects (keys ending in /).")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_OBJECT_BYTES:
            raise _too_large()
        expected_md5 = _content_md5(headers)
        kept = _kept_headers(headers)
        body = _Body(request)
        first = await body.block()
        if body.ended:
            # The whole body in one block (every poster, sheet and VTT): written, checked,
            # renamed into place and recorded in one call, on the event loop while such calls
            # are quick, else in one trip to a worker thread.
            put = functools.partial(self.storage.put, key, first, kept, content_md5=expected_md5)
            if self.put_pace.quick:
                etag = self.put_pace.timed(put)
            else:
                etag = await anyio.to_thread.run_sync(self.put_pace.timed, put)
            return Response(headers={"etag": etag})
        upload = await anyio.to_thread.run_sync(self.storage.begin_upload, key, kept)
        try:
            block = first
            while True:
                await anyio.to_thread.run_sync(upload.write, block)
                if body.ended:
                    break
                block = await body.block()
            upload.check_md5(expected_md5)
            etag = await anyio.to_thread.run_sync(upload.commit)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(upload.abort)
            raise
        return Response(headers={"etag": etag})

    async def delete(self, key: str) -> Response:
        if not key:
            raise EmulatorError(405, "MethodNotAllowed", "The emulator does not delete buckets.")
        if not key.endswith("/"):
            await anyio.to_thread.run_sync(self.storage.delete, key)
        return Response(status_code=204)


#: The methods that never change the files under the root; every other one is a write.
_READING_METHODS = frozenset({"GET", "HEAD"})


def _read_only(settings: EmulatorSettings) -> EmulatorError:
    """The refusal of a write by an emulator that serves reads only."""
    if settings.read_only:
        why = "it was started with --read-only (EmulatorSettings(read_only=True))"
    else:
        why = (
            "it serves anonymous requests, which may only read unless it is started with "
            "--allow-writes (EmulatorSettings(allow_writes=True))"
        )
    return access_denied(f"This emulator does not change its files: {why}.")


def _etag_matches(header: str, etag: str) -> bool:
    """Whether an If-Match/If-None-Match list names ``etag`` (``*`` names any)."""
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _copy_is_current(headers: Mapping[str, str], etag: str, mtime: float) -> bool:
    """GetObject's conditional headers, in RFC 9110 section 13.2.2 order: True when
    If-None-Match or If-Modified-Since says the client's copy is current (answer 304); raises
    412 ``PreconditionFailed`` when If-Match or If-Unmodified-Since fails."""
    modified = int(mtime)  # HTTP dates have whole seconds
    if_match = headers.get("if-match")
    if if_match is not None:
        failed = not _etag_matches(if_match, etag)
    else:
        since = http_date(headers.get("if-unmodified-since"))
        failed = since is not None and modified > since
    if failed:
        raise EmulatorError(
            412,
            "PreconditionFailed",
            "At least one of the preconditions you specified did not hold.",
        )
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return _etag_matches(if_none_match, etag)
    since = http_date(headers.get("if-modified-since"))
    return since is not None and modified <= since


def _too_large() -> EmulatorError:
    return EmulatorError(
        400, "EntityTooLarge", f"An object may be at most {MAX_OBJECT_BYTES} bytes."
    )


class _Body:
    """A request body read in blocks of :data:`_WRITE_BUFFER` bytes (the last one may be
    shorter, or empty), never more than :data:`MAX_OBJECT_BYTES` in all (400
    ``EntityTooLarge``)."""

    def __init__(self, request: Request) -> None:
        self._chunks = request.stream().__aiter__()
        self.size = 0
        #: Whether the last block has been read.
        self.ended = False

    async def block(self) -> bytes:
        chunks: list[bytes] = []
        held = 0
        while held < _WRITE_BUFFER:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                self.ended = True
                break
            self.size += len(chunk)
            if self.size > MAX_OBJECT_BYTES:
                raise _too_large()
            chunks.append(chunk)
            held += len(chunk)
        return b"".join(chunks)


def create_app(
    settings: EmulatorSettings,
    *,
    engine: SnapshotEngine | None = None,
    job_runner: type[SnapshotJobRunner] = SnapshotJobRunner,
) -> Starlette:
    """The emulator for ``settings`` as a Starlette app.

    ``engine`` extracts frames; by default one is made from ``settings`` on the first snapshot
    and closed when the app shuts down. A given engine is the caller's to close. ``job_runner``
    does snapshot jobs (a stand-in may change one of its steps).
    """
    storage = Storage(settings.root)
    storage.sweep_staging()  # the uploads of emulators that were killed mid-PUT
    snapshots = _Snapshots(settings, engine)
    jobs = JobRoutes(settings, storage, snapshots.engine, job_runner)
    emulator = _Emulator(settings, storage, snapshots, jobs)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await jobs.close()
            await snapshots.close()

    app = Starlette(
        routes=[_EveryPath(emulator.dispatch)],
        # One handler for everything; Starlette wants the expected errors listed apart from
        # Exception (the last resort, which it also re-raises so the server logs it).
        exception_handlers=dict.fromkeys(
            (EmulatorError, FrameError, ClientDisconnect, HTTPException, OSError, Exception),
            _error_response,
        ),
        lifespan=lifespan,
    )
    app.add_middleware(_CosHeaders, body_timeout_s=settings.request_body_timeout_s)
    return app
