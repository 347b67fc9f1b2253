"""SnapshotClient and AsyncSnapshotClient.

Everything but the I/O lives in :class:`_BaseClient`: endpoint, credentials, argument checks,
the generated requests, signing, presigning, turning a response into a :class:`Snapshot`, a
:class:`MediaInfo` or an error, and the retry decisions. The two public classes only send and
sleep, in one retry loop each (``_call``) that every operation goes through.

A call builds its URL from the generated request function once (one parse) and each attempt
signs its own ``httpx2.Request`` before ``send``. ``httpx2.Client.request`` with an ``httpx2.Auth``
would parse the URL three times and encode the query twice per attempt: nearly twice the CPU
of this path, which matters when the answer comes from a cache.
"""

from __future__ import annotations

import re
import time as _time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlencode

import anyio
import httpx2
from cos_snapshot_api import Client as _GeneratedClient
from cos_snapshot_api.api.media_info import get_media_info as _get_media_info
from cos_snapshot_api.api.snapshot import get_snapshot as _get_snapshot

from ._auth import Signer
from ._credentials import Credentials, CredentialsCache, CredentialsSource
from ._errors import (
    CosClientError,
    CosConnectionError,
    CosError,
    CosInvalidArgumentError,
    CosResponseError,
    CosServiceError,
    CosTimeoutError,
)
from ._headers import server_clock_offset
from ._imageinfo import ImageHeaderError, looks_complete
from ._mediainfo import MediaInfo, parse_media_info
from ._params import Format, Mode, PlainTime, Rotate, SnapshotArgs, TimeLike, check_key
from ._retry import SKEW_THRESHOLD_S, RetryPolicy, RetryState
from ._snapshot import Snapshot
from ._version import __version__

__all__ = ["DEFAULT_TIMEOUT", "AsyncSnapshotClient", "SnapshotClient", "Transport"]

#: The HTTP transport of an :class:`AsyncSnapshotClient`: httpx2's own, aiohttp's (the extra
#: ``cos-snapshot[aiohttp]``), or ``"auto"``: aiohttp's when it is installed.
Transport = Literal["auto", "httpx2", "aiohttp"]

#: Connect quickly or fail; a snapshot of a long video may take a while to decode. The retry
#: policy's deadline caps each of these at the time left.
DEFAULT_TIMEOUT = httpx2.Timeout(30.0, connect=5.0)
DEFAULT_SIGN_EXPIRES = 600
USER_AGENT = f"cos-snapshot/{__version__}"
#: A GetMediaInfo document is a few KiB; a server that ignores ``ci-process`` and sends the
#: video itself is cut off here instead of being downloaded whole.
MAX_MEDIA_INFO_BYTES = 1 << 20

_T = TypeVar("_T")

_BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-[0-9]+$")
_REGION = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _httpx_class_of(cls: type) -> type | None:
    """The first class of the httpx package (not httpx2) among ``cls`` and its bases, or
    ``None``. Looks at module names only: httpx is not imported."""
    for base in cls.__mro__:
        module = base.__module__
        if module == "httpx" or module.startswith("httpx."):
            return base
    return None


