"""Planning a batch: the GetMediaInfo that keys × relative times need, then each item's output
name, checked over the whole input before any snapshot is fetched (step 2 of
:mod:`cos_snapshot.tools.batch`)."""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

import attrs

from ... import (
    AsyncSnapshotClient,
    CosError,
    CosInvalidArgumentError,
    MediaInfo,
    TimeSelection,
    media_info_for,
)
from ..destination import BucketPrefix, OutputPlace, name_digest
from .items import BatchInputError, BatchItem, Item, ItemDefaults, items_from_arguments
from .names import KEY_LIMITS, NameLimits, NameTemplate, format_for_name


@attrs.frozen
class PlannedItem:
    """An item and the output its image goes to: ``name`` under ``output_dir`` (a local
    directory, or a :class:`~cos_snapshot.tools.destination.BucketPrefix` in a bucket). For a
    :class:`RelativeItem`, ``name`` has the time as written (``clip_50%.jpg``) and
    :meth:`resolve` gives the planned item at the resolved seconds, named by ``template``."""

    item: Item
    output_dir: OutputPlace
    name: PurePosixPath
    template: NameTemplate | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def path(self) -> Path:
        """The file the image goes to; ``ValueError`` when it goes to a bucket (see
        :attr:`where`)."""
        if isinstance(self.output_dir, BucketPrefix):
            raise ValueError(f"{self.where} is an object in a bucket, not a file")
        return self.output_dir / self.name

    @property
    def where(self) -> str:
        """Where the image goes, as a person reads it: a path, or ``cos://bucket/key``."""
        if isinstance(self.output_dir, BucketPrefix):
            return self.output_dir.url(self.name)
        return str(self.output_dir / self.name)

    def resolve(self, info: MediaInfo) -> PlannedItem:
        """This item with its time resolved from the video's ``info`` and its file named from
        the resolved seconds (itself when its time is already seconds). Raises
        :class:`~cos_snapshot.CosInvalidArgumentError` when the time cannot be resolved and
        :class:`BatchInputError` when the name cannot be used."""
        if not self.item.relative:
            return self
        item = self.item.resolve(info)
        name = self.template.render(item) if self.template is not None else self.name
        if isinstance(self.output_dir, Path):  # a key cannot leave its prefix: no `..`, no links
            resolved = (self.output_dir / name).resolve()
            if not resolved.is_relative_to(self.output_dir.resolve()):
                raise BatchInputError(f"{item.origin}: {name} would be written outside the output")
        return PlannedItem(item, self.output_dir, name, self.template)

    def to_row(self) -> dict[str, Any]:
        """The item as an input row that writes to the same file name (a time relative to
        the video that was not resolved stays as written, and its row names no file)."""
        row = self.item.to_row()
        if not self.item.relative or self.item.output is not None:
            row["output"] = str(self.name)
        return row


def check_suffix(planned: PlannedItem) -> None:
    """Refuse a name whose suffix promises another format than the item's image: a PNG in a
    file named ``.jpg`` misleads every program that opens it."""
    item = planned.item
    image = item.args.format
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


class NameTaken(BatchInputError):
    """An output name that an earlier item (or a reserved file) holds. ``digest`` identifies the
    name for :meth:`OutputNames.holder`; ``holder`` says who holds it when that is known."""

    def __init__(self, message: str, digest: bytes, holder: str | None = None) -> None:
        super().__init__(message)
        self.digest = digest
        self.holder = holder


