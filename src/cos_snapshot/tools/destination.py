"""Where a command's outputs go: a local directory or a prefix in a bucket, behind one
:class:`Destination`, so that ``batch``, ``sheet`` and ``storyboard`` write either with the same
code.

- :class:`LocalDirectory` writes each file whole or not at all (a temporary renamed into
  place), on the event loop while writes are quick and in a few threads while they are slow.
- :class:`BucketDestination` PUTs each output as an object under a :class:`BucketPrefix`, its
  ``Content-Type`` from its suffix (:func:`content_type_for`). With ``resume``, whether an
  output exists is answered from ONE listing of the prefix, read in the background as the run
  goes and kept as a 16-byte digest of each key (:func:`name_digest`, the digest a batch keeps
  of each output name), not from a HEAD per output; without it, from one HEAD.

The bytes given are the bytes stored, in both: a file written locally and one written to the
bucket by the same command are byte-identical.

Example::

    async with AsyncSnapshotClient(bucket=..., region=...) as client:
        async with BucketDestination(client, BucketPrefix("posters/")) as posters:
            if not await posters.exists(PurePosixPath("a.jpg")):
                await posters.write(PurePosixPath("a.jpg"), snapshot.content)
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import hashlib
import heapq
import itertools
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import ClassVar, Self

import attrs

from .. import AsyncSnapshotClient, CosError
from .._shared.files import replacing, write_whole
from .._shared.pace import Pace

__all__ = [
    "BUCKET_SCHEME",
    "CONTENT_TYPES",
    "WRITER_THREADS",
    "BucketDestination",
    "BucketPrefix",
    "Destination",
    "LocalDirectory",
    "OutputListingError",
    "OutputPlace",
    "WrittenWhileCancelled",
    "content_type_for",
    "name_digest",
]

#: The scheme of a place in a bucket, as coscli and coscmd write it: ``cos://bucket-appid/prefix``.
BUCKET_SCHEME = "cos://"
#: The ``Content-Type`` of an output by its suffix (others: ``application/octet-stream``).
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".vtt": "text/vtt; charset=utf-8",
    ".jsonl": "application/x-ndjson",
}
#: Threads that write local files while writes are too slow for the event loop.
WRITER_THREADS = 4


def content_type_for(name: str | PurePosixPath) -> str:
    """The ``Content-Type`` an output named ``name`` is stored with, from its suffix (any
    case): ``image/jpeg`` for ``.jpg``, ``text/vtt; charset=utf-8`` for ``.vtt``, ..."""
    return CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")


def name_digest(name: str) -> bytes:
    """The 16-byte digest (BLAKE2b) by which a run remembers an output: the absolute path of a
    local file, or the key of an object."""
    return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _prefix_as_directory(prefix: str) -> str:
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


@attrs.frozen
class BucketPrefix:
    """A place in a bucket that outputs go to: the object ``prefix + name`` for each output
    name. ``prefix`` is a directory (``posters`` is taken as ``posters/``; ``""``: the bucket's
    root); ``bucket`` names the bucket in messages (``None``: the client's)."""

    prefix: str = attrs.field(converter=_prefix_as_directory)
    bucket: str | None = None

    def key(self, name: str | PurePosixPath) -> str:
        """The object key of the output ``name``."""
        return self.prefix + str(name)

    def url(self, name: str | PurePosixPath) -> str:
        """``cos://bucket/key`` of the output ``name`` (``cos:///key``: the client's bucket)."""
        return f"{BUCKET_SCHEME}{self.bucket or ''}/{self.key(name)}"

    def __str__(self) -> str:
        return f"{BUCKET_SCHEME}{self.bucket or ''}/{self.prefix}"


#: Where a plan's outputs go: a local directory, or a prefix in a bucket.
OutputPlace = Path | BucketPrefix


class WrittenWhileCancelled(asyncio.CancelledError):
    """A cancellation that came while an output was being written: the write was let finish
    (the output is whole and in place) before the cancellation goes on."""


class OutputListingError(CosError):
    """The listing of a bucket prefix that tells which outputs exist failed: every output
    whose existence it was to tell fails with this error (``--force`` writes without it)."""


class Destination(abc.ABC):
    """Where outputs go, each by its ``name`` (a relative ``/``-separated path): use it as an
    async context manager (``async with``), which releases what it holds when the run ends."""

    #: Whether writes are slow round trips (PUTs) that a batch runs beside its requests, in a
    #: bounded pool, rather than in them.
    detached: ClassVar[bool] = False

    @abc.abstractmethod
    def where(self, name: str | PurePosixPath) -> str:
        """Where the output ``name`` goes, as a person reads it (a path, a ``cos://`` URL)."""

    @abc.abstractmethod
    async def exists(self, name: str | PurePosixPath) -> bool:
        """Whether the output ``name`` exists already (a run skips it unless forced)."""

    @abc.abstractmethod
    async def write(
        self, name: str | PurePosixPath, data: bytes, content_type: str | None = None
    ) -> None:
        """Store ``data`` as the output ``name``, whole or not at all; ``content_type``
        defaults to :func:`content_type_for` the name. Raises :class:`OSError` (a local
        file) or :class:`~cos_snapshot.CosError` (an upload) when it cannot."""

    @contextlib.asynccontextmanager
    async def together(self) -> AsyncIterator[list[tuple[PurePosixPath, bytes]]]:
        """Outputs that appear together or not at all: add ``(name, data)`` pairs to the list
        the block gets; they are stored in the order added once the block ends without an
        error, and none is when it raises (a storyboard's sprites, then its VTT)."""
        staged: list[tuple[PurePosixPath, bytes]] = []
        yield staged
        for name, data in staged:
            await self.write(name, data)

    async def aclose(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what the destination holds (threads, a listing under way)."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


#: What the local writer times its writes with (the tests give it a clock of their own, so that
#: what they check does not depend on how busy the machine is).
_write_clock = time.perf_counter


class LocalDirectory(Destination):
    """Outputs as files under ``directory`` (made when missing), each written whole or not at
    all (a temporary file renamed into place).

    Written on the event loop while writes are quick, in up to :data:`WRITER_THREADS` threads
    while they are slow, judged by the average time of the recent writes (see
    ``cos_snapshot._shared.pace``)."""

    #: Writes on the loop while the recent average is below this many seconds.
    SLOW_S = 0.002
    #: The weight of the newest write in the average.
    WEIGHT = 0.2

    def __init__(self, directory: Path, *, threads: int = WRITER_THREADS) -> None:
        self.directory = directory
        self._pace = Pace(slow_s=self.SLOW_S, weight=self.WEIGHT, clock=_write_clock)
        # Threads start only if writes turn slow.
        self._threads = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="cos-snapshot-write"
        )

    @property
    def average_s(self) -> float:
        """The recent average time of a write, in seconds."""
        return self._pace.average_s

    def path(self, name: str | PurePosixPath) -> Path:
        """The file of the output ``name``."""
        return self.directory / name

    def where(self, name: str | PurePosixPath) -> str:
        return str(self.path(name))

    async def exists(self, name: str | PurePosixPath) -> bool:
        return self.path(name).is_file()

    @property
    def inline(self) -> bool:
        """Whether the next write happens on the event loop."""
        return self._pace.quick

    def _save(self, path: Path, data: bytes) -> None:
        self._pace.timed(write_whole, path, data)

    async def write(
        self, name: str | PurePosixPath, data: bytes, content_type: str | None = None
    ) -> None:
        """Write the file (``content_type`` says nothing to a file system). Cancelled while a
        thread writes it, the file is let become whole first, then
        :class:`WrittenWhileCancelled` is raised."""
        path = self.path(name)
        if self.inline:
            self._save(path, data)
            return
        save = asyncio.get_running_loop().run_in_executor(self._threads, self._save, path, data)
        try:
            await asyncio.shield(save)
        except asyncio.CancelledError:
            await save
            raise WrittenWhileCancelled from None

    @contextlib.asynccontextmanager
    async def together(self) -> AsyncIterator[list[tuple[PurePosixPath, bytes]]]:
        """As :meth:`Destination.together`: each file written to a temporary beside it when
        the block ends, and all renamed into place, in the order added, once all are written."""
        staged: list[tuple[PurePosixPath, bytes]] = []
        yield staged
        with contextlib.ExitStack() as stack:
            # An ExitStack installs the last entered first: enter in reverse, install in order.
            for name, data in reversed(staged):
                stack.enter_context(replacing(self.path(name))).write_bytes(data)

    async def aclose(self) -> None:
        self._threads.shutdown(wait=True)


class BucketDestination(Destination):
    """Outputs as objects under ``place`` in ``client``'s bucket, PUT whole
    (:meth:`~cos_snapshot.AsyncSnapshotClient.put_object`, which retries) with the
    ``Content-Type`` of their suffix.

    Whether an output exists: with ``resume``, from one listing of the prefix
    (:meth:`~cos_snapshot.AsyncSnapshotClient.iter_objects`), started by the first question
    and read in the background as the run goes; it keeps a 16-byte digest of each key and the
    greatest key listed so far. Keys are listed in UTF-8 byte order, so a question about a key
    the listing has passed (or a listing that has ended) is answered at once, and one about a
    key further on waits only until the listing gets there. A listing that fails (refused,
    say) fails every question with :class:`OutputListingError`. Without ``resume``, each
    question is one HEAD."""

    detached = True

    def __init__(
        self, client: AsyncSnapshotClient, place: BucketPrefix, *, resume: bool = False
    ) -> None:
        self.client = client
        self.place = place
        self._listing = _Listing(client, place.prefix) if resume else None

    def where(self, name: str | PurePosixPath) -> str:
        return self.place.url(name)

    async def exists(self, name: str | PurePosixPath) -> bool:
        key = self.place.key(name)
        if self._listing is not None:
            return await self._listing.holds(key)
        return await self.client.head_object(key) is not None

    async def write(
        self, name: str | PurePosixPath, data: bytes, content_type: str | None = None
    ) -> None:
        await self.client.put_object(
            self.place.key(name), data, content_type=content_type or content_type_for(name)
        )

    async def aclose(self) -> None:
        if self._listing is not None:
            await self._listing.aclose()

    @property
    def listed(self) -> int:
        """Objects the resume listing has seen so far (0 without ``resume``)."""
        return 0 if self._listing is None else len(self._listing.digests)


def _utf8(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass")


class _Listing:
    """The keys under a prefix, from one listing read in the background: a digest of each,
    and the greatest listed so far, which questions about later keys wait for."""

    def __init__(self, client: AsyncSnapshotClient, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.digests: set[bytes] = set()
        self._last = b""
        self._ended = False
        self._error: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        # Questions waiting for the listing to reach their key: (key's UTF-8, order, future).
        self._waiting: list[tuple[bytes, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def holds(self, key: str) -> bool:
        if self._task is None:
            self._task = asyncio.create_task(self._read(), name="cos-snapshot-resume-listing")
        wanted = _utf8(key)
        if not self._ended and wanted > self._last:
            waiting = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (wanted, next(self._order), waiting))
            await waiting
        if self._error is not None:
            raise OutputListingError(
                f"cannot tell which outputs exist under {self.prefix or 'the bucket root'}: "
                f"{self._error} (--force writes without listing)"
            )
        return name_digest(key) in self.digests

    async def _read(self) -> None:
        listing = self.client.iter_objects(self.prefix)
        try:
            async for summary in listing:
                self.digests.add(name_digest(summary.key))
                self._last = _utf8(summary.key)
                self._wake(self._last)
        except Exception as error:  # any failure: no output may pass for absent
            self._error = error
        finally:
            self._ended = True
            self._wake(None)
            await listing.aclose()  # type: ignore[attr-defined]

    def _wake(self, upto: bytes | None) -> None:
        """Answer the questions about keys up to ``upto`` (all of them: ``None``)."""
        while self._waiting and (upto is None or self._waiting[0][0] <= upto):
            _, _, waiting = heapq.heappop(self._waiting)
            if not waiting.done():
                waiting.set_result(None)

    async def aclose(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._wake(None)