def _httpx_objects_in(value: object, where: str) -> Iterator[tuple[str, type, type]]:
    """``(where, httpx class, own class)`` for each object in ``value`` that is, or is an
    instance of, a class of the httpx package or one derived from it, looking into dicts,
    lists, tuples and sets (``mounts``, ``event_hooks``)."""
    own = value if isinstance(value, type) else type(value)
    found = _httpx_class_of(own)
    if found is not None:
        yield where, found, own
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _httpx_objects_in(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _httpx_objects_in(item, f"{where}[{index}]")


def _refuse_httpx_objects(parameter: str, value: object) -> None:
    """Raise :class:`CosInvalidArgumentError` if ``value`` holds an object of the httpx package:
    the client runs on httpx2, whose classes share httpx's names but not its types, and an httpx
    object would fail later with an error that does not say why."""
    for where, cls, own in _httpx_objects_in(value, ""):
        what = cls.__name__
        subject = f"{where} is " if where else ""  # the message starts "<parameter>: "
        if own is cls:
            problem = f"{subject}an httpx.{what}, from the httpx package"
            instead = f"use httpx2.{what} instead"
        else:
            problem = (
                f"{subject}a {own.__module__}.{own.__qualname__}, built on httpx.{what} "
                "from the httpx package"
            )
            instead = f"use one built on httpx2.{what} instead"
        raise CosInvalidArgumentError(
            parameter, f"{problem}; cos-snapshot runs on httpx2: {instead} (`import httpx2`)"
        )


def _check_bucket(bucket: str) -> None:
    if not _BUCKET.match(bucket):
        raise CosInvalidArgumentError(
            "bucket",
            f"must look like <name>-<appid> (e.g. examplebucket-1250000000), got {bucket!r}",
        )


def _check_region(region: str) -> None:
    if not _REGION.match(region):
        raise CosInvalidArgumentError("region", f"must look like ap-guangzhou, got {region!r}")


def endpoint_for(bucket: str, region: str) -> str:
    """The COS endpoint of a bucket: ``https://<bucket>.cos.<region>.myqcloud.com``."""
    _check_bucket(bucket)
    _check_region(region)
    return f"https://{bucket}.cos.{region}.myqcloud.com"


def _check_expires(expires: object) -> None:
    if isinstance(expires, bool) or not isinstance(expires, int) or expires <= 0:
        raise CosInvalidArgumentError("expires", f"must be a positive integer, got {expires!r}")


def _check_size(body: bytearray, limit: int | None, response: httpx2.Response) -> None:
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


def _limits_for(max_connections: object, args: dict[str, Any]) -> httpx2.Limits | None:
    """The pool limits for ``max_connections`` (all of them kept alive), or ``None``."""
    if max_connections is None:
        return None
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise CosInvalidArgumentError(
            "max_connections", f"must be a positive integer, got {max_connections!r}"
        )
    if max_connections < 1:
        raise CosInvalidArgumentError(
            "max_connections", f"must be a positive integer, got {max_connections!r}"
        )
    if "limits" in args:
        raise CosInvalidArgumentError(
            "max_connections", "give max_connections or httpx_args['limits'], not both"
        )
    return httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)


def _check_transports(args: Mapping[str, Any], base: type, wanted: str) -> None:
    """Refuse a transport in ``httpx_args`` (``transport``, or a value of ``mounts``) of the
    other kind: a sync one for the async client or the reverse would fail at the first request
    with an ``AttributeError`` that does not say why."""
    given = [("['transport']", args.get("transport"))]
    mounts = args.get("mounts")
    if isinstance(mounts, Mapping):
        given += [(f"['mounts'][{k!r}]", v) for k, v in mounts.items()]
    for where, transport in given:
        if transport is not None and not isinstance(transport, base):
            kind = type(transport)
            raise CosInvalidArgumentError(
                "httpx_args",
                f"{where} is of class {kind.__module__}.{kind.__qualname__}, not an "
                f"httpx2.{base.__name__}: this client needs {wanted}",
            )


