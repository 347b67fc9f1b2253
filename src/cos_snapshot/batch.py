r"""Snapshots of many keys × times into a directory, as a library: the work behind
``cos-snapshot batch``, usable without the command line.

The steps, each usable on its own:

1. items: :func:`items_from_arguments` (keys × :func:`parse_times`, or a
   :class:`~cos_snapshot.TimeSelection` such as ``--count 12``) or :func:`iter_items` (a CSV
   or JSON Lines file, read a row at a time) give :class:`BatchItem`\ s, and
   :class:`RelativeItem`\ s for times relative to the video (``50%``, ``end``), validated as
   they are read;
2. names: a :class:`BatchPlan` gives each item its file under the output directory, from a
   :class:`NameTemplate` (or the item's own ``output``), and :meth:`BatchPlan.check` reads the
   whole input once before anything is fetched, refusing bad rows and names that leave the
   directory or collide, keeping only a 16-byte digest of each name;
3. running: :func:`run_batch` streams the planned items (a second reading of the input)
   through an :class:`~cos_snapshot.AsyncSnapshotClient` with ``concurrency`` requests in
   flight, resolving relative times with one GetMediaInfo per video (fetched when its first
   item runs, and kept for the run), skipping files that exist, writing files (on the event
   loop while writes are quick, in threads while they are slow), and hands each finished item
   to a callback as an :class:`ItemResult`; a :class:`BatchTally` counts them;
4. failures: a :class:`FailuresFile` lists the items that did not get done as JSON Lines that
   :func:`iter_items` reads back, so they can be taken again; it is written as the run goes.

A file is only written once its image has arrived whole (:meth:`cos_snapshot.Snapshot.save` writes a
temporary file and renames it), so a cancelled run leaves finished files and nothing else, and
the next run skips the finished ones. Nothing is held per item: a run of millions of rows keeps
the names' digests of the check and the items in flight.

Example::

    plan = BatchPlan(
        lambda: items_from_arguments(["videos/a.mp4"], parse_times("0:60:5"), ItemDefaults()),
        NameTemplate(DEFAULT_TEMPLATE),
        Path("posters"),
    )
    tally = BatchTally(plan.check())

    with FailuresFile(Path("posters") / FAILURES_NAME) as failures:

        def on_result(result: ItemResult) -> None:
            tally.add(result)
            failures.add(result)

        async with AsyncSnapshotClient(bucket=..., region=...) as client:
            await run_batch(client, plan, concurrency=8, force=False, on_result=on_result)
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Any, Literal, Self, cast

import attrs

from . import AsyncSnapshotClient, CosError, CosServiceError, MediaInfo, Snapshot
from ._batch_items import (
    MAX_RANGE_TIMES,
    BatchInputError,
    BatchItem,
    Item,
    ItemDefaults,
    RelativeItem,
    TimeSelection,
    is_relative_time,
    items_from_arguments,
    iter_items,
    parse_times,
    read_items,
)
from ._files import temporary_beside
from ._output_names import DEFAULT_TEMPLATE, FIELDS, NameTemplate, format_for_name, safe_key_path

__all__ = [
    "DEFAULT_TEMPLATE",
    "FAILURES_NAME",
    "FIELDS",
    "MAX_RANGE_TIMES",
    "MEDIA_INFO_CACHE",
    "BatchInputError",
    "BatchItem",
    "BatchPlan",
    "BatchTally",
    "FailuresFile",
    "Item",
    "ItemDefaults",
    "ItemResult",
    "NameTemplate",
    "PlannedItem",
    "RelativeItem",
    "TimeSelection",
    "failure_row",
    "format_for_name",
    "is_relative_time",
    "items_from_arguments",
    "iter_items",
    "parse_times",
    "plan_outputs",
    "read_items",
    "run_batch",
    "safe_key_path",
]

#: The failures file's name in the output directory (``cos-snapshot batch``'s default).
FAILURES_NAME = "failures.jsonl"
#: How many videos' GetMediaInfo answers a run keeps (the least recently used go first).
MEDIA_INFO_CACHE = 1024
#: Threads that write the images while writes are too slow for the event loop.
WRITER_THREADS = 4
_JSON_ROW = json.JSONEncoder(ensure_ascii=False)
# A worker that skips this many existing files in a row lets the others run.
_SKIPS_BETWEEN_YIELDS = 64

Status = Literal["done", "skipped", "failed", "not_run"]


@attrs.frozen
class PlannedItem:
    """An item and the file its image goes to: ``name`` under ``output_dir``. For a
    :class:`RelativeItem`, ``name`` has the time as written (``clip_50%.jpg``) and
    :meth:`resolve` gives the planned item at the resolved seconds, named by ``template``."""

    item: Item
    output_dir: Path
    name: PurePosixPath
    template: NameTemplate | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def path(self) -> Path:
        """The file the image goes to."""
        return self.output_dir / self.name

    def resolve(self, info: MediaInfo) -> PlannedItem:
        """This item with its time resolved from the video's ``info`` and its file named from
        the resolved seconds (itself when its time is already seconds). Raises
        :class:`~cos_snapshot.CosInvalidArgumentError` when the time cannot be resolved and
        :class:`BatchInputError` when the name cannot be used."""
        if isinstance(self.item, BatchItem):
            return self
        item = self.item.resolve(info)
        name = self.template.render(item) if self.template is not None else self.name
        resolved = (self.output_dir / name).resolve()
        if not resolved.is_relative_to(self.output_dir.resolve()):
            raise BatchInputError(f"{item.origin}: {name} would be written outside the output")
        return PlannedItem(item, self.output_dir, name, self.template)

    def to_row(self) -> dict[str, Any]:
        """The item as an input row that writes to the same file name (a time relative to
        the video that was not resolved stays as written, and its row names no file)."""
        row = self.item.to_row()
        if isinstance(self.item, BatchItem) or self.item.output is not None:
            row["output"] = str(self.name)
        return row


def _check_suffix(planned: PlannedItem) -> None:
    """Refuse a name whose suffix promises another format than the item's image: a PNG in a
    file named ``.jpg`` misleads every program that opens it."""
    item = planned.item
    image = item.args.format if isinstance(item, BatchItem) else item.params.format
    named = format_for_name(planned.name)
    if named is not None and named != image:
        fix = (
            f"name its output .{image}"
            if item.output is not None
            else f"end --name-template with .{image} or .{{format}}"
        )
        raise BatchInputError(
            f"{item.origin}: {planned.name} is a {named} name for a {image} image; {fix}"
        )


def _digest(path: str) -> bytes:
    return hashlib.blake2b(path.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class _Names:
    """Output names made absolute as :meth:`Path.resolve` would, resolving each directory once
    (a few recent ones are kept) and the file itself only when it is a symbolic link."""

    def __init__(self, output_dir: Path) -> None:
        self.root = output_dir.resolve()
        self.directory = functools.lru_cache(maxsize=4096)(self._directory)

    def _directory(self, relative: PurePosixPath) -> str:
        return str((self.root / relative).resolve())

    def resolved(self, name: PurePosixPath) -> str:
        path = os.path.join(self.directory(name.parent), name.name)
        if os.path.islink(path):
            path = str(Path(path).resolve())
        return path

    def inside(self, path: str) -> bool:
        root = str(self.root)
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


@attrs.frozen
class BatchPlan:
    """The planned items of a batch, read afresh from ``items`` each time the plan is iterated
    (a file read again, keys × times generated again), so that nothing is held per item.

    ``items`` is a callable that returns a new iterable of the items each time, such as
    ``lambda: iter_items(path, defaults)``. :meth:`check` is the first pass, iterating the
    plan is the second.
    """

    items: Callable[[], Iterable[Item]]
    template: NameTemplate
    output_dir: Path

    def __iter__(self) -> Iterator[PlannedItem]:
        template, output_dir = self.template, self.output_dir
        for item in self.items():
            yield PlannedItem(item, output_dir, template.render(item), template)

    def check(self, *, reserved: Mapping[Path, str] | None = None) -> int:
        """Read every item once, before anything is fetched, and return how many there are.

        Raises :class:`BatchInputError` for a bad row, a name that leaves the output
        directory (through a symbolic link, say), a name whose suffix promises another
        image format (``.jpg`` for a png), two items that would write the same file,
        and an item that would write to one of the ``reserved`` paths (mapped to what they
        are, such as ``"the failures file"``). Only a 16-byte digest of each name is kept.
        A time relative to the video is checked in its written form (``clip_50%.jpg``): its
        video is not asked for its duration here.
        """
        names = _Names(self.output_dir)
        taken_by: dict[bytes, tuple[Path, str]] = {
            _digest(str(path.resolve())): (path, what) for path, what in (reserved or {}).items()
        }
        seen: set[bytes] = set()
        count = 0
        for planned in self:
            _check_suffix(planned)
            resolved = names.resolved(planned.name)
            if not names.inside(resolved):
                raise BatchInputError(
                    f"{planned.item.origin}: {planned.name} would be written outside {names.root}"
                )
            digest = _digest(resolved)
            if digest in taken_by:
                path, what = taken_by[digest]
                raise BatchInputError(f"{planned.item.origin} would overwrite {what} {path}")
            if digest in seen:
                raise self._clash(names, digest, planned)
            seen.add(digest)
            count += 1
        return count

    def _clash(self, names: _Names, digest: bytes, second: PlannedItem) -> BatchInputError:
        # Rare, so the first item is found by reading the input again rather than kept.
        first = next(p for p in self if _digest(names.resolved(p.name)) == digest)
        return BatchInputError(
            f"--name-template {self.template.text!r} names both {first.item.origin} and "
            f"{second.item.origin} {second.name}; add {{key}}, {{time}} or {{index}} to tell "
            "them apart"
        )


def plan_outputs(
    items: Iterable[Item], template: NameTemplate, output_dir: Path
) -> list[PlannedItem]:
    """Each item's output path, checked as :meth:`BatchPlan.check` does, in a list (for small
    batches: a :class:`BatchPlan` streams)."""
    held = list(items)
    plan = BatchPlan(lambda: held, template, output_dir)
    plan.check()
    return list(plan)


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


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _failed(planned: PlannedItem, started: float, error: BaseException) -> ItemResult:
    if isinstance(error, CosServiceError):
        return ItemResult(
            planned,
            "failed",
            seconds=time.monotonic() - started,
            error=_one_line(error),
            code=error.code,
            http_status=error.status,
        )
    return ItemResult(planned, "failed", seconds=time.monotonic() - started, error=_one_line(error))


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
        started = time.perf_counter()
        try:
            snapshot.save(path)
        finally:
            # From a writer thread too: a lost update only delays the switch by a write.
            self.average_s += (time.perf_counter() - started - self.average_s) * self.WEIGHT


class _Taker:
    """Takes one planned item: resolves its time, skips an existing file, fetches, saves."""

    def __init__(self, client: AsyncSnapshotClient, *, force: bool, writer: _Writer) -> None:
        self.client = client
        self.force = force
        self.writer = writer
        self.infos = _MediaInfos(client, MEDIA_INFO_CACHE)

    async def take(self, planned: PlannedItem) -> ItemResult:
        started = time.monotonic()
        if isinstance(planned.item, RelativeItem):
            try:
                planned = planned.resolve(await self.infos.get(planned.item.key))
            except (CosError, BatchInputError) as error:
                return _failed(planned, started, error)
        if not self.force and planned.path.is_file():
            return ItemResult(planned, "skipped")
        args = cast(BatchItem, planned.item).args  # resolved above
        try:
            snapshot = await self.client.get_snapshot(
                args.key,
                args.time,
                width=args.width,
                height=args.height,
                format=args.format,
                rotate=args.rotate,
                mode=args.mode,
            )
            if snapshot.format != args.format:
                return ItemResult(
                    planned,
                    "failed",
                    seconds=time.monotonic() - started,
                    error=f"asked for {args.format}, got {snapshot.content_type}",
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
                    raise _FinishedWhileCancelled(self._done(planned, snapshot, started)) from None
        except (CosError, OSError) as error:
            return _failed(planned, started, error)
        return self._done(planned, snapshot, started)

    @staticmethod
    def _done(planned: PlannedItem, snapshot: Snapshot, started: float) -> ItemResult:
        return ItemResult(
            planned,
            "done",
            bytes=len(snapshot.content),
            width=snapshot.width,
            height=snapshot.height,
            seconds=time.monotonic() - started,
        )


class _FinishedWhileCancelled(asyncio.CancelledError):
    """A cancellation that came while an item's file was being written: the item is done."""

    def __init__(self, result: ItemResult) -> None:
        super().__init__()
        self.result = result


