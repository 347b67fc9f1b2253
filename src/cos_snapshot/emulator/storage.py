"""Objects as files: a key names a regular file under the root, and nothing outside it.

Key rules (each broken rule is a 4xx :class:`EmulatorError`):

- the request path is percent-decoded as UTF-8 (``+`` stays ``+``); undecodable → 400
  ``InvalidURI``;
- more than :data:`MAX_KEY_BYTES` bytes of UTF-8 → 400 ``KeyTooLong``;
- control characters (C0, DEL), empty segments (``a//b``, a leading ``/``) and ``.`` or ``..``
  segments, encoded or not → 400 ``InvalidURI`` (COS keys are flat strings, a file system's
  are not; these are the keys that cannot map one-to-one onto files);
- keys under :data:`RESERVED_PREFIX` (where uploads are staged) → 400 ``InvalidArgument``;
- a key whose file resolves, through symlinks, to a place outside the root → 403 ``AccessDenied``;
- a key naming a directory, or nothing → 404 ``NoSuchKey``; an upload that would need a file
  where a directory is, or the reverse → 409 ``PathConflict``.

The functions here block (file system calls); the app runs them in worker threads.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from .._shared.files import sweep_stale, temporary_beside
from .errors import EmulatorError, access_denied, invalid_argument, no_such_key

__all__ = [
    "MAX_KEY_BYTES",
    "RESERVED_PREFIX",
    "ObjectFile",
    "Storage",
    "Upload",
    "decode_key",
]

#: The longest key COS accepts, in bytes of UTF-8.
MAX_KEY_BYTES = 850
#: Uploads are written here, then renamed into place, so no reader sees half an object.
RESERVED_PREFIX = ".cos-emulator-tmp"

_CHUNK = 1 << 20


def _invalid_uri(message: str) -> EmulatorError:
    return EmulatorError(400, "InvalidURI", message)


def decode_key(raw_path: bytes) -> str:
    """The object key of a request path as sent (``/dir/a%20b+c.mp4`` → ``dir/a b+c.mp4``).

    The empty key (``/``) is returned as ``""``: it names the bucket. Any other key is checked
    against the rules in the module docstring.
    """
    if not raw_path.startswith(b"/"):
        raise _invalid_uri("The request path must start with '/'.")
    try:
        key = unquote_to_bytes(raw_path[1:]).decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid_uri("The object key is not valid UTF-8.") from None
    if not key:
        return key
    if len(key.encode()) > MAX_KEY_BYTES:
        raise EmulatorError(
            400, "KeyTooLong", f"The object key is longer than {MAX_KEY_BYTES} bytes."
        )
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise _invalid_uri("The object key contains control characters.")
    segments = key.split("/")
    # A trailing "/" is allowed (a folder-style key); every other segment must be a name.
    names = segments[:-1] if key.endswith("/") else segments
    for name in names:
        if name in ("", ".", ".."):
            raise _invalid_uri(
                "The object key has an empty, '.' or '..' segment; the emulator cannot store it."
            )
    if segments[0] == RESERVED_PREFIX:
        raise invalid_argument(f"Keys under {RESERVED_PREFIX}/ are reserved by the emulator.")
    return key


@dataclass(frozen=True, slots=True)
class ObjectFile:
    """An object opened for reading: the file descriptor is owned by whoever holds this."""

    fd: int
    size: int
    mtime: float
    etag: str

    def close(self) -> None:
        os.close(self.fd)


class _EtagCache:
    """MD5s of files already hashed, keyed by what changes when the file does.

    One hash per file at a time: a caller that finds the file being hashed by another thread
    waits for that answer instead of reading the whole file again (four first HEADs of a
    2 GB file each hashed it, 36 s apiece on a small machine).
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._entries: OrderedDict[tuple[int, int, int, int, int], str] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._hashing: dict[tuple[int, int, int, int, int], threading.Event] = {}

    @staticmethod
    def _identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
        # The change time too: a file rewritten in place with its size and mtime kept
        # (`rsync --inplace --times`, `cp -p`) differs only there.
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def get(self, st: os.stat_result) -> str | None:
        with self._lock:
            key = self._identity(st)
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, st: os.stat_result, md5_hex: str) -> None:
        with self._lock:
            self._entries[self._identity(st)] = md5_hex
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def etag(self, st: os.stat_result, compute: Callable[[], str]) -> str:
        """The MD5 of the file ``st`` describes: known, or ``compute()``-d once however many
        threads ask for it at the same time."""
        key = self._identity(st)
        while True:
            with self._lock:
                found = self._entries.get(key)
                if found is not None:
                    self._entries.move_to_end(key)
                    return found
                running = self._hashing.get(key)
                if running is None:
                    done = self._hashing[key] = threading.Event()
                    break
            running.wait()  # then look again: it failed (and we try) or it is in the cache
        try:
            md5_hex = compute()
            self.put(st, md5_hex)
            return md5_hex
        finally:
            with self._lock:
                del self._hashing[key]
            done.set()


