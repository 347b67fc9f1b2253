"""Running a planned batch: snapshots fetched with a bounded number in flight, relative
times resolved, outputs skipped or written (files in a directory, or objects PUT into a bucket
by a bounded pool of uploads beside the requests), each result handed to a callback (step 3 of
:mod:`cos_snapshot.tools.batch`)."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ... import AsyncSnapshotClient, CosError, CosServiceError, MediaInfo, Snapshot, SnapshotArgs
from ..._shared.text import one_line
from ..destination import (
    WRITER_THREADS,
    BucketDestination,
    Destination,
    LocalDirectory,
    OutputPlace,
    WrittenWhileCancelled,
    content_type_for,
)
from .items import BatchInputError, UnplannedItem
from .plan import NameTaken, OutputNames, PlannedItem

if TYPE_CHECKING:
    from ..poster import PosterChoice

#: How many videos' GetMediaInfo answers a run keeps (the least recently used go first).
MEDIA_INFO_CACHE = 1024
__all__ = ["MEDIA_INFO_CACHE", "WRITER_THREADS", "BatchTally", "ItemResult", "run_batch"]
# A worker that skips this many existing files in a row lets the others run.
_SKIPS_BETWEEN_YIELDS = 64

Status = Literal["done", "skipped", "failed", "not_run"]


@attrs.frozen
class ItemResult:
    """What happened to one item. ``error`` is a one-line reason when it failed; ``code`` and
    ``http_status`` are the service's answer when there was one. ``not_run``: the run was
    cancelled before the item was done."""

    planned: PlannedItem
    status: Status
    bytes: int = 0
    width: int | None = None
    height: int | None = None
    seconds: float = 0.0
    error: str | None = None
    code: str | None = None
    http_status: int | None = None
    #: For an ``auto`` item whose frame was chosen: the chosen time (plain seconds), and
    #: whether every candidate failed a gate (the least bad was taken).
    chosen_time: str | None = None
    fallback: bool = False

    def to_json(self) -> dict[str, Any]:
        """The result as one JSON record (``"type": "item"``), as ``cos-snapshot --json
        batch`` prints it."""
        record = {"type": "item", "status": self.status, **self.planned.item.to_row()}
        record.update(
            output=self.planned.where,
            bytes=self.bytes,
            width=self.width,
            height=self.height,
            seconds=round(self.seconds, 3),
            error=self.error,
            code=self.code,
            http_status=self.http_status,
        )
        if self.chosen_time is not None:
            record.update(chosen_time=self.chosen_time, fallback=self.fallback)
        return record


@attrs.define
class BatchTally:
    """Running counts of a batch of ``total`` items."""

    total: int
    started: float = attrs.field(factory=time.monotonic)
    done: int = 0
    skipped: int = 0
    failed: int = 0
    not_run: int = 0
    bytes: int = 0
    interrupted: bool = False

    def add(self, result: ItemResult) -> None:
        """Count one finished item (a :func:`run_batch` ``on_result`` callback)."""
        if result.status == "done":
            self.done += 1
            self.bytes += result.bytes
        elif result.status == "skipped":
            self.skipped += 1
        elif result.status == "failed":
            self.failed += 1
        else:
            self.not_run += 1

    @property
    def seconds(self) -> float:
        """Seconds since the tally was made."""
        return time.monotonic() - self.started

    def summary(self) -> dict[str, Any]:
        """The counts as one JSON record (``"type": "summary"``)."""
        return {
            "type": "summary",
            "total": self.total,
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "not_run": self.not_run,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
        }


class _MediaInfos:
    """One GetMediaInfo per video for the run: items of a video that run at the same time share
    one request, and the answers (or errors) of the last ``size`` videos are kept."""

    def __init__(self, client: AsyncSnapshotClient, size: int) -> None:
        self._client = client
        self._size = size
        self._answers: collections.OrderedDict[str, asyncio.Future[MediaInfo]] = (
            collections.OrderedDict()
        )

    async def get(self, key: str) -> MediaInfo:
        answer = self._answers.get(key)
        if answer is None:
            answer = asyncio.ensure_future(self._client.get_media_info(key))
            answer.add_done_callback(_seen)
            self._answers[key] = answer
            if len(self._answers) > self._size:
                self._answers.popitem(last=False)
        else:
            self._answers.move_to_end(key)
        # Shielded: an item cancelled while waiting does not cancel the others' request.
        return await asyncio.shield(answer)


def _seen(future: asyncio.Future[Any]) -> None:
    """Mark a shared answer's exception as retrieved: the items that awaited it report it."""
    if not future.cancelled():
        future.exception()


