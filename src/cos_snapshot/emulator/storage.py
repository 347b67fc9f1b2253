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

The functions here block (file system calls); the app runs them in worker threads (a PUT whose
body came whole: on the event loop while such PUTs are quick).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import json
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

from .._shared.files import sweep_stale, temporary_beside
from .errors import EmulatorError, access_denied, invalid_argument, no_such_key
from .listing import (
    KeyWalk,
    Listed,
    ListRequest,
    Page,
    after_all_starting_with,
    common_prefix_of,
    fill_page,
)

__all__ = [
    "MAX_KEY_BYTES",
    "RESERVED_PREFIX",
    "ObjectFile",
    "Storage",
    "Upload",
    "decode_key",
    "weak_etag",
]

#: The longest key COS accepts, in bytes of UTF-8.
MAX_KEY_BYTES = 850
#: Uploads are written here, then renamed into place, so no reader sees half an object.
RESERVED_PREFIX = ".cos-emulator-tmp"


def _invalid_uri(message: str) -> EmulatorError:
    return EmulatorError(400, "InvalidURI", message)


def decode_key(raw_path: bytes, *, max_bytes: int = MAX_KEY_BYTES) -> str:
    """The object key of a request path as sent (``/dir/a%20b+c.mp4`` → ``dir/a b+c.mp4``).

    The empty key (``/``) is returned as ``""``: it names the bucket. Any other key is checked
    against the rules in the module docstring (``max_bytes`` long at most).
    """
    if not raw_path.startswith(b"/"):
        raise _invalid_uri("The request path must start with '/'.")
    try:
        key = unquote_to_bytes(raw_path[1:]).decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid_uri("The object key is not valid UTF-8.") from None
    if not key:
        return key
    if len(key.encode()) > max_bytes:
        raise EmulatorError(400, "KeyTooLong", f"The object key is longer than {max_bytes} bytes.")
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
    """An object opened for reading: the file descriptor is owned by whoever holds this.
    ``headers``: what its PUT recorded (``content-type``, ``x-cos-meta-*``, …), if it was
    uploaded through the emulator."""

    fd: int
    size: int
    mtime: float
    etag: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def close(self) -> None:
        os.close(self.fd)


#: What identifies one version of a file: a file rewritten in place with its size and mtime
#: kept (``rsync --inplace --times``, ``cp -p``) differs in its change time.
_Identity = tuple[int, int, int, int]


def _identity(st: os.stat_result) -> _Identity:
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def weak_etag(st: os.stat_result) -> str:
    """The ETag of a file the emulator did not write itself: a digest of its identity (inode,
    size, modification and change times), never of its bytes, so that HEAD, GET and every
    listing report it at the cost of a ``stat``. It ends in ``-1``, as the ETag of a one-part
    multipart upload does, so no client takes it for an MD5 of the bytes."""
    digest = hashlib.md5(repr(_identity(st)).encode(), usedforsecurity=False).hexdigest()
    return f'"{digest}-1"'


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What a PUT recorded for the file it wrote: the MD5 of its bytes and its headers."""

    md5: str
    headers: Mapping[str, str]


class _RecordCache:
    """The records of files read or written lately, by key and file identity (bounded)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._entries: OrderedDict[tuple[str, _Identity], _Recorded] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key: str, st: os.stat_result) -> _Recorded | None:
        with self._lock:
            entry = (key, _identity(st))
            found = self._entries.get(entry)
            if found is not None:
                self._entries.move_to_end(entry)
            return found

    def put(self, key: str, st: os.stat_result, record: _Recorded) -> None:
        with self._lock:
            self._entries[(key, _identity(st))] = record
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)


_FILES_NOT_KEYS = (
    "the emulator keeps objects as files, and a file system cannot hold a file and a directory "
    "of one name (a.mp4 and a.mp4/x.jpg), although COS can"
)
_CONFLICT = f"A parent of this key is an object, not a directory: {_FILES_NOT_KEYS}."


