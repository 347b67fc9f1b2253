r"""Snapshots of many keys × times into a directory, as a library: the work behind
``cos-snapshot batch``, usable without the command line.

The steps, each usable on its own:

1. items: :func:`items_from_arguments` (keys × :func:`parse_times`) or :func:`read_items` (a CSV
   or JSON Lines file) give :class:`BatchItem`\ s, validated before anything is sent;
2. names: :func:`plan_outputs` gives each item its file under the output directory, from a
   :class:`NameTemplate` (or the item's own ``output``), refusing names that leave the directory
   or collide;
3. running: :func:`run_batch` takes the planned items through an
   :class:`~cos_snapshot.AsyncSnapshotClient` with a bounded number of requests in flight,
   skipping files that exist, and hands each finished item to a callback as an
   :class:`ItemResult`; a :class:`BatchTally` counts them;
4. failures: :func:`write_failures` lists the items that did not get done as JSON Lines that
   :func:`read_items` reads back, so they can be taken again.

A file is only written once its image has arrived whole (:meth:`cos_snapshot.Snapshot.save` writes a
temporary file and renames it), so a cancelled run leaves finished files and nothing else, and
the next run skips the finished ones.

Example::

    items = items_from_arguments(["videos/a.mp4"], parse_times("0:60:5"), ItemDefaults())
    planned = plan_outputs(items, NameTemplate(DEFAULT_TEMPLATE), Path("posters"))
    tally = BatchTally(planned)
    async with AsyncSnapshotClient(bucket=..., region=...) as client:
        await run_batch(client, planned, concurrency=8, force=False, on_result=tally.add)
    write_failures(Path("posters") / FAILURES_NAME, tally)
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Literal

import attrs

from . import AsyncSnapshotClient, CosError, CosServiceError
from ._batch_items import (
    MAX_RANGE_TIMES,
    BatchInputError,
    BatchItem,
    ItemDefaults,
    items_from_arguments,
    parse_times,
    read_items,
)
from ._files import replacing
from ._output_names import DEFAULT_TEMPLATE, FIELDS, NameTemplate, safe_key_path

__all__ = [
    "DEFAULT_TEMPLATE",
    "FAILURES_NAME",
    "FIELDS",
    "MAX_RANGE_TIMES",
    "BatchInputError",
    "BatchItem",
    "BatchTally",
    "ItemDefaults",
    "ItemResult",
    "NameTemplate",
    "PlannedItem",
    "failure_rows",
    "items_from_arguments",
    "parse_times",
    "plan_outputs",
    "read_items",
    "run_batch",
    "safe_key_path",
    "write_failures",
]

#: The failures file's name in the output directory (``cos-snapshot batch``'s default).
FAILURES_NAME = "failures.jsonl"

Status = Literal["done", "skipped", "failed"]


@attrs.frozen
class PlannedItem:
    """An item and the file its image goes to: ``name`` under ``output_dir``."""

    item: BatchItem
    output_dir: Path
    name: PurePosixPath

    @property
    def path(self) -> Path:
        """The file the image goes to."""
        return self.output_dir / self.name

    def to_row(self) -> dict[str, Any]:
        """The item as an input row that writes to the same file name."""
        return {**self.item.to_row(), "output": str(self.name)}


def plan_outputs(
    items: Sequence[BatchItem], template: NameTemplate, output_dir: Path
) -> list[PlannedItem]:
    """Each item's output path. Refuses a name that leaves ``output_dir`` (through a symbolic
    link, say) and two items that would write the same file."""
    root = output_dir.resolve()
    taken: dict[Path, BatchItem] = {}
    planned: list[PlannedItem] = []
    for item in items:
        relative = template.render(item)
        resolved = (root / relative).resolve()
        if not resolved.is_relative_to(root):
            raise BatchInputError(f"{item.origin}: {relative} would be written outside {root}")
        if resolved in taken:
            raise BatchInputError(
                f"--name-template {template.text!r} names both {taken[resolved].origin} and "
                f"{item.origin} {relative}; add {{key}}, {{time}} or {{index}} to tell them apart"
            )
        taken[resolved] = item
        planned.append(PlannedItem(item, output_dir, relative))
    return planned


@attrs.frozen
class ItemResult:
    """What happened to one item. ``error`` is a one-line reason when it failed; ``code`` and
    ``http_status`` are the service's answer when there was one."""

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
    """Running counts of a batch, and the items that did not get done."""

    planned: Sequence[PlannedItem]
    started: float = attrs.field(factory=time.monotonic)
    done: int = 0
    skipped: int = 0
    failed: list[ItemResult] = attrs.field(factory=list)
    bytes: int = 0
    interrupted: bool = False
    _finished: set[PlannedItem] = attrs.field(factory=set)

    def add(self, result: ItemResult) -> None:
        """Count one finished item (a :func:`run_batch` ``on_result`` callback)."""
        self._finished.add(result.planned)
        if result.status == "done":
            self.done += 1
            self.bytes += result.bytes
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed.append(result)

    @property
    def total(self) -> int:
        """How many items were planned."""
        return len(self.planned)

    @property
    def seconds(self) -> float:
        """Seconds since the tally was made."""
        return time.monotonic() - self.started

    def unfinished(self) -> list[PlannedItem]:
        """Items neither done, skipped nor failed (an interrupted run's remainder)."""
        return [p for p in self.planned if p not in self._finished]

    def summary(self) -> dict[str, Any]:
        """The counts as one JSON record (``"type": "summary"``)."""
        return {
            "type": "summary",
            "total": self.total,
            "done": self.done,
            "skipped": self.skipped,
            "failed": len(self.failed),
            "not_run": len(self.unfinished()),
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "interrupted": self.interrupted,
        }


