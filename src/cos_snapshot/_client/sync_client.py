"""The synchronous client: :class:`SnapshotClient`."""

from __future__ import annotations

import os
import time as _time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
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
from .jobs import (
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

    Snapshot jobs (:meth:`submit_snapshot_job` and the others) go to the bucket's CI host,
    ``https://<bucket>.ci.<region>.myqcloud.com``, or to ``endpoint_url`` when one is given
    (:attr:`ci_endpoint_url`); with STS credentials their token travels in
    ``x-ci-security-token``. ``job_rate`` bounds submissions: at most that many in any one
    second (default 10, the service's default limit).
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
        return self._call(target, to_put_result, EMPTY_LIMIT, headers=headers, body=upload.content)

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

    # -- snapshot jobs -------------------------------------------------------------------

    def submit_snapshot_job(self, key: str, spec: SnapshotJobSpec) -> SnapshotJob:
        """Submit a snapshot job of video ``key`` (CreateMediaJobs on the bucket's CI host, or
        on ``endpoint_url``) and return it as the service reports it, usually ``Submitted``.

        ``spec`` is checked again before sending; its output goes to the client's bucket and
        region unless it names others. Submissions keep to the client's ``job_rate`` (at most
        that many in any one second, across threads). The job is never submitted twice: when
        an answer is lost (a broken connection, a timeout, a 5xx), the client looks through
        the video's recent jobs for the mark it appended to ``UserData`` and returns that job
        if it exists, sending again only if it does not; if that look-up fails, its error is
        raised with a note saying the job may exist.
        """
        target, headers, body, mark = self._job_submission(key, spec)
        not_before = datetime.now(UTC) - timedelta(seconds=MARK_LOOKBACK_S)

        def before(attempt: int) -> SnapshotJob | None:
            if attempt == 1:
                return None  # its turn was waited for before the call's deadline started
            found = self._find_marked(key, mark, not_before)
            if found is None:
                self._submit_rate.wait()
            return found

        self._submit_rate.wait()
        return self._call(
            target,
            to_submitted_job,
            JOBS_LIMIT,
            headers=headers,
            body=lambda: (body,),
            ci=True,
            before_attempt=before,
        )

    def _find_marked(self, key: str, mark: str, not_before: datetime) -> SnapshotJob | None:
        try:
            token = None
            for _ in range(MARK_LOOKUP_PAGES):
                page = self.list_jobs(input_key=key, page_size=100, next_token=token)
                found, stop = marked_job(page, mark, not_before)
                if stop:
                    return found
                token = page.next_token
            return None
        except CosError as error:
            error.add_note(lost_answer_note(mark))
            raise

    def get_jobs(self, ids: Iterable[str]) -> FoundJobs:
        """The jobs ``ids`` names (DescribeMediaJob, 50 ids a request): the ones the service
        knows, in the order asked, and the ids it does not (an unknown id is no error)."""
        checked = check_job_ids(ids)
        documents = [
            self._call(self._jobs_target(chunk), to_jobs_document, JOBS_LIMIT, ci=True)
            for chunk in id_chunks(checked)
        ]
        return found_jobs(checked, documents)

    def get_job(self, job_id: str) -> SnapshotJob:
        """The job ``job_id``; :class:`CosJobNotFoundError` when the service does not know it."""
        found = self.get_jobs([check_job_id(job_id)])
        if not found.jobs:
            raise CosJobNotFoundError(job_id)
        return found.jobs[0]

    def list_jobs(
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
        """One page of the bucket's snapshot jobs (DescribeMediaJobs), newest first unless
        ``order`` is ``"Asc"``, at most ``page_size`` (1..100), only those in ``states``, of
        ``queue_id``, of video ``input_key`` and created between ``created_after`` and
        ``created_before`` (aware datetimes) when given; after the page whose ``next_token``
        is given."""
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
        document = self._call(target, to_jobs_document, JOBS_LIMIT, ci=True)
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
    ) -> Iterator[SnapshotJob]:
        """Every job :meth:`list_jobs` would list with these arguments, fetched a page at a
        time by ``nextToken`` as the iteration reaches them."""
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

    def _iter_jobs(self, args: dict[str, object]) -> Iterator[SnapshotJob]:
        token: str | None = None
        while True:
            page = self.list_jobs(**args, next_token=token)  # type: ignore[arg-type]
            yield from page.jobs
            if page.next_token is None or page.next_token == token:
                return
            token = page.next_token

    def cancel_job(self, job_id: str) -> None:
        """Cancel the job ``job_id`` (CancelMediaJob): one that has not ended ends ``Cancel``;
        the service may refuse (400) to cancel one that has ended."""
        self._call(self._cancel_target(job_id), to_cancelled, EMPTY_LIMIT, ci=True)

    def wait_for_job(
        self, job_id: str, *, timeout: float = 600.0, poll: float = 1.0
    ) -> SnapshotJob:
        """Poll the job ``job_id`` until it ends and return it in its final state (``Success``,
        ``Failed`` or ``Cancel``: a failed job is returned, not raised). Polls back off from
        ``poll`` seconds (×1.5 each, up to 10 s, with jitter). When ``timeout`` seconds pass
        first, raises :class:`CosJobTimeoutError` (a :class:`CosTimeoutError`) whose ``job`` is
        the last report; :class:`CosJobNotFoundError` when the service does not know the job."""
        checked = check_job_id(job_id)
        schedule = PollSchedule(timeout, poll)
        while True:
            job = self.get_job(checked)
            if job.done:
                return job
            delay = schedule.next_delay()
            if delay <= 0:
                raise timed_out(job, schedule.timeout)
            _time.sleep(delay)

    def _call(
        self,
        target: tuple[str, httpx2.URL],
        convert: Callable[[httpx2.Response, bytes], _T],
        limit: SinkSource,
        *,
        headers: Mapping[str, str] | None = None,
        body: Callable[[], bytes | Iterable[bytes]] | None = None,
        ci: bool = False,
        before_attempt: Callable[[int], _T | None] | None = None,
    ) -> _T:
        """Send ``target`` with ``headers`` and the content ``body`` makes (signed afresh each
        attempt) until ``convert`` accepts an answer whose body went to a sink of ``limit``,
        or the retry policy gives up and the last error is raised. ``ci``: a job operation.
        ``before_attempt(n)`` runs before attempt ``n`` (from 1); a result it returns is the
        call's, and nothing is sent."""
        http = self._api.get_httpx_client()
        method, url = target
        state = self.retry.begin()
        while True:
            if before_attempt is not None and (early := before_attempt(state.attempts)) is not None:
                return early
            timeout = self._attempt_timeout(state)
            content = None if body is None else body()
            signing = self._signing()
            request = self._attempt(http, method, url, timeout, signing, headers, content, ci=ci)
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