class _BaseClient:
    #: The httpx2 transport class every transport in ``httpx_args`` must be, and what to say.
    _transport_base: type = httpx2.BaseTransport
    _transport_wanted = "a sync transport such as httpx2.HTTPTransport"

    def __init__(
        self,
        bucket: str | None = None,
        region: str | None = None,
        *,
        credentials: CredentialsSource | None = None,
        endpoint_url: str | None = None,
        anonymous: bool = False,
        timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sign_expires: int = DEFAULT_SIGN_EXPIRES,
        clock: Callable[[], float] = _time.time,
        max_connections: int | None = None,
        httpx_args: dict[str, Any] | None = None,
    ) -> None:
        # Checked even beside endpoint_url, which then says where requests go: a malformed
        # bucket or region there is a mistake (a typo in COS_BUCKET, say) that would pass
        # unseen. Not giving them is fine (the emulator needs neither).
        if bucket:
            _check_bucket(bucket)
        if region:
            _check_region(region)
        if endpoint_url is not None:
            url = httpx2.URL(endpoint_url)
            if url.scheme not in {"http", "https"} or not url.host:
                raise CosInvalidArgumentError(
                    "endpoint_url", f"must be an http(s) URL with a host, got {endpoint_url!r}"
                )
            if url.userinfo or url.query or url.fragment:
                # Object keys and parameters are appended to it, and COS signs requests
                # itself: a user:password@ or a ?query would be sent wrongly (or leak).
                raise CosInvalidArgumentError(
                    "endpoint_url",
                    "must not carry user:password@, a ?query or a #fragment; "
                    f"give scheme://host[:port][/path], got {url.copy_with(userinfo=b'')}",
                )
            self.endpoint_url = str(url).rstrip("/")
        elif bucket and region:
            self.endpoint_url = endpoint_for(bucket, region)
        else:
            raise CosInvalidArgumentError(
                "endpoint_url", "give bucket and region, or endpoint_url (e.g. the emulator's)"
            )
        self.bucket = bucket
        self.region = region
        self.retry = retry or RetryPolicy()
        self.sign_expires = sign_expires
        self._clock = clock
        self._signed = not anonymous
        self._signer: Signer | None = None
        # A provider's credentials (None: fixed credentials, in the signer, or anonymous).
        self._provided: CredentialsCache | None = None
        if not anonymous:
            source = credentials if credentials is not None else Credentials.from_env()
            if isinstance(source, Credentials):
                self._signer = Signer(source, clock=clock)
            else:
                self._provided = CredentialsCache(source)
        _refuse_httpx_objects("timeout", timeout)
        _refuse_httpx_objects("httpx_args", httpx_args)
        _check_transports(httpx_args or {}, self._transport_base, self._transport_wanted)
        args: dict[str, Any] = dict(httpx_args or {})
        limits = _limits_for(max_connections, args)
        if limits is not None:
            args["limits"] = limits
        self.max_connections = max_connections
        if self._signed:
            # The client signs each attempt itself (see _attempt); an auth of the caller's
            # would replace or spoil that signature.
            args.pop("auth", None)
        # Query parameters every request carries (httpx_args["params"]): sent and presigned.
        self._params = httpx2.QueryParams(args.get("params"))
        self.timeout = timeout if isinstance(timeout, httpx2.Timeout) else httpx2.Timeout(timeout)
        # The generated client passes these to httpx2 itself: given in httpx_args as well,
        # they would be passed twice.
        headers = {"User-Agent": USER_AGENT, **dict(args.pop("headers", None) or {})}
        cookies = dict(args.pop("cookies", None) or {})
        verify = args.pop("verify", True)
        follow_redirects = bool(args.pop("follow_redirects", False))
        self._httpx_args = args
        #: What an httpx2 client of another class (the aiohttp one) is built from.
        self._httpx_client_args: dict[str, Any] = {
            "base_url": self.endpoint_url,
            "headers": headers,
            "cookies": cookies,
            "timeout": self.timeout,
            "verify": verify,
            "follow_redirects": follow_redirects,
            **args,
        }
        self._api = _GeneratedClient(
            base_url=self.endpoint_url,
            timeout=self.timeout,
            raise_on_unexpected_status=False,
            headers=headers,
            cookies=cookies,
            verify_ssl=verify,
            follow_redirects=follow_redirects,
            httpx_args=args,
        )

    @property
    def credentials(self) -> Credentials | None:
        """The credentials the client signs with: the ones given, or those a provider gave
        last (``None`` before the first request, and for an anonymous client)."""
        return None if self._signer is None else self._signer.credentials

    def _use(self, credentials: Credentials) -> tuple[Signer, Credentials]:
        """The signer (kept for its clock offset) and the credentials to sign with now."""
        if self._signer is None:
            self._signer = Signer(credentials, clock=self._clock)
        else:
            self._signer.credentials = credentials
        return self._signer, credentials

    def _signing(self) -> tuple[Signer, Credentials] | None:
        """What the next attempt is signed with (``None``: not signed), asking the provider
        here if its credentials are missing or near their expiry."""
        if self._provided is None:
            return None if self._signer is None else (self._signer, self._signer.credentials)
        now = self._clock()
        return self._use(self._provided.cached(now) or self._provided.get(now))

    # -- requests ------------------------------------------------------------------------

    @staticmethod
    def _request_kwargs(args: SnapshotArgs) -> dict[str, Any]:
        return {
            "object_key": args.key,
            "ci_process": "snapshot",
            "time": PlainTime(args.time),
            "width": args.width,
            "height": args.height,
            "format_": args.format,
            "rotate": args.rotate,
            "mode": args.mode,
        }

    def _target(self, args: SnapshotArgs) -> tuple[str, httpx2.URL]:
        """Method and URL of the generated GetSnapshot request for ``args``."""
        return self._target_of(_get_snapshot._get_kwargs(**self._request_kwargs(args)))

    def _media_info_target(self, key: str) -> tuple[str, httpx2.URL]:
        """Method and URL of the generated GetMediaInfo request for ``key``."""
        return self._target_of(_get_media_info._get_kwargs(key, ci_process="videoinfo"))

    def _target_of(self, kwargs: dict[str, Any]) -> tuple[str, httpx2.URL]:
        """Method and URL of a generated request's ``kwargs``, merged with the client's own
        query parameters as httpx2's ``build_request`` would, with the URL parsed once."""
        # The spec's path of GetMediaInfo ends in the fragment `#videoinfo`, which only tells
        # its operation apart from GetSnapshot's; a fragment is never sent.
        path = kwargs["url"].partition("#")[0]
        query = urlencode(self._params.merge(kwargs["params"]).multi_items())
        return kwargs["method"], httpx2.URL(f"{self.endpoint_url}{path}?{query}")

    def _unsent_request(self, args: SnapshotArgs) -> httpx2.Request:
        """The request the generated client would send for ``args``, built without a
        connection (presigning needs its URL and Host, not I/O)."""
        return httpx2.Request(*self._target(args))

    def _attempt(
        self,
        http: httpx2.Client | httpx2.AsyncClient,
        method: str,
        url: httpx2.URL,
        timeout: httpx2.Timeout,
        signing: tuple[Signer, Credentials] | None,
    ) -> httpx2.Request:
        """One attempt's request, with the client's headers and cookies (as ``build_request``
        merges them) and a fresh signature made with ``signing``."""
        request = httpx2.Request(
            method,
            url,
            headers=http.headers,
            cookies=http.cookies,
            extensions={"timeout": timeout.as_dict()},
        )
        if signing is not None:
            signer, credentials = signing
            signer.sign_headers(request, expires=self.sign_expires, credentials=credentials)
        return request

    def _attempt_timeout(self, state: RetryState) -> httpx2.Timeout:
        """The configured timeouts, each capped at the time the deadline leaves."""
        left = state.remaining()
        if left is None:
            return self.timeout
        if left <= 0:
            raise CosTimeoutError(f"the retry deadline of {self.retry.deadline}s has passed")

        def cap(value: float | None) -> float:
            return left if value is None else min(value, left)

        t = self.timeout
        return httpx2.Timeout(
            connect=cap(t.connect), read=cap(t.read), write=cap(t.write), pool=cap(t.pool)
        )

    def presign_snapshot_url(
        self,
        key: str,
        time: TimeLike,
        *,
        width: int = 0,
        height: int = 0,
        format: Format = "jpg",
        rotate: Rotate = "auto",
        mode: Mode = "exactframe",
        expires: int = 3600,
    ) -> str:
        """A URL for the snapshot that works without headers until ``expires`` seconds pass.

        The signature covers every query parameter, so changing one breaks the URL. An STS
        token, if the credentials have one, travels in the URL too (as COS requires), so treat
        a presigned URL as a secret until it expires. Needs no I/O, so it is a plain method on
        both clients.
        """
        args = SnapshotArgs.check(
            key, time, width=width, height=height, format=format, rotate=rotate, mode=mode
        )
        _check_expires(expires)
        return self._presign(self._unsent_request(args), expires)

    def presign_media_info_url(self, key: str, *, expires: int = 3600) -> str:
        """A URL for the GetMediaInfo answer of video ``key`` that works without headers
        until ``expires`` seconds pass; see :meth:`presign_snapshot_url`."""
        key = check_key(key)
        _check_expires(expires)
        return self._presign(httpx2.Request(*self._media_info_target(key)), expires)

    def _presign(self, request: httpx2.Request, expires: int) -> str:
        signing = self._signing()
        if signing is None:
            return str(request.url)
        signer, credentials = signing
        return str(signer.presign(request, expires=expires, credentials=credentials))

    # -- responses -----------------------------------------------------------------------

    def _check_deadline(self, state: RetryState) -> None:
        """Raise once the deadline has passed: read timeouts bound each wait for data, not a
        server that keeps sending a byte now and then."""
        if state.remaining() == 0.0:
            raise CosTimeoutError(
                f"the retry deadline of {self.retry.deadline}s passed while the answer arrived"
            )

    @staticmethod
    def _to_snapshot(response: httpx2.Response, body: bytes) -> Snapshot:
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

    @staticmethod
    def _transport_error(exc: httpx2.HTTPError) -> CosClientError:
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

    @staticmethod
    def _to_media_info(response: httpx2.Response, body: bytes) -> MediaInfo:
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

    def _after_error(self, state: RetryState, error: CosError) -> float:
        """Seconds to wait before the next attempt, or re-raise ``error``."""
        if (
            isinstance(error, CosServiceError)
            and self._signer is not None
            and state.may_correct_skew(error)
        ):
            offset = server_clock_offset(error.server_date, self._signer.clock())
            if offset is not None and abs(offset - self._signer.clock_offset) >= SKEW_THRESHOLD_S:
                self._signer.clock_offset = offset
                return 0.0
        return state.delay_after(error)

    #: The errors of the HTTP library under the transport that reach our code raw (none for
    #: httpx2's own transport, which raises only httpx2's), and how they become ours.
    _library_errors: tuple[type[BaseException], ...] = ()
    _library_error: Callable[[BaseException], CosClientError | None] | None = None

    def __repr__(self) -> str:
        if self._provided is not None:
            # Not the provider's repr: it may hold a secret.
            credentials = f"<provided by {self._provided.provider_name}>"
        else:
            credentials = repr(self.credentials)
        return (
            f"{type(self).__name__}(endpoint_url={self.endpoint_url!r}, credentials={credentials})"
        )