def _failed(
    planned: PlannedItem,
    started: float,
    error: BaseException,
    chosen: str | None = None,
    *,
    upload: str | None = None,
) -> ItemResult:
    """The item failed with ``error``; ``upload``: in the PUT of its image to that place (said
    first, as a refused PUT and a refused snapshot carry the same code)."""
    text = one_line(error)
    if upload is not None:
        verb = "was refused" if isinstance(error, CosServiceError) else "failed"
        text = f"the upload to {upload} {verb}: {text}"
    if isinstance(error, CosServiceError):
        return ItemResult(
            planned,
            "failed",
            seconds=time.monotonic() - started,
            error=text,
            code=error.code,
            http_status=error.status,
            chosen_time=chosen,
        )
    return ItemResult(
        planned,
        "failed",
        seconds=time.monotonic() - started,
        error=text,
        chosen_time=chosen,
    )


class _Uploads:
    """The bounded pool of uploads beside the snapshot requests: a worker whose image has
    arrived hands it over (:meth:`hand_over`) and goes on to its next item while the PUT runs
    here. At most ``bound`` uploads are in flight; a worker that finds them all busy waits for
    one to end before it asks for another snapshot (backpressure), so memory holds at most the
    images in flight plus ``bound`` images being uploaded. An upload's item is reported when
    the PUT has ended: ``done``, or ``failed`` with the refusal (never the end of the run);
    cancelled, ``not_run``."""

    def __init__(
        self, group: asyncio.TaskGroup, bound: int, on_result: Callable[[ItemResult], None]
    ) -> None:
        self._group = group
        self._slots = asyncio.Semaphore(bound)
        self._on_result = on_result

    async def hand_over(
        self,
        destination: Destination,
        planned: PlannedItem,
        snapshot: Snapshot,
        started: float,
        poster: PosterChoice | None = None,
    ) -> None:
        await self._slots.acquire()  # the backpressure: held here while the pool is full
        try:
            self._group.create_task(self._upload(destination, planned, snapshot, started, poster))
        except BaseException:
            self._slots.release()
            raise

    async def _upload(
        self,
        destination: Destination,
        planned: PlannedItem,
        snapshot: Snapshot,
        started: float,
        poster: PosterChoice | None,
    ) -> None:
        try:
            try:
                await destination.write(
                    planned.name, snapshot.content, content_type_for(planned.name)
                )
            except (CosError, OSError) as error:
                chosen = None if poster is None else poster.time
                where = destination.where(planned.name)
                result = _failed(planned, started, error, chosen, upload=where)
            else:
                result = _done(planned, snapshot, started, poster)
        except asyncio.CancelledError:
            self._on_result(ItemResult(planned, "not_run"))
            raise
        finally:
            self._slots.release()
        self._on_result(result)


