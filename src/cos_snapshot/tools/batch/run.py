"""Running a planned batch: snapshots fetched with a bounded number in flight, relative
times resolved, files skipped or written, each result handed to a callback (step 3 of
:mod:`cos_snapshot.tools.batch`)."""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ... import AsyncSnapshotClient, CosError, CosServiceError, MediaInfo, Snapshot, SnapshotArgs
from ..._shared.text import one_line
from .items import BatchInputError
from .plan import NameTaken, OutputNames, PlannedItem

if TYPE_CHECKING:
    from ..poster import PosterChoice

#: How many videos' GetMediaInfo answers a run keeps (the least recently used go first).
MEDIA_INFO_CACHE = 1024
#: Threads that write the images while writes are too slow for the event loop.
WRITER_THREADS = 4
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
            output=str(self.planned.path),
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
    planned: PlannedItem, started: float, error: BaseException, chosen: str | None = None
) -> ItemResult:
    if isinstance(error, CosServiceError):
        return ItemResult(
            planned,
            "failed",
            seconds=time.monotonic() - started,
            error=one_line(error),
            code=error.code,
            http_status=error.status,
            chosen_time=chosen,
        )
    return ItemResult(
        planned,
        "failed",
        seconds=time.monotonic() - started,
        error=one_line(error),
        chosen_time=chosen,
    )


#: What the writer times its writes with (the tests give it a clock of their own, so that what
#: they check does not depend on how busy the machine is).
_write_clock = time.perf_counter


class _Writer:
    """Writes the images: on the event loop while writes are quick, in a few threads while they
    are slow, judged by the average time of the recent writes.

    A small file on a local disk takes well under a millisecond to write, less than handing it
    to a thread and back costs (measured: that hand-off was a quarter to a third of a batch's
    CPU per snapshot at 32 and 128 in flight); a slow file system (a network share, a disk
    busy elsewhere) would hold up every request in flight if written on the loop."""

    #: Writes on the loop while the recent average is below this many seconds.
    SLOW_S = 0.002
    #: The weight of the newest write in the average.
    WEIGHT = 0.2

    def __init__(self, threads: ThreadPoolExecutor) -> None:
        self.threads = threads
        self.average_s = 0.0

    @property
    def inline(self) -> bool:
        """Whether the next write happens on the event loop."""
        return self.average_s < self.SLOW_S

    def save(self, snapshot: Snapshot, path: Path) -> None:
        """Write ``snapshot`` to ``path`` (whole or not at all) and count how long it took."""
        started = _write_clock()
        try:
            snapshot.save(path)
        finally:
            # From a writer thread too: a lost update only delays the switch by a write.
            self.average_s += (_write_clock() - started - self.average_s) * self.WEIGHT


class _Taker:
    """Takes one planned item: resolves its time, claims its name, skips an existing file,
    fetches, saves.

    Names are claimed in input order, so that of two items with one name the later fails
    ("same output as ...") whichever resolved first: an item waits for the claim of the item
    before it when that one is still resolving its time (a chain through the items in flight
    only; items with plain times and nothing pending claim at once)."""

    def __init__(
        self,
        client: AsyncSnapshotClient,
        *,
        force: bool,
        writer: _Writer,
        names: OutputNames | None,
    ) -> None:
        self.client = client
        self.force = force
        self.writer = writer
        self.names = names
        self.infos = _MediaInfos(client, MEDIA_INFO_CACHE)
        self._last_claim: asyncio.Future[None] | None = None

    def _names_for(self, planned: PlannedItem) -> OutputNames:
        if self.names is None:  # items without a plan: their own directory's registry
            self.names = OutputNames(planned.output_dir)
        return self.names

    async def take(self, planned: PlannedItem) -> ItemResult:
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
        poster: PosterChoice | None = None
        try:
            if not self.force and planned.path.is_file():
                return ItemResult(planned, "skipped")  # auto too: the service is not asked
            if planned.item.auto:
                poster = await self._poster(args)
                snapshot = poster.snapshot
            else:
                snapshot = await self.client.get_snapshot(args)
            if snapshot.format != args.format:
                return _failed(
                    planned,
                    started,
                    CosError(f"asked for {args.format}, got {snapshot.content_type}"),
                    None if poster is None else poster.time,
                )
            if self.writer.inline:
                self.writer.save(snapshot, planned.path)
            else:
                loop = asyncio.get_running_loop()
                save = loop.run_in_executor(
                    self.writer.threads, self.writer.save, snapshot, planned.path
                )
                try:
                    await asyncio.shield(save)
                except asyncio.CancelledError:
                    # The image is here and its file is being written: let the file become
                    # whole and count it, so that what the run reports matches what is on disk.
                    await save
                    raise _FinishedWhileCancelled(
                        self._done(planned, snapshot, started, poster)
                    ) from None
        except (CosError, OSError) as error:
            return _failed(planned, started, error, None if poster is None else poster.time)
        return self._done(planned, snapshot, started, poster)

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

    @staticmethod
    def _done(
        planned: PlannedItem, snapshot: Snapshot, started: float, poster: PosterChoice | None
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
) -> None:
    """Take the planned items in order, ``concurrency`` at a time from the first to the last,
    calling ``on_result`` for each as it finishes: ``skipped`` when its file exists (unless
    ``force``), ``done`` or ``failed``. ``planned`` is iterated once, as the items are taken,
    so a :class:`BatchPlan` (or any iterator) streams; what it did not reach when the run is
    cancelled is still in it. A relative time is resolved when its video's first item runs,
    with one GetMediaInfo per video (an item of a video that has none fails, naming the
    problem). Images are written on the event loop while writes are quick (a local disk) and
    by a few threads while they are slow (a network file system, say).

    Each item's file name is claimed in ``names`` (by default a registry of the items' output
    directory) once known, in input order: a name that an earlier item holds, leaves the
    directory or is too long for it makes the item fail alone, and so does any error of one
    item. Item failures are results, not exceptions. Cancelling stops the requests in flight
    without writing anything for them, and each of them is reported ``not_run``; an item whose
    image has arrived and is being written is finished first and reported ``done``.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    take_next = _taking(planned)
    with ThreadPoolExecutor(
        max_workers=min(WRITER_THREADS, concurrency), thread_name_prefix="cos-snapshot-write"
    ) as threads:  # started only if writes turn slow
        taker = _Taker(client, force=force, writer=_Writer(threads), names=names)

        async def worker() -> None:
            # One shared iterator: each worker takes the next item when it is free.
            skips = 0
            while (item := await take_next()) is not None:
                try:
                    try:
                        result = await taker.take(item)
                    except Exception as error:  # one item's bug or odd error: it fails alone
                        result = _failed(item, time.monotonic(), error)
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

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