class SnapshotClient(_BaseClient):
    """Synchronous GetSnapshot client.

    Build it from ``bucket`` and ``region`` (credentials from the arguments or from
    ``TENCENTCLOUD_SECRET_ID``/``TENCENTCLOUD_SECRET_KEY``/``TENCENTCLOUD_SECURITY_TOKEN``), or
    point ``endpoint_url`` at any COS-compatible server such as the emulator. Use it as a
    context manager, or call :meth:`close`.

    It runs on httpx2: ``timeout`` is seconds or an ``httpx2.Timeout``, and ``httpx_args`` are
    passed to the ``httpx2.Client`` underneath (``transport``, ``limits``, ``proxy``,
    ``mounts``, ``event_hooks``, ...; an ``auth`` only when ``anonymous``, since the client
    signs each attempt itself). An object of the httpx package there raises
    :class:`CosInvalidArgumentError` naming the httpx2 class to use.
    """

    def get_snapshot(
        self,
        key: str,
        time: TimeLike,
        *,
        width: int = 0,
        height: int = 0,
        format: Format = "jpg",
        rotate: Rotate = "auto",
        mode: Mode = "exactframe",
    ) -> Snapshot:
        """Take the frame of video ``key`` at ``time`` seconds.

        ``width``/``height``: 0 keeps the video's size; one of them 0 follows the aspect ratio
        of the other; both set gives exactly that size. ``format`` is ``jpg`` or ``png``;
        ``rotate="auto"`` applies the video's rotation metadata; ``mode="keyframe"`` returns
        the latest keyframe at or before ``time`` (faster), ``"exactframe"`` the frame on
        screen at ``time``.

        Raises :class:`CosInvalidArgumentError` before sending when an argument is invalid,
        :class:`CosServiceError` when the server answers with an error, and
        :class:`CosConnectionError`/:class:`CosTimeoutError` when retries run out.
        """
        args = SnapshotArgs.check(
            key, time, width=width, height=height, format=format, rotate=rotate, mode=mode
        )
        return self._call(self._target(args), self._to_snapshot)

    def get_media_info(self, key: str) -> MediaInfo:
        """What the service knows about video ``key`` (GetMediaInfo): durations, size, frame
        rate, streams; see :class:`MediaInfo`.

        Signed, retried and failing as :meth:`get_snapshot` does; an answer that is not the
        documented document raises :class:`CosResponseError` naming the element.
        """
        target = self._media_info_target(check_key(key))
        return self._call(target, self._to_media_info, MAX_MEDIA_INFO_BYTES)

    def _call(
        self,
        target: tuple[str, httpx2.URL],
        convert: Callable[[httpx2.Response, bytes], _T],
        limit: int | None = None,
    ) -> _T:
        """Send ``target`` (signed afresh each attempt) until ``convert`` accepts an answer of
        at most ``limit`` bytes, or the retry policy gives up and the last error is raised."""
        http = self._api.get_httpx_client()
        method, url = target
        state = self.retry.begin()
        while True:
            timeout = self._attempt_timeout(state)
            request = self._attempt(http, method, url, timeout, self._signing())
            try:
                return convert(*self._exchange(http, request, state, limit))
            except CosError as error:
                delay = self._after_error(state, error)
            if delay:
                _time.sleep(delay)

    def _exchange(
        self,
        http: httpx2.Client,
        request: httpx2.Request,
        state: RetryState,
        limit: int | None = None,
    ) -> tuple[httpx2.Response, bytes]:
        """Send one attempt and read its whole body (at most ``limit`` bytes) within the
        deadline."""
        body = bytearray()
        try:
            response = http.send(request, stream=True)
            try:
                for chunk in response.iter_bytes():
                    body += chunk
                    self._check_deadline(state)
                    _check_size(body, limit, response)
            finally:
                response.close()
        except httpx2.HTTPError as exc:
            raise self._transport_error(exc) from exc
        return response, bytes(body)

    def close(self) -> None:
        self._api.get_httpx_client().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSnapshotClient(_BaseClient):
    """Asynchronous GetSnapshot client: the same arguments and results as
    :class:`SnapshotClient`, for asyncio or trio (``httpx_args`` go to an
    ``httpx2.AsyncClient``). Use ``async with`` or ``await aclose()``.

    ``transport`` chooses the HTTP transport under httpx2's API: ``"httpx2"`` (the default,
    httpx2's own), ``"aiohttp"`` (aiohttp's, from the extra ``cos-snapshot[aiohttp]``: about
    half the CPU per request, asyncio only) or ``"auto"`` (aiohttp's when it is installed and
    no ``httpx_args["transport"]`` is given). Both behave alike: timeouts, the retry deadline,
    retries, typed errors, proxies and TLS settings from the environment, ``httpx_args``.
    ``max_connections`` sizes the connection pool of either (give it the number of requests
    you keep in flight). A credentials provider given as ``credentials`` is called in a worker
    thread, so a slow one does not block the event loop.
    """

    _transport_base = httpx2.AsyncBaseTransport
    _transport_wanted = "an async transport such as httpx2.AsyncHTTPTransport"

    def __init__(
        self,
        bucket: str | None = None,
        region: str | None = None,
        *,
        credentials: CredentialsSource | None = None,
        endpoint_url: str | None = None,
        anonymous: bool = False,
        timeout: float | httpx2.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sign_expires: int = DEFAULT_SIGN_EXPIRES,
        clock: Callable[[], float] = _time.time,
        max_connections: int | None = None,
        transport: Transport = "httpx2",
        httpx_args: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            bucket,
            region,
            credentials=credentials,
            endpoint_url=endpoint_url,
            anonymous=anonymous,
            timeout=timeout,
            retry=retry,
            sign_expires=sign_expires,
            clock=clock,
            max_connections=max_connections,
            httpx_args=httpx_args,
        )
        #: The transport in use: ``"httpx2"`` or ``"aiohttp"`` (``"auto"`` resolved).
        self.transport: Literal["httpx2", "aiohttp"] = self._choose_transport(transport)
        if self.transport == "aiohttp":
            from . import _aiohttp  # noqa: PLC0415 - only with the extra

            self._library_errors = _aiohttp.LIBRARY_ERRORS
            self._library_error = _aiohttp.library_error
            self._api.set_async_httpx_client(_aiohttp.make_client(**self._httpx_client_args))

    def _choose_transport(self, transport: object) -> Literal["httpx2", "aiohttp"]:
        if transport not in {"auto", "httpx2", "aiohttp"}:
            raise CosInvalidArgumentError(
                "transport", f"must be 'auto', 'httpx2' or 'aiohttp', got {transport!r}"
            )
        if transport == "httpx2":
            return "httpx2"
        if "transport" in self._httpx_args:
            if transport == "aiohttp":
                raise CosInvalidArgumentError(
                    "transport", "give transport='aiohttp' or httpx_args['transport'], not both"
                )
            return "httpx2"  # auto: the caller's own transport, under httpx2.AsyncClient
        try:
            from . import _aiohttp  # noqa: F401, PLC0415 - is the extra installed?
        except ImportError:
            if transport == "aiohttp":
                raise CosInvalidArgumentError(
                    "transport",
                    "'aiohttp' needs aiohttp and httpx-aiohttp: "
                    "pip install 'cos-snapshot[aiohttp]'",
                ) from None
            return "httpx2"
        return "aiohttp"

    async def _async_signing(self) -> tuple[Signer, Credentials] | None:
        """:meth:`_signing`, with the provider (a sync call) asked in a worker thread."""
        if self._provided is None:
            return self._signing()
        now = self._clock()
        cached = self._provided.cached(now)
        if cached is None:
            cached = await anyio.to_thread.run_sync(self._provided.get, now)
        return self._use(cached)

    async def get_snapshot(
        self,
        key: str,
        time: TimeLike,
        *,
        width: int = 0,
        height: int = 0,
        format: Format = "jpg",
        rotate: Rotate = "auto",
        mode: Mode = "exactframe",
    ) -> Snapshot:
        """Take the frame of video ``key`` at ``time`` seconds; see
        :meth:`SnapshotClient.get_snapshot`."""
        args = SnapshotArgs.check(
            key, time, width=width, height=height, format=format, rotate=rotate, mode=mode
        )
        return await self._call(self._target(args), self._to_snapshot)

    async def get_media_info(self, key: str) -> MediaInfo:
        """What the service knows about video ``key``; see
        :meth:`SnapshotClient.get_media_info`."""
        target = self._media_info_target(check_key(key))
        return await self._call(target, self._to_media_info, MAX_MEDIA_INFO_BYTES)

    async def _call(
        self,
        target: tuple[str, httpx2.URL],
        convert: Callable[[httpx2.Response, bytes], _T],
        limit: int | None = None,
    ) -> _T:
        """The async twin of :meth:`SnapshotClient._call`."""
        http = self._api.get_async_httpx_client()
        method, url = target
        state = self.retry.begin()
        while True:
            timeout = self._attempt_timeout(state)
            request = self._attempt(http, method, url, timeout, await self._async_signing())
            try:
                return convert(*await self._exchange(http, request, state, limit))
            except CosError as error:
                delay = self._after_error(state, error)
            if delay:
                await anyio.sleep(delay)

    async def _exchange(
        self,
        http: httpx2.AsyncClient,
        request: httpx2.Request,
        state: RetryState,
        limit: int | None = None,
    ) -> tuple[httpx2.Response, bytes]:
        """Send one attempt and read its whole body (at most ``limit`` bytes) within the
        deadline."""
        body = bytearray()
        try:
            response = await http.send(request, stream=True)
            try:
                async for chunk in response.aiter_bytes():
                    body += chunk
                    self._check_deadline(state)
                    _check_size(body, limit, response)
            finally:
                await response.aclose()
        except CosError:
            raise
        except httpx2.HTTPError as exc:
            # On the aiohttp transport, an httpx2 error it made from one of aiohttp's, which
            # tells better what happened.
            mapped = self._library_error(exc) if self._library_error is not None else None
            raise (mapped or self._transport_error(exc)) from exc
        except self._library_errors as exc:
            mapped = self._library_error(exc) if self._library_error is not None else None
            if mapped is None:
                raise
            # Not chained when it is a ValueError: aiohttp's text quotes the header value.
            raise mapped from (None if isinstance(exc, ValueError) else exc)
        return response, bytes(body)

    async def aclose(self) -> None:
        await self._api.get_async_httpx_client().aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