class OutputNames:
    """The output names a run has given out: each item's name is claimed once it is known (as
    the item is taken, or when its time relative to the video is resolved), and refused when it
    leaves ``output_dir``, exceeds the destination's ``limits`` or is held already. The same
    registry serves any source of items, a re-readable file or a listing that streams, as it
    holds nothing per item but a 16-byte digest of each name given out
    (:func:`~cos_snapshot.tools.destination.name_digest` of the file's absolute path, or of the
    object's key when ``output_dir`` is a prefix in a bucket).

    ``reserved`` maps paths no item may write (the failures file) to what they are. ``limits``
    defaults to the output directory's file system's (:meth:`NameLimits.for_directory`), or to
    what an object key holds below a bucket prefix (``KEY_LIMITS`` less the prefix)."""

    def __init__(
        self,
        output_dir: OutputPlace,
        *,
        limits: NameLimits | None = None,
        reserved: Mapping[Path, str] | None = None,
        earlier: Callable[[], Iterable[PlannedItem]] | None = None,
    ) -> None:
        #: The items again from the first, to find who holds a name for a message (rare), or
        #: ``None`` when they cannot be read again (a listing).
        self.earlier = earlier
        self._bucket = output_dir if isinstance(output_dir, BucketPrefix) else None
        self._names = _Names(output_dir) if isinstance(output_dir, Path) else None
        if limits is None:
            limits = (
                NameLimits.for_directory(output_dir)
                if isinstance(output_dir, Path)
                else _limits_below(output_dir)
            )
        self.limits = limits
        self._reserved = {
            name_digest(str(path.resolve())): f"{what} {path}"
            for path, what in (reserved or {}).items()
        }
        self._taken: set[bytes] = set()

    def __len__(self) -> int:
        return len(self._taken)

    def digest(self, planned: PlannedItem) -> bytes:
        """The digest of ``planned``'s file, made absolute; raises :class:`BatchInputError`
        when the name leaves the output directory or exceeds the limits."""
        problem = self.limits.problem(planned.name)
        if problem is not None:
            raise BatchInputError(f"{planned.item.origin}: cannot write {problem}")
        if self._names is None:
            assert self._bucket is not None  # noqa: S101 - one of the two
            return name_digest(self._bucket.key(planned.name))
        resolved = self._names.resolved(planned.name)
        if not self._names.inside(resolved):
            raise BatchInputError(
                f"{planned.item.origin}: {planned.name} would be written outside {self._names.root}"
            )
        return name_digest(resolved)

    def claim(self, planned: PlannedItem) -> None:
        """Give ``planned`` its file, or raise: :class:`NameTaken` when the name is held (by an
        earlier claim or a reserved file), :class:`BatchInputError` when it cannot be used."""
        digest = self.digest(planned)
        reserved = self._reserved.get(digest)
        if reserved is not None:
            raise NameTaken(f"{planned.item.origin} would overwrite {reserved}", digest, reserved)
        if digest in self._taken:
            raise NameTaken(f"{planned.item.origin}: {planned.name} is taken", digest)
        self._taken.add(digest)

    def holder(self, digest: bytes, earlier: Iterable[PlannedItem]) -> PlannedItem | None:
        """The first of ``earlier`` whose file has ``digest`` (items whose time is relative to
        the video are skipped: give them resolved), for a message; ``None`` if none has."""
        for planned in earlier:
            if planned.item.relative:
                continue
            try:
                if self.digest(planned) == digest:
                    return planned
            except BatchInputError:
                continue
        return None


def _limits_below(place: BucketPrefix) -> NameLimits:
    """What a name holds below ``place``: an object key's limit less the prefix's bytes."""
    assert KEY_LIMITS.total_bytes is not None  # noqa: S101 - a key's limit is a total
    used = len(place.prefix.encode("utf-8", "surrogatepass"))
    return attrs.evolve(KEY_LIMITS, total_bytes=max(1, KEY_LIMITS.total_bytes - used))


