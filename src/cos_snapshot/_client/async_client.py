"""The asynchronous client: :class:`AsyncSnapshotClient`, on httpx2's transport or aiohttp's."""

from __future__ import annotations

import asyncio
import os
import time as _time
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
)
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, overload

import anyio
import httpx2

from .._shared.credentials import Credentials, CredentialsSource
from .._shared.errors import CosClientError, CosError, CosInvalidArgumentError
from .._shared.extras import install_command
from .._shared.files import replacing
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
)
from .auth import Signer
from .base import _BaseClient
from .jobs import (
    DEFAULT_JOB_RATE,
    MARK_LOOKBACK_S,
    MARK_LOOKUP_PAGES,
    CosJobNotFoundError,
    FoundJobs,
    JobOrder,
    JobPage,
    JobState,
    PollSchedule,
    SnapshotJob,
    SnapshotJobSpec,
    check_job_id,
    check_job_ids,
    found_jobs,
    id_chunks,
    lost_answer_note,
    marked_job,
    timed_out,
)
from .media_info import MediaInfo
from .objects import (
    INLINE_HASH_BYTES,
    ObjectInfo,
    ObjectPage,
    ObjectSummary,
    PutResult,
    check_page_size,
)
from .options import DEFAULT_SIGN_EXPIRES, DEFAULT_TIMEOUT, MAX_SNAPSHOT_BYTES, Transport
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
    JOBS_LIMIT,
    LIST_LIMIT,
    MEDIA_INFO_LIMIT,
    IntoFile,
    SinkSource,
    naming_endpoint,
    to_cancelled,
    to_downloaded,
    to_jobs_document,
    to_media_info,
    to_object_bytes,
    to_object_info,
    to_object_page,
    to_put_result,
    to_snapshot,
    to_submitted_job,
    transport_error,
)
from .retry import RetryPolicy, RetryState
from .snapshot import Snapshot

_T = TypeVar("_T")


