"""Items from a bucket's listing: every video under a prefix × times, in one streaming pass
(``cos-snapshot batch --prefix``).

The listing is read once, a page at a time (the async client fetches the next page while this
one is worked through), and its keys become items as they arrive; nothing is held per key. As
the listing cannot be read twice, nothing is checked over the whole of it before the run: the
name template and its suffix are checked up front on a sample item, and each item's name is
claimed (:class:`~cos_snapshot.tools.batch.OutputNames`) when it runs, so a later duplicate
fails alone.
"""

from __future__ import annotations

import asyncio
import collections
import fnmatch
from collections.abc import AsyncIterator

import attrs

from ... import (
    AsyncSnapshotClient,
    CosError,
    MediaInfo,
    ObjectSummary,
    format_time,
    media_info_for,
)
from .items import (
    BatchInputError,
    Item,
    ItemDefaults,
    TimeSelection,
    UnplannedItem,
    item_of_row,
    items_from_arguments,
)

__all__ = ["DEFAULT_MATCH", "VIDEO_SUFFIXES", "ListedKeys", "folder_of"]

#: The suffixes of the video containers COS's media processing takes (the default --match).
VIDEO_SUFFIXES = ("mp4", "mov", "mkv", "webm", "flv", "avi", "ts", "m4v", "3gp")
#: The default patterns: a key relative to the prefix ending in one of :data:`VIDEO_SUFFIXES`.
DEFAULT_MATCH = tuple(f"*.{suffix}" for suffix in VIDEO_SUFFIXES)


def folder_of(prefix: str) -> str:
    """The folder a listing's ``prefix`` names, which a listed key's name and ``--match`` are
    relative to: the prefix up to and including its last ``/`` (``videos/`` for ``videos/``
    and ``videos/in``; the bucket root, ``""``, for ``videos`` and ``vid``). Relative to the
    prefix itself, ``videos`` would leave ``/a.mp4`` and ``vid`` ``eos/a.mp4``."""
    return prefix[: prefix.rfind("/") + 1]


@attrs.define
class ListedKeys:
    """The objects under ``prefix`` whose key relative to its folder (:func:`folder_of`)
    matches one of ``match`` (fnmatch patterns, case-insensitive; ``*`` crosses ``/``), each
    at the ``times``.

    :meth:`items` lists them with a client; ``listed`` and ``matched`` count what it
    has seen so far."""

    prefix: str
    times: TimeSelection
    defaults: ItemDefaults = attrs.field(factory=ItemDefaults)
    match: tuple[str, ...] = DEFAULT_MATCH
    #: Objects listed, and of those the keys that matched.
    listed: int = 0
    matched: int = 0

    def matches(self, key: str) -> bool:
        """Whether ``key`` (under the prefix) is one this batch takes."""
        relative = key.removeprefix(folder_of(self.prefix)).casefold()
        return any(fnmatch.fnmatchcase(relative, pattern.casefold()) for pattern in self.match)

    async def items(
        self, client: AsyncSnapshotClient, *, lookahead: int = 8
    ) -> AsyncIterator[Item]:
        """The items of the matching keys, key by key in listing order, numbered from 0.

        Times in seconds and relative to the video (``50%``, ``end``) are items at once (a
        relative one is resolved when it runs, with one GetMediaInfo per video). A count or a
        step needs the video's GetMediaInfo to know its times: it is asked for here, up to
        ``lookahead`` keys ahead; a key whose answer is an error (not a video, say) gives one
        ``UnplannedItem`` (in ``tools.batch.items``), which fails alone with that
        error when it runs (its failures-file row keeps the count or step, not a time)."""
        pending: collections.deque[tuple[str, asyncio.Future[MediaInfo] | None]] = (
            collections.deque()
        )
        needs_info = self.times.relative and not self.times.listed
        index = 0
        listing = client.iter_objects(self.prefix)
        try:
            async for summary in listing:
                for key in self._taken(summary):
                    info: asyncio.Future[MediaInfo] | None = None
                    if needs_info:
                        info = asyncio.ensure_future(media_info_for(client, key, self.times.option))
                    pending.append((key, info))
                while len(pending) > (lookahead if needs_info else 0):
                    for item in await self._items_of(*pending.popleft(), index):
                        yield item
                        index += 1
            while pending:
                for item in await self._items_of(*pending.popleft(), index):
                    yield item
                    index += 1
        finally:
            for _, future in pending:
                if future is not None:
                    future.cancel()
            await listing.aclose()  # type: ignore[attr-defined]

    def _taken(self, summary: ObjectSummary) -> list[str]:
        self.listed += 1
        if summary.key.endswith("/") or not self.matches(summary.key):
            return []  # a "directory" marker, or not a video by its name
        self.matched += 1
        return [summary.key]

    async def _items_of(
        self, key: str, info: asyncio.Future[MediaInfo] | None, index: int
    ) -> list[Item]:
        if info is None:  # times listed: seconds, or relative ones resolved as they run
            return [
                item_of_row(key, self.defaults, time, index + n)
                for n, time in enumerate(self.times.listed)
            ]
        try:
            answer = await info
            items = list(
                items_from_arguments([key], self.times, self.defaults, infos={key: answer})
            )
        except (CosError, BatchInputError) as error:
            # Its times cannot be known: one item that fails alone, with this error, when it
            # runs, even if its GetMediaInfo is answered then (a 503 that has passed): taking
            # the end would report one snapshot done in place of the times it was to have.
            placeholder = item_of_row(key, self.defaults, "end", index)
            times = self.times
            value = str(times.count) if times.every is None else format_time(times.every)
            fields = attrs.asdict(placeholder, recurse=False)
            return [UnplannedItem(**fields, selection=(times.option, value), error=error)]
        return [attrs.evolve(item, index=index + n) for n, item in enumerate(items)]