def _conflict(message: str) -> EmulatorError:
    return EmulatorError(409, "PathConflict", f"{message}: {_FILES_NOT_KEYS}.")


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
        #: Where each PUT records the MD5 and headers of the file it wrote, by key.
        self.records = self.staging / "records"
        self._records = _RecordCache()

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

    def _record_path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode()).hexdigest()
        return self.records / digest[:2] / digest

    def _recorded(self, key: str, st: os.stat_result) -> _Recorded | None:
        """What the PUT that wrote the file ``st`` describes recorded for ``key``; None for a
        file it did not write (placed on disk, or rewritten since)."""
        found = self._records.get(key, st)
        if found is not None:
            return found
        try:
            saved = json.loads(self._record_path(key).read_bytes())
            if saved["key"] != key or tuple(saved["file"]) != _identity(st):
                return None
            found = _Recorded(str(saved["md5"]), dict(saved["headers"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none, or a torn or foreign record: as if there were none
        self._records.put(key, st, found)
        return found

    def _record(self, key: str, st: os.stat_result, record: _Recorded) -> None:
        self._records.put(key, st, record)
        saved: dict[str, object] = {
            "key": key,
            "file": list(_identity(st)),
            "md5": record.md5,
            "headers": dict(record.headers),
        }
        target = self._record_path(key)
        with contextlib.suppress(OSError):  # a lost record costs the MD5, never the object
            # Whole or not at all, as every record is read: staged beside the uploads (one
            # file system, so the rename is atomic) and renamed into place.
            fd, temp = self._create_staged("record")
            try:
                try:
                    _write_all(fd, json.dumps(saved).encode())
                finally:
                    os.close(fd)
                try:
                    os.replace(temp, target)
                except FileNotFoundError:  # the first record in its directory
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(temp, target)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise

    def etag(self, key: str, st: os.stat_result) -> str:
        """``key``'s ETag, its file described by ``st``: the quoted MD5 of its bytes if a PUT
        wrote it, else :func:`weak_etag`. Never reads the file."""
        found = self._recorded(key, st)
        return weak_etag(st) if found is None else f'"{found.md5}"'

    def open(self, key: str) -> ObjectFile:
        """Open ``key`` for reading, with its size, mtime, ETag (:meth:`etag`) and the headers
        its PUT recorded."""
        real = self.resolve(key)
        with _os_errors():
            # O_NONBLOCK: opening a FIFO planted under the root must not hang the worker.
            fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise no_such_key()
            found = self._recorded(key, st)
        except BaseException:
            os.close(fd)
            raise
        if found is None:
            return ObjectFile(fd=fd, size=st.st_size, mtime=st.st_mtime, etag=weak_etag(st))
        return ObjectFile(
            fd=fd, size=st.st_size, mtime=st.st_mtime, etag=f'"{found.md5}"', headers=found.headers
        )

    def _link_target(self, path: str, reals: dict[str, str | None]) -> str | None:
        """The real path of the link at ``path`` if it is inside the root, else None;
        remembered in ``reals`` (one page's), where the walk and the page's entries both ask."""
        if path not in reals:
            real = os.path.realpath(path)
            reals[path] = real if self._inside(Path(real)) else None
        return reals[path]

    def _listed(self, key: str, path: str, reals: dict[str, str | None]) -> Listed | None:
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                real = self._link_target(path, reals)
                if real is None:
                    return None
                st = os.stat(real)
        except OSError:
            return None  # gone since the directory was read
        if not stat.S_ISREG(st.st_mode):
            return None
        return Listed(key, st.st_size, st.st_mtime_ns, self.etag(key, st))

    def list_page(self, request: ListRequest) -> Page:
        """One page of GetBucket (see :mod:`cos_snapshot.emulator.listing`)."""
        group_of = (
            common_prefix_of(request.prefix, request.delimiter) if request.delimiter else None
        )
        start = request.prefix
        if request.marker and request.marker >= start:
            start = request.marker + "\x00"  # the least key after the marker
            group = None if group_of is None else group_of(request.marker)
            after = None if group is None else after_all_starting_with(group)
            if after is not None:
                start = after  # the marker's group was listed whole, with the marker
        # Each link is resolved once a page: the walk asks whether it is an object as it
        # reads its directory, and the page asks again for its entry.
        reals: dict[str, str | None] = {}

        def is_link_object(path: str) -> bool:
            real = self._link_target(path, reals)
            return real is not None and os.path.isfile(real)

        walk = KeyWalk(
            str(self.root),
            start=start,
            end=after_all_starting_with(request.prefix),
            is_link_object=is_link_object,
            skip_at_root=frozenset({RESERVED_PREFIX}),
            group_of=group_of,
            max_key_bytes=MAX_KEY_BYTES,
        )
        return fill_page(request, walk, lambda key, path: self._listed(key, path, reals))

    def _checked_parent(self, key: str) -> tuple[Path, list[Path]]:
        """The directory ``key``'s file goes in, created if needed, checked to be under root;
        and the directories this call found missing, deepest first (an upload that fails
        removes those it leaves empty)."""
        target = self._lexical_path(key)
        # The common case first: the directory is there, a directory, inside the root (one
        # resolution). Anything else is found and told apart below.
        with contextlib.suppress(OSError):
            real = _resolve(target.parent)
            if self._inside(real) and stat.S_ISDIR(os.stat(real).st_mode):
                return real, []
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
            holder = existing.relative_to(self.root).as_posix()
            raise _conflict(f"{key!r} cannot be stored while {holder!r} is an object")
        target.parent.mkdir(parents=True, exist_ok=True)
        return _resolve(target.parent), missing

    def begin_upload(self, key: str, headers: Mapping[str, str] | None = None) -> Upload:
        """Start writing ``key``; nothing is visible under the key until :meth:`Upload.commit`.

        The bytes are staged under :data:`RESERVED_PREFIX`, in a temporary named for this
        process (:func:`~cos_snapshot._shared.files.temporary_beside`), so a later emulator
        can tell a killed run's leftovers from a live one's uploads and sweep them. ``headers``
        (``content-type``, ``x-cos-meta-*``, …) are recorded with the object on commit."""
        with _os_errors(writing=True):
            parent, created = self._checked_parent(key)
            target = parent / self._lexical_path(key).name
            with contextlib.suppress(FileNotFoundError):
                if stat.S_ISDIR(os.lstat(target).st_mode):  # a directory, not a link to one
                    raise _conflict(
                        f"{key!r} cannot be stored while objects under {key + '/'!r} exist"
                    )
            fd, temp = self._create_staged("upload")
        return Upload(self, key, fd, temp, target, created, dict(headers or {}))

    def put(
        self,
        key: str,
        data: bytes,
        headers: Mapping[str, str] | None = None,
        *,
        content_md5: bytes | None = None,
    ) -> str:
        """Store ``data`` as ``key`` in one call (:meth:`begin_upload`, :meth:`Upload.write`,
        :meth:`Upload.check_md5` with ``content_md5``, :meth:`Upload.commit`, or
        :meth:`Upload.abort` on any failure), so that a body held whole costs one trip to a
        worker thread; returns the ETag."""
        upload = self.begin_upload(key, headers)
        try:
            upload.write(data)
            upload.check_md5(content_md5)
            return upload.commit()
        except BaseException:
            upload.abort()
            raise

    def _create_staged(self, name: str) -> tuple[int, Path]:
        """A new temporary file in the staging area (made when missing), open for writing."""
        temp = temporary_beside(self.staging / name)
        try:
            fd = os.open(temp, _NEW_FILE, 0o644)
        except FileNotFoundError:
            self.staging.mkdir(exist_ok=True)
            fd = os.open(temp, _NEW_FILE, 0o644)
        return fd, temp

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
            self._record_path(key).unlink(missing_ok=True)
            # As in COS, where a "directory" is only the keys that share a prefix, one that
            # the last object left is gone, so a.mp4 can be stored after a.mp4/x.jpg is deleted.
            while parent != self.root and self._inside(parent):
                try:
                    parent.rmdir()
                except OSError:
                    break  # not empty, or not ours to remove
                parent = parent.parent


#: How a staged file is created: new (never an existing name), closed on exec.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _write_all(fd: int, data: bytes) -> None:
    """Write ``data`` to ``fd``, a short write continued."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Upload:
    """An object being written: :meth:`write` chunks, then :meth:`commit` or :meth:`abort`."""

    def __init__(
        self,
        storage: Storage,
        key: str,
        fd: int,
        temp: Path,
        target: Path,
        created: list[Path],
        headers: dict[str, str],
    ) -> None:
        self._storage = storage
        self._headers = headers
        self._key = key
        self._fd = fd
        self._temp = temp
        self._target = target
        self._created = created
        self._md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def write(self, data: bytes) -> None:
        _write_all(self._fd, data)
        self._md5.update(data)
        self.size += len(data)

    @property
    def md5(self) -> bytes:
        return self._md5.digest()

    def check_md5(self, expected: bytes | None) -> None:
        """Raise 400 ``BadDigest`` unless the bytes written have the MD5 digest ``expected``
        (the decoded ``Content-MD5``; ``None``: nothing to check)."""
        if expected is not None and not hmac.compare_digest(expected, self._md5.digest()):
            raise EmulatorError(
                400, "BadDigest", "The Content-MD5 you specified did not match what we received."
            )

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
            # The MD5 and headers are recorded for the file this upload wrote, identified
            # through its own descriptor after the rename (which sets its change time): a racing
            # PUT that replaced the key meanwhile has another inode, so it can never be taken
            # for these bytes.
            st = os.fstat(self._fd)
        self._close()
        self._storage._record(self._key, st, _Recorded(md5_hex, self._headers))
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
