"""Progress of a batch on the terminal: a rich bar on a terminal, redrawn at most ten times a
second, or plain lines (one per taken item, written at most ten times a second) otherwise."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from .._shared.text import plural
from ..tools.batch import ItemResult

__all__ = [
    "PlainProgress",
    "Progress",
    "QuietProgress",
    "RichProgress",
    "progress_for",
    "size_text",
]


def size_text(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _describe(result: ItemResult) -> str:
    item = result.planned.item
    what = f"{item.args.key} @ {item.time}" + ("" if item.relative else " s")
    if result.chosen_time is not None:  # auto: the time it chose
        least = ", the least bad: every candidate failed a gate" if result.fallback else ""
        what += f" ({result.chosen_time} s{least})"
    if result.status == "failed":
        return f"{what}: {result.error}"
    return f"{what} -> {result.planned.where} ({result.width}x{result.height}, {size_text(result.bytes)})"


class PlainProgress:
    """One line per taken item on a stream (stderr); skipped items as one count. The lines
    are written at most :attr:`WRITES_PER_SECOND` times a second (and at the end), not one
    write each: a log that follows the run lags it by a tenth of a second at most.
    Called on the event loop (it waits there to write)."""

    WRITES_PER_SECOND = 10

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.finished = 0
        self._skipped = 0
        self._lines: list[str] = []
        self._written = time.monotonic()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._add_skipped()
        self._write()

    def _add_skipped(self) -> None:
        if self._skipped:
            self._lines.append(
                f"skipped {plural(self._skipped, 'item')} whose "
                + (
                    "file exists (--force takes it again)\n"
                    if self._skipped == 1
                    else "files exist (--force takes them again)\n"
                )
            )
            self._skipped = 0

    def _write(self) -> None:
        if self._lines:
            self.stream.write("".join(self._lines))
            self.stream.flush()
            self._lines.clear()
        self._written = time.monotonic()

    def update(self, result: ItemResult) -> None:
        if result.status == "not_run":  # after Ctrl-C: the summary counts them, one line
            return
        self.finished += 1
        if result.status == "skipped":
            self._skipped += 1
            return
        self._add_skipped()
        label = "done" if result.status == "done" else "FAILED"
        # A total of 0 is one not known yet (a listing): the count alone, not "[1/0]".
        count = f"{self.finished}/{self.total}" if self.total else str(self.finished)
        self._lines.append(f"[{count}] {label:6} {_describe(result)}\n")
        if len(self._lines) == 1:  # the first since the last write: write now or soon
            wait = self._written + 1 / self.WRITES_PER_SECOND - time.monotonic()
            try:
                if wait > 0:
                    asyncio.get_running_loop().call_later(wait, self._write)
                    return
            except RuntimeError:  # no event loop to wait on
                pass
            self._write()


class QuietProgress(PlainProgress):
    def update(self, result: ItemResult) -> None:
        pass


class RichProgress:
    """A progress bar on the terminal, redrawn at most :attr:`REDRAWS_PER_SECOND` times a
    second however fast items finish; failures are printed above it as they happen."""

    REDRAWS_PER_SECOND = 10

    def __init__(self, total: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        from rich.console import Console  # noqa: PLC0415 - optional extra
        from rich.progress import (  # noqa: PLC0415 - optional extra
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "[green]{task.fields[done]} done[/] · {task.fields[skipped]} skipped · "
                "[red]{task.fields[failed]} failed[/]"
            ),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            refresh_per_second=self.REDRAWS_PER_SECOND,
        )
        self._task = self._progress.add_task(  # total None: not known yet (a listing)
            "batch", total=total or None, done=0, skipped=0, failed=0
        )
        self._counts = {"done": 0, "skipped": 0, "failed": 0, "not_run": 0}
        self._shown = 0  # items the bar has been told about
        self._clock = clock
        self._next_update = clock()

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._show()
        self._progress.stop()

    def _show(self) -> None:
        # Items listed as not run after Ctrl-C are not done: the bar counts what finished.
        finished = sum(count for status, count in self._counts.items() if status != "not_run")
        self._progress.update(
            self._task,
            advance=finished - self._shown,
            done=self._counts["done"],
            skipped=self._counts["skipped"],
            failed=self._counts["failed"],
        )
        self._shown = finished
        self._next_update = self._clock() + 1 / self.REDRAWS_PER_SECOND

    def update(self, result: ItemResult) -> None:
        self._counts[result.status] += 1
        if result.status == "failed":
            from rich.text import Text  # noqa: PLC0415 - optional extra

            self._progress.console.print(Text.assemble(("failed ", "bold red"), _describe(result)))
        if self._clock() >= self._next_update:
            self._show()


Progress = PlainProgress | RichProgress


def progress_for(total: int, *, quiet: bool) -> Progress:
    """The display for a run of ``total`` items: a rich bar on a terminal (with the ``cli``
    extra), plain lines otherwise, or only the failures with ``quiet``."""
    if quiet:
        return QuietProgress(sys.stderr, total)
    if sys.stderr.isatty():
        try:
            return RichProgress(total)
        except ImportError:  # rich is the cli extra; without it, plain lines
            pass
    return PlainProgress(sys.stderr, total)
