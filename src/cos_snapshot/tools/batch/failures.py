"""The failures file: the items a run did not get done, as JSON Lines that
:func:`~cos_snapshot.tools.batch.iter_items` reads back (step 4 of
:mod:`cos_snapshot.tools.batch`)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ..._shared.files import install, plan_write, temporary_for
from .run import ItemResult

#: The failures file's name in the output directory (``cos-snapshot batch``'s default).
FAILURES_NAME = "failures.jsonl"
_JSON_ROW = json.JSONEncoder(ensure_ascii=False)


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
        self._temporary: Path | None = None
        self._stream: IO[str] | None = None
        self._abandoned = False

    def __enter__(self) -> Self:
        self._temporary = temporary_for(self.path)
        self._stream = self._temporary.open("w", encoding="utf-8")
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
        if self._temporary is None:
            return
        if self._abandoned or (
            exc_type is not None and not issubclass(exc_type, KeyboardInterrupt)
        ):
            self._temporary.unlink(missing_ok=True)
        elif self.rows:
            install(self._temporary, self.path)
        else:
            self._temporary.unlink(missing_ok=True)
            how, path = plan_write(self.path)
            if how == "replace":  # a device or a FIFO is left alone; a link, kept
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