@attrs.frozen
class KeyTimes:
    """Every key at every time of ``times``: the items of a batch given as keys and times, for
    :class:`BatchPlan` (called, it gives a new iterator of :func:`items_from_arguments`).

    When the times are relative to the video (``50%``, ``end``, a count, a step), each key's
    GetMediaInfo is needed before its items can be planned: :meth:`BatchPlan.fetch_media_infos`
    asks for them, with the run's client, and keeps them here.
    """

    keys: tuple[str, ...] = attrs.field(converter=tuple)
    times: TimeSelection
    defaults: ItemDefaults = attrs.field(factory=ItemDefaults)
    infos: dict[str, MediaInfo] = attrs.field(factory=dict, eq=False, repr=False)
    #: Leave out the times at or past each video's end (which repeat its last frame); the
    #: keys' GetMediaInfo is asked for whatever the times.
    skip_past_end: bool = False

    def __call__(self) -> Iterator[BatchItem]:
        items = items_from_arguments(self.keys, self.times, self.defaults, infos=self.infos)
        if not self.skip_past_end:
            return items
        return (item for item in items if not self._past_end(item.args.key, item.args.time))

    def _past_end(self, key: str, time: str) -> bool:
        info = self.infos.get(key)
        duration = None if info is None else info.video_duration
        return duration is not None and Decimal(time) >= duration

    def past_end(self) -> dict[str, int]:
        """For each key whose duration is known (its GetMediaInfo was asked), how many of its
        times are at or past the video's end, where a snapshot repeats its last frame (keys
        with none left out)."""
        counts: dict[str, int] = {}
        for key in dict.fromkeys(self.keys):
            if key not in self.infos:
                continue
            try:
                seconds = self.times.resolve(self.infos[key])
            except (ValueError, CosInvalidArgumentError):
                continue
            past = sum(self._past_end(key, time) for time in seconds)
            if past:
                counts[key] = past
        return counts

    async def fetch_media_infos(self, client: AsyncSnapshotClient, *, concurrency: int) -> None:
        """Each key's GetMediaInfo (:func:`cos_snapshot.media_info_for`), ``concurrency`` at a
        time: one request per key, not per item. The times need it when they are relative to
        the video or :attr:`skip_past_end` is set: a key that is missing or not a video then
        raises. Two or more plain seconds do not need it; it is asked all the same, to tell how
        many of them fall past each video's end (:meth:`past_end`), and a key it fails for is
        left to fail item by item, as it would without it. One plain time per key asks nothing
        (a poster for each of thousands of keys would pay a second request for each)."""
        needed = self.times.relative or self.skip_past_end
        if not needed and len(self.times.listed) < 2:
            return
        limit = asyncio.Semaphore(concurrency)

        async def one(key: str) -> None:
            async with limit:
                try:
                    self.infos[key] = await media_info_for(client, key, self.times.option)
                except CosError:  # CosInvalidArgumentError included
                    if needed:
                        raise

        try:
            async with asyncio.TaskGroup() as group:
                for key in dict.fromkeys(self.keys):
                    if key not in self.infos:
                        group.create_task(one(key))
        except BaseExceptionGroup as errors:  # the first key that failed, as it was raised
            raise errors.exceptions[0] from None


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
    output_dir: OutputPlace

    async def fetch_media_infos(self, client: AsyncSnapshotClient, *, concurrency: int = 8) -> None:
        """Ask, with ``client``, for the GetMediaInfo the items need before they can be
        planned: that of each key of :class:`KeyTimes` whose times are relative to the video
        (call it before :meth:`check`). A key that is missing or not a video raises its
        :class:`~cos_snapshot.CosInvalidArgumentError` (naming the option, ``time``,
        ``count`` or ``every``, and the key), before any snapshot is asked for. Items read
        from a file need nothing here: :func:`run_batch` resolves theirs as they run, and an
        item whose video has none fails alone."""
        if isinstance(self.items, KeyTimes):
            await self.items.fetch_media_infos(client, concurrency=concurrency)

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

        A time relative to the video is checked in its written form (``clip_50%.jpg``) for
        its suffix only: its name is known, and claimed (:class:`OutputNames`), when it runs.
        A name the destination cannot hold (too long) is left to the run too, where its item
        fails alone.
        """
        names = OutputNames(self.output_dir, reserved=reserved)
        count = 0
        for planned in self:
            count += 1
            check_suffix(planned)
            if planned.item.relative:
                continue
            if names.limits.problem(planned.name) is not None:
                continue
            try:
                names.claim(planned)
            except NameTaken as taken:
                if taken.holder is not None:
                    raise
                raise self._clash(names, taken.digest, planned) from None
        return count

    def names(self, *, reserved: Mapping[Path, str] | None = None) -> OutputNames:
        """A fresh registry of this plan's output names, for :func:`run_batch` to claim them
        in as the items run."""
        return OutputNames(self.output_dir, reserved=reserved, earlier=self.__iter__)

    def _clash(self, names: OutputNames, digest: bytes, second: PlannedItem) -> BatchInputError:
        # Rare, so the first item is found by reading the input again rather than kept.
        first = names.holder(digest, self) or second
        if first.item.output is not None or second.item.output is not None:

            def said(planned: PlannedItem) -> str:
                if planned.item.output is not None:
                    return f"{planned.item.origin} (output {planned.item.output!r})"
                return f"{planned.item.origin} (--name-template {self.template.text!r})"

            return BatchInputError(
                f"{said(second)} names the same file as {said(first)}: {second.name}; give "
                "each row its own output"
            )
        return BatchInputError(
            f"--name-template {self.template.text!r} names both {first.item.origin} and "
            f"{second.item.origin} {second.name}; add {{key}}, {{index}} or {{time}} (with "
            "enough decimals: {time:012.6f}) to tell them apart"
        )


def plan_outputs(
    items: Iterable[Item], template: NameTemplate, output_dir: OutputPlace
) -> list[PlannedItem]:
    """Each item's output path, checked as :meth:`BatchPlan.check` does, in a list (for small
    batches: a :class:`BatchPlan` streams)."""
    held = list(items)
    plan = BatchPlan(lambda: held, template, output_dir)
    plan.check()
    return list(plan)