class _Ahead:
    """A page being fetched while the caller works through the one before it: an asyncio
    task on asyncio; elsewhere (trio) the coroutine itself, run when awaited, since a task
    there needs a nursery that an iterator cannot keep open across its ``yield``."""

    def __init__(self, coroutine: Coroutine[Any, Any, ObjectPage]) -> None:
        self._pending: asyncio.Task[ObjectPage] | Coroutine[Any, Any, ObjectPage] = coroutine
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._pending = asyncio.ensure_future(coroutine)

    def result(self) -> Awaitable[ObjectPage]:
        return self._pending

    def cancel(self) -> None:
        """Stop the fetch nobody will wait for (the caller left the iteration); nothing
        happens to one that has finished."""
        if isinstance(self._pending, asyncio.Task):
            self._pending.cancel()
        else:
            self._pending.close()


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
    thread, so a slow one does not block the event loop. ``max_snapshot_bytes``, the other
    bounds on answers and redirects are as on :class:`SnapshotClient`, on either transport.
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
        max_snapshot_bytes: int = MAX_SNAPSHOT_BYTES,
        job_rate: float = DEFAULT_JOB_RATE,
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
            max_snapshot_bytes=max_snapshot_bytes,
            job_rate=job_rate,
            httpx_args=httpx_args,
        )
        #: The transport in use: ``"httpx2"`` or ``"aiohttp"`` (``"auto"`` resolved).
        self.transport: Literal["httpx2", "aiohttp"] = self._choose_transport(transport)
        if self.transport == "aiohttp":
            from . import aiohttp_transport as _aiohttp  # noqa: PLC0415 - only with the extra

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
            from . import aiohttp_transport  # noqa: F401, PLC0415 - is the extra installed?
        except ImportError:
            if transport == "aiohttp":
                raise CosInvalidArgumentError(
                    "transport",
                    f"'aiohttp' needs aiohttp and httpx-aiohttp: {install_command('aiohttp')}",
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

    @overload
    async def get_snapshot(self, args: SnapshotArgs, /) -> Snapshot: ...

    @overload
    async def get_snapshot(
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

    async def get_snapshot(
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
        :class:`SnapshotArgs` given alone describes; see :meth:`SnapshotClient.get_snapshot`."""
        args = snapshot_args(
            key, time, width=width, height=height, format=format, rotate=rotate, mode=mode
        )
        return await self._call(self._target(args), to_snapshot, self._snapshot_limit)

    async def get_media_info(self, key: str) -> MediaInfo:
        """What the service knows about video ``key``; see
        :meth:`SnapshotClient.get_media_info`."""
        target = self._media_info_target(check_key(key))
        return await self._call(target, to_media_info, MEDIA_INFO_LIMIT)

    # -- the bucket's objects ------------------------------------------------------------

    async def list_objects(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        marker: str | None = None,
        max_keys: int = 1000,
    ) -> ObjectPage:
        """One page of the bucket's keys; see :meth:`SnapshotClient.list_objects`."""
        target = self._list_target(prefix, delimiter, marker, max_keys)
        return await self._call(target, to_object_page(marker), LIST_LIMIT)

    def iter_objects(
        self, prefix: str = "", *, delimiter: str | None = None, page_size: int = 1000
    ) -> AsyncIterator[ObjectSummary]:
        """Every object whose key starts with ``prefix`` (``async for``); see
        :meth:`SnapshotClient.iter_objects`. On asyncio the next page is fetched while the
        caller works through the current one (at most one page ahead); leaving the loop early
        cancels that fetch once the iterator is closed (``aclose()``, or when it is collected).
        """
        self._list_target(prefix, delimiter, None, check_page_size(page_size))  # checks now
        return self._iter_objects(prefix, delimiter, page_size)

    async def _iter_objects(
        self, prefix: str, delimiter: str | None, page_size: int
    ) -> AsyncIterator[ObjectSummary]:
        def fetch(marker: str | None) -> _Ahead:
            return _Ahead(
                self.list_objects(prefix, delimiter=delimiter, marker=marker, max_keys=page_size)
            )

        ahead: _Ahead | None = fetch(None)
        try:
            while ahead is not None:
                page = await ahead.result()
                ahead = fetch(page.next_marker) if page.is_truncated else None
                for summary in page.objects:
                    yield summary
        finally:
            if ahead is not None:
                ahead.cancel()

    async def put_object(
        self,
        key: str,
        data: bytes | os.PathLike[str],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> PutResult:
        """Store ``data`` as the object ``key``; see :meth:`SnapshotClient.put_object`. A
        file is hashed before sending (in a worker thread) and read in worker threads; bytes
        are hashed on the event loop up to 1 MiB, in a worker thread beyond."""
        if isinstance(data, bytes | bytearray | memoryview) and len(data) <= INLINE_HASH_BYTES:
            target, headers, upload = self._put_object_request(key, data, content_type, metadata)
        else:
            target, headers, upload = await anyio.to_thread.run_sync(
                self._put_object_request, key, data, content_type, metadata
            )
        return await self._call(
            target, to_put_result, EMPTY_LIMIT, headers=headers, body=upload.acontent
        )

    async def head_object(self, key: str) -> ObjectInfo | None:
        """What the bucket holds as ``key``, or ``None``; see
        :meth:`SnapshotClient.head_object`."""
        return await self._call(self._head_object_target(key), to_object_info(key), EMPTY_LIMIT)

    async def get_object(self, key: str) -> bytes:
        """The bytes of the object ``key``; see :meth:`SnapshotClient.get_object`."""
        return await self._call(self._get_object_target(key), to_object_bytes, self._object_limit)

    async def download_object(self, key: str, path: str | os.PathLike[str]) -> ObjectInfo:
        """Write the object ``key`` to ``path`` whole; see
        :meth:`SnapshotClient.download_object`."""
        target = self._get_object_target(key)
        with replacing(Path(path)) as temporary, temporary.open("wb") as handle:
            return await self._call(
                target, to_downloaded(key, handle), IntoFile(handle, EMPTY_LIMIT)
            )

    # -- snapshot jobs -------------------------------------------------------------------

    async def submit_snapshot_job(self, key: str, spec: SnapshotJobSpec) -> SnapshotJob:
        """Submit a snapshot job of video ``key``, never twice; see
        :meth:`SnapshotClient.submit_snapshot_job`."""
        target, headers, body, mark = self._job_submission(key, spec)
        not_before = datetime.now(UTC) - timedelta(seconds=MARK_LOOKBACK_S)

        async def wait_turn() -> None:
            while (delay := self._submit_rate.reserve()) > 0:
                await anyio.sleep(delay)

        async def before(attempt: int) -> SnapshotJob | None:
            if attempt == 1:
                return None  # its turn was waited for before the call's deadline started
            found = await self._find_marked(key, mark, not_before)
            if found is None:
                await wait_turn()
            return found

        async def content() -> AsyncIterator[bytes]:
            yield body

        await wait_turn()
        return await self._call(
            target,
            to_submitted_job,
            JOBS_LIMIT,
            headers=headers,
            body=content,
            ci=True,
            before_attempt=before,
        )

    async def _find_marked(self, key: str, mark: str, not_before: datetime) -> SnapshotJob | None:
        try:
            token = None
            for _ in range(MARK_LOOKUP_PAGES):
                page = await self.list_jobs(input_key=key, page_size=100, next_token=token)
                found, stop = marked_job(page, mark, not_before)
                if stop:
                    return found
                token = page.next_token
            return None
        except CosError as error:
            error.add_note(lost_answer_note(mark))
            raise

    async def get_jobs(self, ids: Iterable[str]) -> FoundJobs:
        """The jobs ``ids`` names and the ids the service does not know; see
        :meth:`SnapshotClient.get_jobs`."""
        checked = check_job_ids(ids)
        documents = [
            await self._call(self._jobs_target(chunk), to_jobs_document, JOBS_LIMIT, ci=True)
            for chunk in id_chunks(checked)
        ]
        return found_jobs(checked, documents)

    async def get_job(self, job_id: str) -> SnapshotJob:
        """The job ``job_id``; see :meth:`SnapshotClient.get_job`."""
        found = await self.get_jobs([check_job_id(job_id)])
        if not found.jobs:
            raise CosJobNotFoundError(job_id)
        return found.jobs[0]

    async def list_jobs(
        self,
        *,
        states: Iterable[JobState | str] | None = None,
        order: JobOrder = "Desc",
        queue_id: str | None = None,
        input_key: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = 100,
        next_token: str | None = None,
    ) -> JobPage:
        """One page of the bucket's snapshot jobs; see :meth:`SnapshotClient.list_jobs`."""
        args = {
            "states": states,
            "order": order,
            "queue_id": queue_id,
            "input_key": input_key,
            "created_after": created_after,
            "created_before": created_before,
            "page_size": page_size,
        }
        target = self._job_list_target(args, next_token)
        document = await self._call(target, to_jobs_document, JOBS_LIMIT, ci=True)
        return JobPage(document.jobs, document.next_token)

    def iter_jobs(
        self,
        *,
        states: Iterable[JobState | str] | None = None,
        order: JobOrder = "Desc",
        queue_id: str | None = None,
        input_key: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = 100,
    ) -> AsyncIterator[SnapshotJob]:
        """Every job :meth:`list_jobs` would list (``async for``), a page at a time; see
        :meth:`SnapshotClient.iter_jobs`."""
        args: dict[str, object] = {
            "states": None if states is None else tuple(states),
            "order": order,
            "queue_id": queue_id,
            "input_key": input_key,
            "created_after": created_after,
            "created_before": created_before,
            "page_size": page_size,
        }
        self._job_list_target(args)  # checked now, not at the first page
        return self._iter_jobs(args)

    async def _iter_jobs(self, args: dict[str, object]) -> AsyncIterator[SnapshotJob]:
        token: str | None = None
        while True:
            page = await self.list_jobs(**args, next_token=token)  # type: ignore[arg-type]
            for job in page.jobs:
                yield job
            if page.next_token is None or page.next_token == token:
                return
            token = page.next_token

    async def cancel_job(self, job_id: str) -> None:
        """Cancel the job ``job_id``; see :meth:`SnapshotClient.cancel_job`."""
        await self._call(self._cancel_target(job_id), to_cancelled, EMPTY_LIMIT, ci=True)

    async def wait_for_job(
        self, job_id: str, *, timeout: float = 600.0, poll: float = 1.0
    ) -> SnapshotJob:
        """Poll the job ``job_id`` until it ends; see :meth:`SnapshotClient.wait_for_job`.
        Cancelling the awaiting task stops the wait at once (between polls or during one)."""
        checked = check_job_id(job_id)
        schedule = PollSchedule(timeout, poll)
        while True:
            job = await self.get_job(checked)
            if job.done:
                return job
            delay = schedule.next_delay()
            if delay <= 0:
                raise timed_out(job, schedule.timeout)
            await anyio.sleep(delay)

    async def _call(
        self,
        target: tuple[str, httpx2.URL],
        convert: Callable[[httpx2.Response, bytes], _T],
        limit: SinkSource,
        *,
        headers: Mapping[str, str] | None = None,
        body: Callable[[], bytes | AsyncIterable[bytes]] | None = None,
        ci: bool = False,
        before_attempt: Callable[[int], Awaitable[_T | None]] | None = None,
    ) -> _T:
        """The async twin of :meth:`SnapshotClient._call`."""
        http = self._api.get_async_httpx_client()
        method, url = target
        state = self.retry.begin()
        while True:
            if before_attempt is not None:
                early = await before_attempt(state.attempts)
                if early is not None:
                    return early
            timeout = self._attempt_timeout(state)
            content = None if body is None else body()
            signing = await self._async_signing()
            request = self._attempt(http, method, url, timeout, signing, headers, content, ci=ci)
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
        limit: SinkSource,
    ) -> tuple[httpx2.Response, bytes]:
        """The async twin of :meth:`SnapshotClient._exchange`."""
        sink = limit.sink()
        sent = request
        try:
            response = await http.send(sent, stream=True)
            hops = 0
            while self._follow_redirects and response.next_request is not None:
                await response.aclose()
                hops += 1
                if hops > http.max_redirects:
                    raise CosClientError(f"more than {http.max_redirects} redirects")
                sent = self._redirected(request, response.next_request)
                response = await http.send(sent, stream=True)
            try:
                async for chunk in response.aiter_bytes():
                    sink.feed(chunk, response)
                    self._check_deadline(state)
            finally:
                await response.aclose()
        except CosError:
            raise
        except httpx2.HTTPError as exc:
            # On the aiohttp transport, an httpx2 error it made from one of aiohttp's, which
            # tells better what happened.
            mapped = self._library_error(exc) if self._library_error is not None else None
            raise naming_endpoint(mapped or transport_error(exc), sent.url) from exc
        except self._library_errors as exc:
            mapped = self._library_error(exc) if self._library_error is not None else None
            if mapped is None:
                raise
            # Not chained when it is a ValueError: aiohttp's text quotes the header value.
            raise naming_endpoint(mapped, sent.url) from (
                None if isinstance(exc, ValueError) else exc
            )
        return response, sink.finish()

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
