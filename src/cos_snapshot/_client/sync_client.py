"""The synchronous client: :class:`SnapshotClient`."""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar, overload

import httpx2

from .._shared.errors import CosClientError, CosError
from .._shared.files import replacing
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
)
from .base import _BaseClient
from .media_info import MediaInfo
from .objects import ObjectInfo, ObjectPage, ObjectSummary, PutResult, check_page_size
from .params import (
    NOT_GIVEN,
    Format,
    Mode,
    Rotate,
    SnapshotArgs,
    TimeLike,
    check_key,
    snapshot_args,
)
from .responses import (
    EMPTY_LIMIT,
    LIST_LIMIT,
    MEDIA_INFO_LIMIT,
    IntoFile,
    SinkSource,
    naming_endpoint,
    to_downloaded,
    to_media_info,
    to_object_bytes,
    to_object_info,
    to_object_page,
    to_put_result,
    to_snapshot,
    transport_error,
)
from .retry import RetryState
from .snapshot import Snapshot

_T = TypeVar("_T")


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
    :class:`CosInvalidArgumentError` naming the httpx2 class to use. With
    ``follow_redirects=True`` there, a redirect to another origin (scheme, host or port) is
    followed without the signature and the STS token.

    Answers are read within bounds, counted after any ``Content-Encoding`` is undone, so a small
    compressed answer cannot inflate without end: a snapshot holds at most
    ``max_snapshot_bytes`` (default 128 MiB; the largest COS image, 4096 × 4096, is about 48 MiB
    as an 8-bit RGB PNG that does not compress at all, 64 MiB with alpha), a GetMediaInfo
    document 1 MiB. A longer answer raises :class:`CosResponseError` and is not retried. Of an
    error answer at most 64 KiB is read; its :class:`CosServiceError` keeps the status.
    """

    @overload
    def get_snapshot(self, args: SnapshotArgs, /) -> Snapshot: ...

    @overload
    def get_snapshot(
        self,
        key: str,
        time: TimeLike,
        *,
        width: int = DEFAULT_WIDTH,
        height: int = DEFAULT_HEIGHT,
        format: Format = DEFAULT_FORMAT,
        rotate: Rotate = DEFAULT_ROTATE,
        mode: Mode = DEFAULT_MODE,
    ) -> Snapshot: ...

    def get_snapshot(
        self,
        key: str | SnapshotArgs,
        time: object = NOT_GIVEN,
        *,
        width: object = NOT_GIVEN,
        height: object = NOT_GIVEN,
        format: object = NOT_GIVEN,
        rotate: object = NOT_GIVEN,
        mode: object = NOT_GIVEN,
    ) -> Snapshot:
        """Take the frame of video ``key`` at ``time`` seconds, or the one a
        :class:`SnapshotArgs` given alone describes (sent as it is: it was checked when made).

        ``width``/``height``: 0 keeps the video's size; one of them 0 follows the aspect ratio
        of the other; both set gives exactly that size. ``format`` is ``jpg`` or ``png``;
        ``rotate="auto"`` applies the video's rotation metadata; ``mode="keyframe"`` returns
        the latest keyframe at or before ``time`` (faster), ``"exactframe"`` the frame on
        screen at ``time``.

        Raises :class:`CosInvalidArgumentError` before sending when an argument is invalid,
        :class:`CosServiceError` when the server answers with an error, and
        :class:`CosConnectionError`/:class:`CosTimeoutError` when retries run out.
        """
        args = snapshot_args(
            key, time, width=width, height=height, format=format, rotate=rotate, mode=mode
        )
        return self._call(self._target(args), to_snapshot, self._snapshot_limit)

    def get_media_info(self, key: str) -> MediaInfo:
        """What the service knows about video ``key`` (GetMediaInfo): durations, size, frame
        rate, streams; see :class:`MediaInfo`.

        Signed, retried and failing as :meth:`get_snapshot` does; an answer that is not the
        documented document raises :class:`CosResponseError` naming the element.
        """
        target = self._media_info_target(check_key(key))
        return self._call(target, to_media_info, MEDIA_INFO_LIMIT)

    # -- the bucket's objects ------------------------------------------------------------

    def list_objects(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str | None = None,
        max_keys: int = 1000,
    ) -> ObjectPage:
        """One page of the bucket's keys that start with ``prefix`` (GetBucket), after
        ``marker``, at most ``max_keys`` (1..1000) objects and common prefixes together, in
        UTF-8 byte order; see :class:`ObjectPage`. With a ``delimiter`` (usually ``/``) the
        keys holding it after the prefix are grouped into ``common_prefixes``.

        Keys are asked for percent-encoded (``encoding-type=url``) and decoded, so keys with
        spaces, ``+``, ``%``, ``#``, ``?``, non-ASCII or control characters come back as they
        are. A truncated page that does not advance past ``marker`` raises
        :class:`CosResponseError`; a page is read within 8 MiB. Retried and failing as
        :meth:`get_snapshot`.
        """
        target = self._list_target(prefix, delimiter, marker, max_keys)
        return self._call(target, to_object_page(marker), LIST_LIMIT)

    def iter_objects(
        self, prefix: str = "", *, delimiter: str | None = None, page_size: int = 1000
    ) -> Iterator[ObjectSummary]:
        """Every object whose key starts with ``prefix``, in UTF-8 byte order of the keys,
        fetched ``page_size`` (1..1000) at a time as the iteration reaches them (objects only:
        with a ``delimiter``, the grouped keys are left out). Pages follow one another by
        ``next_marker`` (see :meth:`list_objects`); one that does not advance raises
        :class:`CosResponseError` rather than listing for ever."""
        self._list_target(prefix, delimiter, None, check_page_size(page_size))  # checks now
        return self._iter_objects(prefix, delimiter, page_size)

    def _iter_objects(
        self, prefix: str, delimiter: str | None, page_size: int
    ) -> Iterator[ObjectSummary]:
        marker: str | None = None
        while True:
            page = self.list_objects(prefix, delimiter=delimiter, marker=marker, max_keys=page_size)
            yield from page.objects
            if not page.is_truncated:
                return
            marker = page.next_marker

    def put_object(
        self,
        key: str,
        data: bytes | os.PathLike[str],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> PutResult:
        """Store ``data`` (bytes, or an ``os.PathLike`` naming a regular file, streamed from
        disk) as the object ``key``, replacing any object of that key (PutObject).

        Sent with its ``Content-MD5`` (a file is read once to hash it, then once per attempt
        to send it), so the server refuses bytes that changed on the way. ``content_type``
        defaults to ``application/octet-stream``; ``metadata`` maps names (letters, digits and
        ``-``) to printable ASCII values, 2 KB in all, sent as ``x-cos-meta-<name>``. Retried
        as :meth:`get_snapshot` is: storing the same bytes again is harmless.
        """
        target, headers, upload = self._put_object_request(key, data, content_type, metadata)
        return self._call(target, to_put_result, EMPTY_LIMIT, headers=headers, body=upload.chunks)

    def head_object(self, key: str) -> ObjectInfo | None:
        """What the bucket holds as ``key`` (HeadObject): size, ETag, time, content type and
        metadata; ``None`` when there is no such object."""
        return self._call(self._head_object_target(key), to_object_info(key), EMPTY_LIMIT)

    def get_object(self, key: str) -> bytes:
        """The bytes of the object ``key`` (GetObject), held in memory: at most the client's
        ``max_snapshot_bytes`` (128 MiB by default), beyond which :class:`CosResponseError` is
        raised; :meth:`download_object` writes an object of any size to a file."""
        return self._call(self._get_object_target(key), to_object_bytes, self._object_limit)

    def download_object(self, key: str, path: str | os.PathLike[str]) -> ObjectInfo:
        """Write the object ``key`` to ``path`` whole or not at all, streamed through a
        temporary beside it (never held in memory): a regular file (or missing) is replaced
        once the download is complete, a symlink's target is written, a device or a FIFO is
        written through, a directory is refused. Returns the object's :class:`ObjectInfo`
        (its size is the bytes written)."""
        target = self._get_object_target(key)
        with replacing(Path(path)) as temporary, temporary.open("wb") as handle:
            return self._call(target, to_downloaded(key, handle), IntoFile(handle, EMPTY_LIMIT))

    def _call(
        self,
        target: tuple[str, httpx2.URL],
        convert: Callable[[httpx2.Response, bytes], _T],
        limit: SinkSource,
        *,
        headers: Mapping[str, str] | None = None,
        body: Callable[[], Iterable[bytes]] | None = None,
    ) -> _T:
        """Send ``target`` with ``headers`` and the content ``body`` makes (signed afresh each
        attempt) until ``convert`` accepts an answer whose body went to a sink of ``limit``,
        or the retry policy gives up and the last error is raised."""
        http = self._api.get_httpx_client()
        method, url = target
        state = self.retry.begin()
        while True:
            timeout = self._attempt_timeout(state)
            content = None if body is None else body()
            request = self._attempt(http, method, url, timeout, self._signing(), headers, content)
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
        limit: SinkSource,
    ) -> tuple[httpx2.Response, bytes]:
        """Send one attempt (following redirects if asked) and read its whole body, decoded,
        into a sink of ``limit`` within the deadline."""
        sink = limit.sink()
        sent = request
        try:
            response = http.send(sent, stream=True)
            hops = 0
            while self._follow_redirects and response.next_request is not None:
                response.close()
                hops += 1
                if hops > http.max_redirects:
                    raise CosClientError(f"more than {http.max_redirects} redirects")
                sent = self._redirected(request, response.next_request)
                response = http.send(sent, stream=True)
            try:
                for chunk in response.iter_bytes():
                    sink.feed(chunk, response)
                    self._check_deadline(state)
            finally:
                response.close()
        except httpx2.HTTPError as exc:
            raise naming_endpoint(transport_error(exc), sent.url) from exc
        return response, sink.finish()

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