async def run_batch(
    client: AsyncSnapshotClient,
    planned: Iterable[PlannedItem],
    *,
    concurrency: int,
    force: bool,
    on_result: Callable[[ItemResult], None],
) -> None:
    """Take the planned items in order, ``concurrency`` at a time from the first to the last,
    calling ``on_result`` for each as it finishes: ``skipped`` when its file exists (unless
    ``force``), ``done`` or ``failed``. ``planned`` is iterated once, as the items are taken,
    so a :class:`BatchPlan` (or any iterator) streams; what it did not reach when the run is
    cancelled is still in it. A relative time is resolved when its video's first item runs,
    with one GetMediaInfo per video (an item of a video that has none fails, naming the
    problem). Images are written on the event loop while writes are quick (a local disk) and
    by a few threads while they are slow (a network file system, say).

    Item failures are results, not exceptions. Cancelling stops the requests in flight
    without writing anything for them, and each of them is reported ``not_run``; an item whose
    image has arrived and is being written is finished first and reported ``done``.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    queue = iter(planned)
    with ThreadPoolExecutor(
        max_workers=min(WRITER_THREADS, concurrency), thread_name_prefix="cos-snapshot-write"
    ) as threads:  # started only if writes turn slow
        taker = _Taker(client, force=force, writer=_Writer(threads))

        async def worker() -> None:
            # One shared iterator: each worker takes the next item when it is free.
            skips = 0
            for item in queue:
                try:
                    result = await taker.take(item)
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


def failure_row(result: ItemResult) -> dict[str, Any]:
    """A failed or not-run item as an input row (:func:`iter_items` reads it back to the same
    item and file name), with the reason in ``error`` (and the service's ``code`` and
    ``http_status`` when it answered)."""
    row = result.planned.to_row()
    if result.status == "not_run":
        row["error"] = "not run: interrupted"
    else:
        row.update(error=result.error, code=result.code, http_status=result.http_status)
    return row


class FailuresFile:
    """The failures file of a run, written as the results come: rows go to a temporary file
    beside ``path`` that replaces ``path`` when the block ends, or is removed, with ``path``,
    when no row was written, so the file lists exactly what the last run left undone. If the
    block fails (other than by an interruption), or :meth:`abandon` was called, ``path`` is
    left as it was."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self._temporary = temporary_beside(path)
        self._stream: IO[str] | None = None
        self._abandoned = False

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._stream = self._temporary.open("x", encoding="utf-8")
        return self

    def add(self, result: ItemResult) -> None:
        """List ``result`` if it failed or did not run (other results are ignored)."""
        if result.status not in ("failed", "not_run"):
            return
        if self._stream is None:
            raise RuntimeError("FailuresFile.add is for inside its with block")
        self._stream.write(_JSON_ROW.encode(failure_row(result)) + "\n")
        self.rows += 1

    def abandon(self) -> None:
        """Write nothing when the block ends: ``path`` is left as it was. For a list that could
        not be finished (an interruption while it was written), which would otherwise pass for
        the whole of what the run left undone."""
        self._abandoned = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.close()
        if self._abandoned or (
            exc_type is not None and not issubclass(exc_type, KeyboardInterrupt)
        ):
            self._temporary.unlink(missing_ok=True)
        elif self.rows:
            os.replace(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