class _Taker:
    """Takes one planned item: resolves its time, claims its name, skips an existing output,
    fetches, writes (or hands the image to the upload pool).

    Names are claimed in input order, so that of two items with one name the later fails
    ("same output as ...") whichever resolved first: an item waits for the claim of the item
    before it when that one is still resolving its time (a chain through the items in flight
    only; items with plain times and nothing pending claim at once)."""

    def __init__(
        self,
        client: AsyncSnapshotClient,
        *,
        force: bool,
        names: OutputNames | None,
        uploads: _Uploads,
        writer_threads: int,
        concurrency: int,
    ) -> None:
        self.client = client
        # The places of the snapshot requests in flight: an item's one, or an auto item's
        # candidates, each holds one, so that the run's requests are bounded and not only its
        # items (an auto item asks for 8 candidates at once).
        self.requests = asyncio.Semaphore(concurrency)
        self.writer_threads = writer_threads
        self.force = force
        self.names = names
        self.uploads = uploads
        self.infos = _MediaInfos(client, MEDIA_INFO_CACHE)
        self._last_claim: asyncio.Future[None] | None = None
        # One destination per place the items name (in practice one: the plan's).
        self.destinations: dict[OutputPlace, Destination] = {}

    def _names_for(self, planned: PlannedItem) -> OutputNames:
        if self.names is None:  # items without a plan: their own directory's registry
            self.names = OutputNames(planned.output_dir)
        return self.names

    def _destination_for(self, planned: PlannedItem) -> Destination:
        place = planned.output_dir
        destination = self.destinations.get(place)
        if destination is None:
            if isinstance(place, Path):
                destination = LocalDirectory(place, threads=self.writer_threads)
            else:  # a bucket: which outputs exist is told by one listing (not when forced)
                destination = BucketDestination(self.client, place, resume=not self.force)
            self.destinations[place] = destination
        return destination

    async def aclose(self) -> None:
        for destination in self.destinations.values():
            await destination.aclose()

    async def take(self, planned: PlannedItem) -> ItemResult | None:
        """The item's result, or ``None`` when its image was handed to the upload pool (which
        reports it)."""
        started = time.monotonic()
        # Taken in input order, before any await: this item's place in the chain of claims.
        before = self._last_claim
        if before is not None and before.done():
            before = None
        mine: asyncio.Future[None] | None = None
        if planned.item.relative or before is not None:
            mine = asyncio.get_running_loop().create_future()
            self._last_claim = mine
        try:
            if isinstance(planned.item, UnplannedItem):  # its error is known: nothing to ask
                return _failed(planned, started, planned.item.error)
            if planned.item.relative and not planned.item.auto:
                try:
                    planned = planned.resolve(await self.infos.get(planned.item.args.key))
                except (CosError, BatchInputError) as error:
                    return _failed(planned, started, error)
            if before is not None:
                await asyncio.wait((before,))  # not cancelled with this item
            try:
                self._names_for(planned).claim(planned)
            except NameTaken as taken:
                holder = taken.holder or await self._holder(taken.digest)
                return _failed(
                    planned,
                    started,
                    BatchInputError(f"{planned.path} is the same output as {holder}"),
                )
            except BatchInputError as error:
                return _failed(planned, started, error)
        finally:
            if mine is not None and not mine.done():
                mine.set_result(None)
        args = planned.item.args  # resolved above: checked, sent as it is
        destination = self._destination_for(planned)
        poster: PosterChoice | None = None
        try:
            if not self.force and await destination.exists(planned.name):
                return ItemResult(planned, "skipped")  # auto too: the service is not asked
            if planned.item.auto:
                poster = await self._poster(args)
                snapshot = poster.snapshot
            else:
                async with self.requests:
                    snapshot = await self.client.get_snapshot(args)
            if snapshot.format != args.format:
                return _failed(
                    planned,
                    started,
                    CosError(f"asked for {args.format}, got {snapshot.content_type}"),
                    None if poster is None else poster.time,
                )
            if destination.detached:  # the pool reports it when its upload ends
                await self.uploads.hand_over(destination, planned, snapshot, started, poster)
                return None
            try:
                await destination.write(planned.name, snapshot.content)
            except WrittenWhileCancelled:
                # The image is here and its file was being written: it was let become whole,
                # and is counted, so that what the run reports matches what is on disk.
                raise _FinishedWhileCancelled(_done(planned, snapshot, started, poster)) from None
        except (CosError, OSError) as error:
            return _failed(planned, started, error, None if poster is None else poster.time)
        return _done(planned, snapshot, started, poster)

    async def _poster(self, args: SnapshotArgs) -> PosterChoice:
        """The best poster of an ``auto`` item, at its size: its video's GetMediaInfo is the
        run's (one per video), the candidates and the poster are this item's requests."""
        from ..poster import apick_poster  # noqa: PLC0415 - Pillow, only for auto items

        return await apick_poster(
            self.client,
            args.key,
            width=args.width,
            height=args.height,
            format=args.format,
            rotate=args.rotate,
            info=await self.infos.get(args.key),
            limit=self.requests,
        )

    async def _holder(self, digest: bytes) -> str:
        """Who holds the name of ``digest``: the first item, reading the input again (rare), whose
        file it is."""
        earlier = self.names.earlier if self.names is not None else None
        if earlier is not None:
            for written in earlier():
                planned = written
                if planned.item.relative:
                    try:
                        planned = written.resolve(await self.infos.get(written.item.args.key))
                    except (CosError, BatchInputError):
                        continue
                try:
                    if self._names_for(planned).digest(planned) == digest:
                        return planned.item.origin
                except BatchInputError:
                    continue
        return "an earlier item"


