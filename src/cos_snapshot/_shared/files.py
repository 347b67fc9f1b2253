"""Writing a file whole or not at all, never replacing what the write does not own.

A write goes to a temporary file beside its target, renamed onto the target once it is complete,
so a reader (or the next run) never sees half a file. What the target already is decides the
rest (:func:`plan_write`):

- missing, or a regular file: replaced by the rename;
- a symbolic link: the link is kept and the file it points to is written (a dangling link's
  destination is created), as ``cp`` and shell redirection do;
- a character device or a FIFO (``/dev/null``, ``/dev/stdout``, a named pipe): written through,
  in place, with no temporary: there is nothing to replace, and replacing would turn
  ``/dev/null`` into a regular file for every process of the machine;
- anything else (a directory, a block device, a socket): refused with :class:`NotWritableError`,
  naming the path.

Temporaries are named ``.cos-snapshot.<host>.<pid>.<random>.partial`` (plus the target's suffix
where a writer needs it), so that a run killed by SIGKILL or a full disk leaves files its
successors recognise: the first write into a directory sweeps the temporaries there whose
writer is gone (same host, process not running) or that are older than
:data:`STALE_AFTER_S`, never those of a live run. The host part is a short hash of the host
name, so runs in two containers sharing a volume never take each other's process ids for their
own.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

__all__ = [
    "STALE_AFTER_S",
    "LineLog",
    "NotWritableError",
    "install",
    "is_temporary",
    "plan_write",
    "replacing",
    "sweep_stale",
    "temporary_beside",
    "temporary_for",
    "write_whole",
]

#: A temporary older than this is swept whoever wrote it (a day: no run of ours lasts longer
#: between two writes of one file, and a writer on another host cannot be asked whether it runs).
STALE_AFTER_S = 24 * 3600

_PREFIX = ".cos-snapshot"
_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_TEMPORARY = re.compile(
    rf"^{re.escape(_PREFIX)}\.(?P<host>[0-9a-f]{{6}})\.(?P<pid>[0-9]{{1,10}})\.[0-9a-f]{{8}}"
    r"\.partial(?:\.[A-Za-z0-9]{1,8})?$"
)
# The directories this process has swept, the most recent last (bounded: a batch over keys
# in a million directories must not hold a million names; one forgotten costs a rescan).
_swept: OrderedDict[str, None] = OrderedDict()
_SWEPT_KEPT = 4096
_swept_lock = threading.Lock()

Plan = Literal["replace", "through"]


class NotWritableError(OSError):
    """The target is neither a regular file, a link to one, a character device nor a FIFO (a
    directory, a block device, a socket): writing it would replace or damage what the write
    does not own."""


@contextlib.contextmanager
def _about(target: Path) -> Iterator[None]:
    """An :class:`OSError` raised within, about a temporary or the file a link points to,
    raised again about ``target``: the path the caller gave is the one a person knows (the
    error's class and errno are kept)."""
    try:
        yield
    except NotWritableError:
        raise
    except OSError as error:
        if error.filename is None or (error.filename == str(target) and error.filename2 is None):
            raise
        raise type(error)(error.errno, error.strerror or str(error), str(target)) from None


def is_temporary(name: str) -> bool:
    """Whether ``name`` is one of our temporaries (they are never outputs, inputs or listings)."""
    return _TEMPORARY.match(name) is not None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process (or a number no process has): not ours to judge
    return True


def sweep_stale(directory: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporaries in ``directory`` left by writers that are gone (this host, no
    such process) or older than :data:`STALE_AFTER_S`; returns what was removed. Errors are
    ignored: sweeping is a courtesy, never a reason for a write to fail."""
    removed: list[Path] = []
    now = time.time() if now is None else now
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            gone = match["host"] == _HOST and not _alive(int(match["pid"]))
            if gone or now - info.st_mtime > STALE_AFTER_S:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _sweep_once(directory: Path) -> None:
    key = os.path.abspath(directory)
    with _swept_lock:
        if key in _swept:
            _swept.move_to_end(key)
            return
        _swept[key] = None
        if len(_swept) > _SWEPT_KEPT:
            _swept.popitem(last=False)
    sweep_stale(directory)


def temporary_beside(target: Path, *, keep_suffix: bool = False) -> Path:
    """A name for a temporary file beside ``target``, to be renamed onto it: unique to this
    process and short, so a target whose own name is near the file system's limit still gets
    one. ``keep_suffix`` ends it with ``target``'s suffix (for writers that choose the format
    by the name). The first call for a directory sweeps its stale temporaries."""
    _sweep_once(target.parent)
    suffix = (
        target.suffix if keep_suffix and re.fullmatch(r"\.[A-Za-z0-9]{1,8}", target.suffix) else ""
    )
    return target.with_name(
        f"{_PREFIX}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.partial{suffix}"
    )


def plan_write(target: Path) -> tuple[Plan, Path]:
    """How a whole-file write of ``target`` goes: ``("replace", path)`` (a temporary renamed
    onto ``path``: ``target`` itself, or the file a link points to) or ``("through", target)``
    (a character device or a FIFO, written in place). Raises :class:`NotWritableError` for
    anything else."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return "replace", target
    if stat.S_ISLNK(info.st_mode):
        destination = Path(os.path.realpath(target))
        try:
            info = os.stat(destination)
        except FileNotFoundError:
            return "replace", destination
    else:
        destination = target
    if stat.S_ISREG(info.st_mode):
        return "replace", destination
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
        return "through", target
    kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
    raise NotWritableError(f"{target} is {kind}: refusing to write it")


def install(temporary: Path, target: Path) -> None:
    """Put the complete file ``temporary`` where ``target`` says (:func:`plan_write`) and
    remove ``temporary``."""
    try:
        how, path = plan_write(target)
        with _about(target):
            if how == "replace":
                os.replace(temporary, path)
                return
            with temporary.open("rb") as source, open(path, "wb") as sink:
                shutil.copyfileobj(source, sink)
    finally:
        temporary.unlink(missing_ok=True)


def temporary_for(target: Path) -> Path:
    """A temporary to write ``target``'s content to, for :func:`install`: beside the file
    that will be replaced (its parents created, ``target``'s suffix kept), or, for a device
    or a FIFO, in the system's temporary directory. Raises :class:`NotWritableError` before
    any work for a target that cannot be written."""
    how, path = plan_write(target)
    if how == "through":
        handle, name = tempfile.mkstemp(prefix=f"{_PREFIX}.", suffix=".partial")
        os.close(handle)
        return Path(name)
    with _about(target):
        path.parent.mkdir(parents=True, exist_ok=True)
    return temporary_beside(path, keep_suffix=True)


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path for the block to write ``target``'s content to (``target``'s parents
    created, ``target``'s suffix kept); when the block ends the content is installed as
    :func:`install` says, and if the block fails it is removed and ``target`` is untouched."""
    temporary = temporary_for(target)
    try:
        with _about(target):
            yield temporary
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    install(temporary, target)


def write_whole(target: Path, content: bytes) -> None:
    """Write ``content`` to ``target`` whole or not at all (see the module's docstring), its
    parents created only when they are missing (a batch writes many files into one directory:
    no ``mkdir`` for each)."""
    how, path = plan_write(target)
    with _about(target):
        if how == "through":
            with open(path, "wb") as sink:
                sink.write(content)
            return
        temporary = temporary_beside(path)
        try:
            handle = temporary.open("xb")
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = temporary.open("xb")
        try:
            with handle:
                handle.write(content)
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


class LineLog:
    """A file of lines that only grows, for records a run must not lose (the jobs a batch
    submitted): each :meth:`append` is one ``write`` of a whole line to a descriptor opened
    with ``O_APPEND``, so a run killed by SIGKILL loses at most the line being written, never an
    earlier one. A line torn by such a kill is ended with a newline when the file is opened
    again, so the next line is not glued to it (readers skip a line that does not parse).
    ``target`` is checked as :func:`plan_write` checks (a directory is refused); its parents
    are created."""

    def __init__(self, target: Path) -> None:
        plan_write(target)
        with _about(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.path = target
        try:
            size = os.fstat(self._fd).st_size
            if size and stat.S_ISREG(os.fstat(self._fd).st_mode):
                with open(target, "rb") as reader:
                    reader.seek(size - 1)
                    torn = reader.read(1) != b"\n"
                if torn:
                    self.append(b"")
        except BaseException:
            os.close(self._fd)
            raise

    def append(self, line: bytes) -> None:
        """Add ``line`` (without its newline) and a newline, in one write where the system
        allows (a short write is continued)."""
        data = line + b"\n"
        with _about(self.path):
            while data:
                data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        """Close the file (appending after this raises)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