async def _take(client: AsyncSnapshotClient, planned: PlannedItem) -> ItemResult:
    args = planned.item.args
    started = time.monotonic()
    try:
        snapshot = await client.get_snapshot(
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
        snapshot.save(planned.path)
    except CosServiceError as error:
        return ItemResult(
            planned,
            "failed",
            seconds=time.monotonic() - started,
            error=" ".join(str(error).split()),
            code=error.code,
            http_status=error.status,
        )
    except (CosError, OSError) as error:
        return ItemResult(
            planned,
            "failed",
            seconds=time.monotonic() - started,
            error=" ".join(str(error).split()) or type(error).__name__,
        )
    return ItemResult(
        planned,
        "done",
        bytes=len(snapshot.content),
        width=snapshot.width,
        height=snapshot.height,
        seconds=time.monotonic() - started,
    )


async def run_batch(
    client: AsyncSnapshotClient,
    planned: Sequence[PlannedItem],
    *,
    concurrency: int,
    force: bool,
    on_result: Callable[[ItemResult], None],
) -> None:
    """Take every planned item whose file does not exist yet (all of them with ``force``), at
    most ``concurrency`` at a time, calling ``on_result`` for each item as it finishes (skipped
    ones first). Item failures are results, not exceptions; cancelling stops the requests in
    flight without writing anything for them."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    pending: list[PlannedItem] = []
    for item in planned:
        if not force and item.path.is_file():
            on_result(ItemResult(item, "skipped"))
        else:
            pending.append(item)
    queue: Iterator[PlannedItem] = iter(pending)

    async def worker() -> None:
        # One shared iterator: each worker takes the next item when it is free.
        for item in queue:
            on_result(await _take(client, item))

    async with asyncio.TaskGroup() as group:
        for _ in range(min(concurrency, len(pending))):
            group.create_task(worker())


def failure_rows(tally: BatchTally) -> list[dict[str, Any]]:
    """The items of ``tally`` that did not get done, as input rows (:func:`read_items` reads
    them back to the same items and file names), with the reason in ``error`` (and the
    service's ``code`` and ``http_status`` when it answered); items an interruption left
    unrun say so."""
    rows = []
    for result in tally.failed:
        row = result.planned.to_row()
        row.update(error=result.error, code=result.code, http_status=result.http_status)
        rows.append(row)
    for planned in tally.unfinished():
        rows.append({**planned.to_row(), "error": "not run: interrupted"})
    return rows


def write_failures(path: Path, tally: BatchTally) -> bool:
    """Write :func:`failure_rows` to ``path`` as JSON Lines, whole or not at all; remove the
    file when there are none. Returns whether the file now exists."""
    rows = failure_rows(tally)
    if not rows:
        path.unlink(missing_ok=True)
        return False
    with replacing(path) as temporary, temporary.open("w", encoding="utf-8") as stream:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
    return True