def _done(
    planned: PlannedItem, snapshot: Snapshot, started: float, poster: PosterChoice | None = None
) -> ItemResult:
    return ItemResult(
        planned,
        "done",
        bytes=len(snapshot.content),
        width=snapshot.width,
        height=snapshot.height,
        seconds=time.monotonic() - started,
        chosen_time=None if poster is None else poster.time,
        fallback=poster is not None and poster.fallback,
    )


class _FinishedWhileCancelled(asyncio.CancelledError):
    """A cancellation that came while an item's file was being written: the item is done."""

    def __init__(self, result: ItemResult) -> None:
        super().__init__()
        self.result = result


def _taking(
    planned: Iterable[PlannedItem] | AsyncIterable[PlannedItem],
) -> Callable[[], Awaitable[PlannedItem | None]]:
    """The next planned item for whichever worker is free (``None`` at the end): from one
    shared iterator, or one shared async iterator (a listing), which one worker at a time
    advances."""
    if isinstance(planned, AsyncIterable):
        stream = aiter(planned)
        lock = asyncio.Lock()

        async def next_listed() -> PlannedItem | None:
            async with lock:
                return await anext(stream, None)

        return next_listed
    queue = iter(planned)

    async def next_read() -> PlannedItem | None:
        return next(queue, None)

    return next_read


