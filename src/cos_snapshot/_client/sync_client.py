"""The synchronous client: :class:`SnapshotClient`."""

from __future__ import annotations

import time as _time
from collections.abc import Callable
from types import TracebackType
from typing import Self, TypeVar, overload

import httpx2

from .._shared.errors import CosClientError, CosError
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
)
from .base import _BaseClient
from .media_info import MediaInfo
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
    MEDIA_INFO_LIMIT,
    BodyLimit,
    naming_endpoint,
    to_media_info,
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

    def _call(
        self,
        target: tuple[str, httpx2.URL],
        convert: Callable[[httpx2.Response, bytes], _T],
        limit: BodyLimit,
    ) -> _T:
        """Send ``target`` (signed afresh each attempt) until ``convert`` accepts an answer
        within ``limit``, or the retry policy gives up and the last error is raised."""
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
        limit: BodyLimit,
    ) -> tuple[httpx2.Response, bytes]:
        """Send one attempt (following redirects if asked) and read its whole body, decoded,
        within ``limit`` and the deadline."""
        body = bytearray()
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
                    body += chunk
                    self._check_deadline(state)
                    limit.check(body, response)
            finally:
                response.close()
        except httpx2.HTTPError as exc:
            raise naming_endpoint(transport_error(exc), sent.url) from exc
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