def _md5_of_fd(fd: int, size: int) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    offset = 0
    while offset < size:
        chunk = os.pread(fd, min(_CHUNK, size - offset), offset)
        if not chunk:
            break
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()


_CONFLICT = "A parent of this key is an object, not a directory."


@contextlib.contextmanager
def _os_errors(*, writing: bool = False) -> Iterator[None]:
    """Turn the file system's refusals into COS errors; anything else is a real failure."""
    try:
        yield
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise EmulatorError(
                400, "KeyTooLong", "A segment of the object key is too long."
            ) from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise access_denied("The emulator may not access this object's file.") from None
        if writing and exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
            raise EmulatorError(409, "PathConflict", _CONFLICT) from None
        if not writing and exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ELOOP):
            raise no_such_key() from None
        raise


def _resolve(path: Path) -> Path:
    """``path`` with every symlink followed; it must exist."""
    try:
        return path.resolve(strict=True)
    except RuntimeError:  # a symlink loop, on Python < 3.13
        raise OSError(errno.ELOOP, "symlink loop", str(path)) from None


class Storage:
    """The objects of one bucket: the regular files under ``root``."""

    def __init__(self, root: Path) -> None:
        resolved = Path(root).resolve()
        if not resolved.is_dir():
            raise ValueError(f"emulator root {root} is not a directory")
        self.root = resolved
        #: Where uploads are written before they are renamed into place.
        self.staging = resolved / RESERVED_PREFIX
        self._etags = _EtagCache()

    def _lexical_path(self, key: str) -> Path:
        if not key or key.endswith("/"):
            # The bucket itself, or a folder-style key: never a file.
            raise no_such_key()
        return self.root.joinpath(*key.split("/"))

    def _inside(self, path: Path) -> bool:
        return path == self.root or path.is_relative_to(self.root)

    def resolve(self, key: str) -> Path:
        """The real path of ``key``'s file (symlinks followed), or an error if there is none."""
        with _os_errors():
            real = _resolve(self._lexical_path(key))
            if not self._inside(real):
                raise access_denied("The object resolves to a file outside the emulator root.")
            if not real.is_file():
                raise no_such_key()
            return real

    def open(self, key: str) -> ObjectFile:
        """Open ``key`` for reading, with its size, mtime and ETag (the MD5 of its bytes)."""
        real = self.resolve(key)
        with _os_errors():
            # O_NONBLOCK: opening a FIFO planted under the root must not hang the worker.
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise no_such_key()
            etag = self._etags.etag(st, lambda: _md5_of_fd(fd, st.st_size))
        except BaseException:
            os.close(fd)
            raise
        return ObjectFile(fd=fd, size=st.st_size, mtime=st.st_mtime, etag=f'"{etag}"')

    def _checked_parent(self, key: str) -> tuple[Path, list[Path]]:
        """The directory ``key``'s file goes in, created if needed, checked to be under root;
        and the directories this call found missing, deepest first (an upload that fails
        removes those it leaves empty)."""
        target = self._lexical_path(key)
        # Find the deepest ancestor that exists and check it before creating anything, so a
        # symlinked directory cannot make us create directories outside the root.
        existing = target.parent
        missing: list[Path] = []
        while not existing.exists() and existing != self.root:
            missing.append(existing)
            existing = existing.parent
        real = _resolve(existing)
        if not self._inside(real):
            raise access_denied("The object's directory is outside the emulator root.")
        if not real.is_dir():
            raise EmulatorError(409, "PathConflict", _CONFLICT)
        target.parent.mkdir(parents=True, exist_ok=True)
        return _resolve(target.parent), missing

    def begin_upload(self, key: str) -> Upload:
        """Start writing ``key``; nothing is visible under the key until :meth:`Upload.commit`.

        The bytes are staged under :data:`RESERVED_PREFIX`, in a temporary named for this
        process (:func:`~cos_snapshot._shared.files.temporary_beside`), so a later emulator
        can tell a killed run's leftovers from a live one's uploads and sweep them."""
        with _os_errors(writing=True):
            parent, created = self._checked_parent(key)
            target = parent / self._lexical_path(key).name
            if target.is_dir() and not target.is_symlink():
                raise EmulatorError(409, "PathConflict", "The key names a directory of objects.")
            self.staging.mkdir(exist_ok=True)
            temp = temporary_beside(self.staging / "upload")
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(temp, flags, 0o644)
        return Upload(self, key, fd, temp, target, created)

    def sweep_staging(self) -> list[Path]:
        """Remove the staged uploads of emulators that are gone (or a day old); returns them."""
        return sweep_stale(self.staging)

    def delete(self, key: str) -> None:
        """Remove ``key``'s file if there is one; removing nothing is not an error."""
        target = self._lexical_path(key)
        with _os_errors():
            try:
                parent = _resolve(target.parent)
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                    return  # no such directory, so no such object
                raise
            if not self._inside(parent):
                raise access_denied("The object's directory is outside the emulator root.")
            path = parent / target.name
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                if not stat.S_ISDIR(path.lstat().st_mode):
                    path.unlink()


