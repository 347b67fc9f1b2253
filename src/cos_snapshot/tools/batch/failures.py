"""The failures file: the items a run did not get done, as JSON Lines that
:func:`~cos_snapshot.tools.batch.iter_items` reads back (step 4 of
:mod:`cos_snapshot.tools.batch`)."""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ..._shared.files import install, plan_write, temporary_for, write_whole
from .run import ItemResult

#: The failures file's name in the output directory (``cos-snapshot batch``'s default).
FAILURES_NAME = "failures.jsonl"
_JSON_ROW = json.JSONEncoder(ensure_ascii=False)
#: The key of the one-line record that stands in a failures file while a run writes it (and
#: stays there when the run could not finish it): :func:`iter_items` refuses such a file.
INCOMPLETE = "incomplete"


def failure_row(result: ItemResult) -> dict[str, Any]:
    """A failed or not-run item as an input row (:func:`iter_items` reads it back to the same
    item and file name), with the reason in ``error`` (and the service's ``code`` and
    ``http_status`` when it answered)."""
    row = result.planned.to_row()
    if result.status == "not_run":
        row["error"] = "not run: interrupted"
    else:
        row.update(error=result.error, code=result.code, http_status=result.http_status)
    if result.chosen_time is not None:  # an auto item that failed after its frame was chosen
        row["chosen_time"] = result.chosen_time
    return row


class FailuresFile:
    """The failures file of a run, written as the results come: rows go to a temporary file
    beside ``path`` that replaces ``path`` when the block ends, or is removed, with ``path``,
    when no row was written, so the file lists exactly what the last run left undone.

    A previous run's file never passes for this run's: when the block starts, ``path`` is
    replaced by a one-line record ``{"incomplete": true, ...}`` that :func:`iter_items`
    refuses, which stays if the run is killed (SIGKILL, a crash) or cannot write its list (a
    full disk: :attr:`error` then says why). Only ``input``, the file the run reads its items
    from (the re-take of a failures file), is left as it is until the block ends: it is read
    to its last row first, and until then it is still a true list of what is left.

    If the block fails (other than by an interruption), or :meth:`abandon` was called, the
    rows are not installed."""

    def __init__(self, path: Path, *, input: Path | None = None) -> None:
        self.path = path
        self.rows = 0
        #: Why the list could not be written (a full disk, say): ``path`` is then marked
        #: incomplete, or removed.
        self.error: OSError | None = None
        self._is_input = input is not None and _same_file(path, input)
        self.marked = False
        self._temporary: Path | None = None
        self._stream: IO[str] | None = None
        self._abandoned = False

    def __enter__(self) -> Self:
        if not self._is_input:
            self._mark_incomplete()
        self._temporary = temporary_for(self.path)
        self._stream = self._temporary.open("w", encoding="utf-8")
        return self

    def _mark_incomplete(self) -> None:
        """Put the incomplete record where the last run's list was, or at least remove that."""
        how, path = plan_write(self.path)
        if how != "replace":
            return  # a device or a FIFO holds no list
        record = {
            INCOMPLETE: True,
            "error": f"the run that writes this list (process {os.getpid()}, started "
            f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')}) did not finish it",
        }
        try:
            write_whole(path, (_JSON_ROW.encode(record) + "\n").encode())
        except OSError:
            path.unlink(missing_ok=True)  # no room for the record: no list at all, then
        self.marked = True

    def add(self, result: ItemResult) -> None:
        """List ``result`` if it failed or did not run (other results are ignored). A row that
        cannot be written (a full disk) stops the list: :attr:`error` says why."""
        if result.status not in ("failed", "not_run"):
            return
        if self._stream is None:
            raise RuntimeError("FailuresFile.add is for inside its with block")
        self.rows += 1
        if self.error is not None:
            return
        try:
            self._stream.write(_JSON_ROW.encode(failure_row(result)) + "\n")
        except OSError as error:
            self.error = error

    @property
    def state(self) -> str:
        """What ``path`` holds when the list was not written: for messages."""
        if self.marked:
            return f"{self.path} is marked incomplete"
        return f"{self.path} was not written"

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
            try:
                self._stream.close()
            except OSError as error:  # the rows still buffered did not fit
                self.error = self.error or error
        if self._temporary is None:
            return
        if (
            self._abandoned
            or self.error is not None
            or (exc_type is not None and not issubclass(exc_type, KeyboardInterrupt))
        ):
            self._temporary.unlink(missing_ok=True)
            if self.error is not None and self._is_input:
                self._mark_incomplete()  # the input was read whole: this list replaces it
        elif self.rows:
            install(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)
            how, path = plan_write(self.path)
            if how == "replace":  # a device or a FIFO is left alone; a link, kept
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.abspath(one) == os.path.abspath(other)