async def run_batch(
    client: AsyncSnapshotClient,
    planned: Iterable[PlannedItem] | AsyncIterable[PlannedItem],
    *,
    concurrency: int,
    force: bool,
    on_result: Callable[[ItemResult], None],
    names: OutputNames | None = None,
    uploads: int | None = None,
) -> None:
    """Take the planned items in order, ``concurrency`` at a time from the first to the last
    (and at most ``concurrency`` snapshot requests in flight: the candidates of ``auto`` items
    count one each), calling ``on_result`` for each as it finishes: ``skipped`` when its output exists (unless
    ``force``), ``done`` or ``failed``. ``planned`` is iterated once, as the items are taken,
    so a :class:`BatchPlan` (or any iterator) streams; what it did not reach when the run is
    cancelled is still in it. A relative time is resolved when its video's first item runs,
    with one GetMediaInfo per video (an item of a video that has none fails, naming the
    problem).

    Where the outputs go is each item's ``output_dir``
    (:mod:`cos_snapshot.tools.destination`). A local directory: images are written on the
    event loop while writes are quick (a local disk) and by a few threads while they are slow
    (a network file system, say). A :class:`~cos_snapshot.tools.destination.BucketPrefix`:
    images are PUT with the format's ``Content-Type`` by a pool of at most ``uploads`` PUTs in
    flight (default: ``concurrency``) beside the ``concurrency`` snapshot requests; when the
    pool is full, a worker whose image has arrived waits for a place in it before it asks for
    another snapshot, so at most ``concurrency + uploads`` images are held. Which outputs
    exist is told by ONE listing of the prefix, read as the run goes (none when ``force``); a
    PUT refused fails its own item. Give ``client`` a connection pool for both
    (``max_connections`` of ``concurrency + uploads`` and one for the listing).

    Each item's output name is claimed in ``names`` (by default a registry of the items'
    output place) once known, in input order: a name that an earlier item holds, leaves the
    directory or is too long for it makes the item fail alone, and so does any error of one
    item. Item failures are results, not exceptions. Cancelling stops the requests and
    uploads in flight without writing anything for them, and each of them is reported
    ``not_run``; an item whose image has arrived and whose file is being written is finished
    first and reported ``done``.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    bound = concurrency if uploads is None else uploads
    if bound < 1:
        raise ValueError(f"uploads must be at least 1, not {bound}")
    take_next = _taking(planned)
    try:
        await _run(client, take_next, concurrency, force, on_result, names, bound)
    except BaseExceptionGroup as errors:
        # The items' source failed (a listing refused, say): raised as itself, as a loop over
        # the items would raise it, not as a group of the workers' errors.
        source = _source_error(errors)
        if source is None:
            raise
        raise source from None


class _SourceError(Exception):
    """The source of the items raised ``error`` (in a worker taking the next item)."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _source_error(errors: BaseExceptionGroup[BaseException]) -> Exception | None:
    """The error of the items' source, if that is what ``errors`` holds (besides
    cancellations)."""
    for error in errors.exceptions:
        if isinstance(error, _SourceError):
            return error.error
        if isinstance(error, BaseExceptionGroup):
            inner = _source_error(error)
            if inner is not None:
                return inner
    return None


async def _run(
    client: AsyncSnapshotClient,
    take_next: Callable[[], Awaitable[PlannedItem | None]],
    concurrency: int,
    force: bool,
    on_result: Callable[[ItemResult], None],
    names: OutputNames | None,
    bound: int,
) -> None:
    async with asyncio.TaskGroup() as group:
        taker = _Taker(
            client,
            force=force,
            names=names,
            uploads=_Uploads(group, bound, on_result),
            writer_threads=min(WRITER_THREADS, concurrency),
            concurrency=concurrency,
        )

        async def worker() -> None:
            # One shared iterator: each worker takes the next item when it is free.
            skips = 0
            while (item := await _next(take_next)) is not None:
                try:
                    try:
                        result = await taker.take(item)
                    except Exception as error:  # one item's bug or odd error: it fails alone
                        result = _failed(item, time.monotonic(), error)
                    if result is None:  # handed to the upload pool, which reports it
                        continue
                    if result.status == "skipped":
                        skips += 1
                        if skips % _SKIPS_BETWEEN_YIELDS == 0:
                            await asyncio.sleep(0)
                except _FinishedWhileCancelled as finished:
                    on_result(finished.result)
                    raise asyncio.CancelledError from None
                except asyncio.CancelledError:
                    on_result(ItemResult(item, "not_run"))
                    raise
                on_result(result)

        async def workers() -> None:
            try:
                async with asyncio.TaskGroup() as taking:
                    for _ in range(concurrency):
                        taking.create_task(worker())
            finally:
                await taker.aclose()

        group.create_task(workers())


async def _next(
    take_next: Callable[[], Awaitable[PlannedItem | None]],
) -> PlannedItem | None:
    try:
        return await take_next()
    except Exception as error:  # the source's own failure, told apart from the items'
        raise _SourceError(error) from error