class Upload:
    """An object being written: :meth:`write` chunks, then :meth:`commit` or :meth:`abort`."""

    def __init__(
        self, storage: Storage, key: str, fd: int, temp: Path, target: Path, created: list[Path]
    ) -> None:
        self._storage = storage
        self._key = key
        self._fd = fd
        self._temp = temp
        self._target = target
        self._created = created
        self._md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._md5.update(data)
        self.size += len(data)

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    def commit(self) -> str:
        """Put the object in place atomically; return its ETag (quoted MD5 hex).

        If this raises, :meth:`abort` still has to be called.
        """
        md5_hex = self._md5.hexdigest()
        with _os_errors(writing=True):
            try:
                os.replace(self._temp, self._target)
            except FileNotFoundError:
                # A failed upload beside this one removed the directory it had made (and we
                # share): make it again, once.
                parent, _ = self._storage._checked_parent(self._key)
                self._target = parent / self._target.name
                os.replace(self._temp, self._target)
            # The ETag is remembered for the file this upload wrote, identified through its
            # own descriptor after the rename: a racing PUT that replaced the key meanwhile
            # has another inode, so it can never be taken for these bytes.
            st = os.fstat(self._fd)
        self._close()
        self._storage._etags.put(st, md5_hex)
        self._created = []
        return f'"{md5_hex}"'

    def abort(self) -> None:
        """Forget the upload: nothing appears under the key, and the directories it made for
        it are removed again if nothing else was put in them."""
        with contextlib.suppress(OSError):
            self._close()
        self._temp.unlink(missing_ok=True)
        for directory in self._created:  # deepest first
            try:
                directory.rmdir()
            except OSError:
                break  # not empty (another upload's, or a file arrived): keep it and its parents

    def _close(self) -> None:
        # Closed once only: a file descriptor number is reused as soon as it is free.
        fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)
