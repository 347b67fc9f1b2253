"""What a batch is made of: items (a key, a time and snapshot parameters), built from keys ×
times on the command line or read from a CSV / JSON Lines file, and written back as rows that
such a file holds (the failures file).

Times are decimals from end to end: a range such as ``0:60:0.1`` is computed with
:class:`~decimal.Decimal`, never with binary floats, and JSON numbers are read as decimals.
A time may be relative to the video (``50%``, ``end``); such an item is a :class:`RelativeItem`
until the video's :class:`~cos_snapshot.MediaInfo` resolves it into a :class:`BatchItem`.
Files are read as streams: :func:`iter_items` holds one row at a time.
"""

from __future__ import annotations

import csv
import decimal
import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import attrs

from ... import (
    AUTO,
    CosInvalidArgumentError,
    MediaInfo,
    SnapshotArgs,
    TimeSelection,
    check_auto_mode,
    format_time,
    is_auto_time,
    is_relative_time,
    parse_time,
    resolve_time,
)
from ..._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    Format,
    Mode,
    Rotate,
)
from ..._shared.text import plural

__all__ = [
    "JSONL_SUFFIXES",
    "MAX_RANGE_TIMES",
    "BatchInputError",
    "BatchItem",
    "Item",
    "ItemDefaults",
    "RelativeItem",
    "TimeSelection",
    "UnplannedItem",
    "is_relative_time",
    "item_of_row",
    "items_from_arguments",
    "iter_items",
    "parse_times",
    "read_items",
]

#: A range may expand to at most this many times (a typo such as ``0:3600:0.001`` is refused).
MAX_RANGE_TIMES = 100_000
#: Suffixes :func:`read_items` understands.
CSV_SUFFIXES = (".csv",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


#: JSON numbers as exact decimals (one decoder for every row).
_JSON_ROW = json.JSONDecoder(parse_float=Decimal)
#: The snapshot parameters an item has besides its key and time.
_PARAMETERS = ("width", "height", "format", "rotate", "mode")
#: The columns of an :class:`UnplannedItem`'s row, in place of its time.
_SELECTIONS = ("count", "every")


class BatchInputError(ValueError):
    """The times, the input file or a row in it is not usable; the message says where."""


def _about_part(part: str, problem: str) -> str:
    """A message about one ``part`` of --times: the part is quoted once, by the problem when it
    quotes it already (``'150%': a share ...``), else before it."""
    return f"times: {problem}" if repr(part) in problem else f"times {part!r}: {problem}"


def _relative_time(
    text: str, what: str, *, allow_auto: bool = True, no_auto: str | None = None
) -> str:
    """``text``, a time relative to the video or ``auto``, checked without the video
    (:func:`~cos_snapshot.parse_time`) and written as resolve_time reads it; a
    :class:`BatchInputError` saying ``what`` (``times`` for a part of --times) when it is not
    one."""
    try:
        return parse_time(text, allow_auto=allow_auto, no_auto=no_auto)
    except CosInvalidArgumentError as error:
        if what == "times":
            raise BatchInputError(_about_part(text, error.problem)) from None
        raise BatchInputError(f"{what}: {error.problem}") from None


@attrs.frozen
class ItemDefaults:
    """Snapshot parameters for rows that leave them out (the command's own options)."""

    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    format: Format = DEFAULT_FORMAT
    rotate: Rotate = DEFAULT_ROTATE
    mode: Mode = DEFAULT_MODE


def _row(item: BatchItem | RelativeItem) -> dict[str, Any]:
    args = item.args
    return {
        "key": args.key,
        "time": item.time,
        "width": args.width,
        "height": args.height,
        "format": args.format,
        "rotate": args.rotate,
        "mode": args.mode,
        "index": item.index,
        **({"output": item.output} if item.output is not None else {}),
    }


@attrs.frozen
class BatchItem:
    """One snapshot to take. ``index`` fills ``{index}`` in output names; ``origin`` says where
    the item came from (``items.csv line 4``) for messages; ``output``, if set, is the item's
    file name relative to the output directory, in place of the name template's. ``args.time``
    is always seconds: an item whose time was relative to the video is made by
    :meth:`RelativeItem.resolve`."""

    index: int
    args: SnapshotArgs
    origin: str
    output: str | None = None

    #: Whether the time waits for the video (never: see :class:`RelativeItem`).
    relative: ClassVar[bool] = False
    #: Whether the time is ``auto`` (never: see :class:`RelativeItem`).
    auto: ClassVar[bool] = False

    @property
    def time(self) -> str:
        """The time in seconds, as plain decimal text."""
        return self.args.time

    def resolve(self, info: MediaInfo) -> BatchItem:
        """The item itself: its time is already seconds."""
        return self

    def to_row(self) -> dict[str, Any]:
        """The item as an input row: ``read_items`` reads it back to the same item."""
        return _row(self)


@attrs.frozen
class RelativeItem:
    """An item whose time is relative to the video (``time`` is ``"50%"``, ``"end"`` or
    ``"auto"``): its other arguments are checked (``args``, whose own time is 0 until then),
    and :meth:`resolve` makes the :class:`BatchItem` once the video's
    :class:`~cos_snapshot.MediaInfo` is known. An ``auto`` item (:attr:`auto`) is never
    resolved so: its name keeps the word ``auto``, and the batch asks
    :func:`~cos_snapshot.tools.poster.apick_poster` for its frame when it runs."""

    index: int
    time: str
    args: SnapshotArgs
    origin: str
    output: str | None = None

    #: Whether the time waits for the video's GetMediaInfo.
    relative: ClassVar[bool] = True

    @property
    def key(self) -> str:
        """The video's key."""
        return self.args.key

    @property
    def auto(self) -> bool:
        """Whether the time is ``auto``: the best poster, chosen when the item runs."""
        return self.time == AUTO

    @property
    def params(self) -> ItemDefaults:
        """The item's width, height, format, rotate and mode."""
        args = self.args
        return ItemDefaults(args.width, args.height, args.format, args.rotate, args.mode)

    def resolve(self, info: MediaInfo) -> BatchItem:
        """The item at the seconds :func:`cos_snapshot.resolve_time` gives for ``info``.
        Raises :class:`~cos_snapshot.CosInvalidArgumentError` (``time``) when ``info`` has
        no video stream, duration or frame rate to resolve it with."""
        args = self.args.at(resolve_time(self.time, info))
        return BatchItem(self.index, args, f"{self.origin} ({self.time})", self.output)

    def to_row(self) -> dict[str, Any]:
        """The item as an input row, its time as written: read back, it is this item."""
        return _row(self)


@attrs.frozen
class UnplannedItem(RelativeItem):
    """The one item of a video whose ``--count`` or ``--every`` times could not be planned (its
    GetMediaInfo failed while a ``--prefix`` listing was read): it fails, with ``error``,
    without a snapshot. ``selection`` is the option and its value (``("count", "3")``).

    As a row it keeps the selection in place of a time (``{"key": ..., "count": 3}``), so that
    the failures file never stands for one frame where there were to be N: such a row, read
    back, is this item again, failing with a message that says to run the listing command
    again (a row is one snapshot; the N times of a video are planned from its listing)."""

    selection: tuple[str, str] = attrs.field(kw_only=True)
    error: Exception = attrs.field(kw_only=True, eq=False, repr=False)

    def resolve(self, info: MediaInfo) -> BatchItem:
        """Never an item: raises :attr:`error`."""
        raise self.error

    def to_row(self) -> dict[str, Any]:
        """The row: the key, the parameters and the selection, no time."""
        row = _row(self)
        del row["time"]
        option, value = self.selection
        row[option] = int(value) if option == "count" else value
        return row


#: What the item readers give: an item ready to take, or one waiting for its video's duration.
Item = BatchItem | RelativeItem


# -- times ---------------------------------------------------------------------------------


def _decimal(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except decimal.InvalidOperation:
        raise BatchInputError(f"{what} is not a number: {text!r}") from None
    if not value.is_finite():
        raise BatchInputError(f"{what} must be finite: {text!r}")
    return value


def _expand_range(part: str) -> list[str]:
    pieces = part.split(":")
    if len(pieces) != 3:
        raise BatchInputError(f"range {part!r} must be START:END:STEP, e.g. 0:60:5")
    start = _decimal(pieces[0], f"range {part!r}: START")
    end = _decimal(pieces[1], f"range {part!r}: END")
    step = _decimal(pieces[2], f"range {part!r}: STEP")
    if start < 0:
        raise BatchInputError(f"range {part!r}: START must be >= 0")
    if step <= 0:
        raise BatchInputError(f"range {part!r}: STEP must be > 0")
    if end < start:
        raise BatchInputError(f"range {part!r}: END must not be before START")
    # Exact decimal arithmetic: more digits than any input could need, and rounding is an error.
    exact = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.InvalidOperation])
    try:
        with decimal.localcontext(exact):
            count = int((end - start) // step) + 1
            if count > MAX_RANGE_TIMES:
                raise BatchInputError(
                    f"range {part!r} gives {count} times; at most {MAX_RANGE_TIMES} allowed"
                )
            return [format_time(start + i * step) for i in range(count)]
    except decimal.DecimalException:
        raise BatchInputError(f"range {part!r} is too long or too precise") from None


def parse_times(
    text: str, *, relative: bool = False, auto: bool = False, no_auto: str | None = None
) -> list[str]:
    """The times of ``--times``: comma-separated seconds and ranges, as plain decimal strings.

    ``START:END:STEP`` runs from START in steps of STEP up to END *inclusive* when END falls on
    a step (``0:60:5`` is 0, 5, …, 60: thirteen times; ``0:1:0.3`` is 0, 0.3, 0.6, 0.9).
    Parts may mix: ``0,0.5,1:10:1``. A time given twice is kept once, where it first appears.
    With ``relative``, a part may also be relative to the video: a share ``50%`` (from 0 up to
    but not including 100) or ``end`` (the last frame), kept as written (``50%``, ``end``) for
    :class:`~cos_snapshot.TimeSelection` to resolve; their syntax is checked here, without
    the video. With ``auto`` (and ``relative``), ``auto`` is a time too (the best poster);
    without it, ``auto`` is refused, saying ``no_auto`` as the reason when given. Each part is
    read by :func:`~cos_snapshot.parse_time`, so the messages are those of every other time.
    """
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise BatchInputError(f"times {text!r}: give seconds separated by commas, e.g. 0,1.5,3")
    times: dict[str, None] = {}
    for part in parts:
        if relative and (is_relative_time(part) or is_auto_time(part)):
            expanded = [_relative_time(part, "times", allow_auto=auto, no_auto=no_auto)]
        elif ":" in part:
            expanded = _expand_range(part)
        else:
            try:
                expanded = [
                    parse_time(part, allow_auto=auto and relative, no_auto=no_auto)
                    if not is_relative_time(part)
                    else format_time(part)  # relative times were not asked for: refused
                ]
            except CosInvalidArgumentError as error:
                raise BatchInputError(_about_part(part, error.problem)) from None
        times.update(dict.fromkeys(expanded))
    if len(times) > MAX_RANGE_TIMES:
        raise BatchInputError(f"times give {len(times)} values; at most {MAX_RANGE_TIMES} allowed")
    return list(times)


# -- items from arguments --------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _seconds(text: str) -> str:
    # Many rows share their times (the same moments of many videos). Read as every time is,
    # for the same messages; relative times and auto were taken apart before.
    return parse_time(text)


@functools.lru_cache(maxsize=1024)
def _checked_at_zero(
    key: object, width: object, height: object, format: object, rotate: object, mode: object
) -> SnapshotArgs:
    # Rows of one video repeat its key and parameters: they are checked once, not per row.
    return SnapshotArgs.check(
        key, 0, width=width, height=height, format=format, rotate=rotate, mode=mode
    )


def _check(key: object, time: object, values: Mapping[str, object], origin: str) -> SnapshotArgs:
    if isinstance(time, bool) or not isinstance(time, str | int | Decimal):
        raise BatchInputError(f"{origin}: time: must be a number of seconds, got {time!r}")
    try:
        try:
            checked = _checked_at_zero(key, *(values[name] for name in _PARAMETERS))
        except TypeError:  # an unhashable value (a JSON list, say): checked as it is
            return SnapshotArgs.check(key, time, **values)
        return SnapshotArgs(
            checked.key,
            _seconds(time) if isinstance(time, str) else format_time(time),
            checked.width,
            checked.height,
            checked.format,
            checked.rotate,
            checked.mode,
        )
    except CosInvalidArgumentError as error:
        raise BatchInputError(f"{origin}: {error}") from None


def _auto_args(args: SnapshotArgs, origin: str) -> SnapshotArgs:
    """The arguments of an ``auto`` item, refused with mode keyframe
    (:func:`~cos_snapshot.check_auto_mode`)."""
    try:
        check_auto_mode(args.mode)
    except CosInvalidArgumentError as error:
        raise BatchInputError(f"{origin}: {error}") from None
    return args


def items_from_arguments(
    keys: Sequence[str],
    times: Sequence[str] | TimeSelection,
    defaults: ItemDefaults,
    *,
    infos: Mapping[str, MediaInfo] | None = None,
) -> Iterator[Item]:
    """Every key at every time, key by key, generated as they are taken (the keys × times are
    never held). ``times`` are seconds (a sequence) or a :class:`~cos_snapshot.TimeSelection`
    (``cos_snapshot.tools.batch.TimeSelection`` is the same class); when it is relative to the
    video, ``infos`` holds each key's GetMediaInfo. A time ``auto`` gives a
    :class:`RelativeItem` whose frame the run chooses
    (:func:`~cos_snapshot.tools.poster.apick_poster`).

    Raises :class:`BatchInputError` for an unusable key or time, or a key whose times cannot
    be resolved from its ``infos`` entry (naming the key and the problem)."""
    if isinstance(times, TimeSelection):
        selection = times
    else:
        try:
            selection = TimeSelection(tuple(times))
        except ValueError as error:  # CosInvalidArgumentError included: a time named
            raise BatchInputError(f"times: {error}") from None
    values = attrs.asdict(defaults)
    index = 0
    for key in keys:
        info = None
        if selection.relative:
            info = (infos or {}).get(key)
            if info is None:
                raise BatchInputError(
                    f"key {key!r}: its times are relative to the video, but its GetMediaInfo "
                    "was not given"
                )
        try:
            seconds = selection.resolve(info)
        except CosInvalidArgumentError as error:
            raise BatchInputError(f"key {key!r}: {error}") from None
        for time in seconds:
            if time == AUTO:
                args = _auto_args(_check(key, "0", values, f"key {key!r}"), f"key {key!r}")
                yield RelativeItem(index, AUTO, args, f"key {key!r} at auto")
            else:
                args = _check(key, time, values, f"key {key!r}")
                yield BatchItem(index, args, f"key {key!r} at {args.time}")
            index += 1


# -- items from files ----------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _integer(row: Mapping[str, object], name: str, default: int, origin: str) -> int:
    value = row.get(name)
    if _blank(value):
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    raise BatchInputError(f"{origin}: {name}: must be a whole number, got {value!r}")


def _text(row: Mapping[str, object], name: str, default: str) -> object:
    value = row.get(name)
    return default if _blank(value) else value


def _selection_of_row(row: Mapping[str, object], origin: str) -> tuple[str, str] | None:
    """The ``count`` or ``every`` of a row (an :class:`UnplannedItem`'s), checked, or None."""
    given = [name for name in _SELECTIONS if not _blank(row.get(name))]
    if not given:
        return None
    if len(given) > 1 or not _blank(row.get("time")):
        raise BatchInputError(f"{origin}: give one of time, count and every")
    option = given[0]
    count = _integer(row, option, 0, origin) if option == "count" else None
    try:
        if count is not None:
            return option, str(TimeSelection(count=count).count)
        every = TimeSelection(every=row[option]).every  # type: ignore[arg-type]
        return option, format_time(every)  # type: ignore[arg-type]
    except ValueError as error:  # CosInvalidArgumentError included: it names the option
        raise BatchInputError(f"{origin}: {error}") from None


def _item_from_row(
    row: Mapping[str, object], position: int, defaults: ItemDefaults, origin: str
) -> Item:
    if _blank(row.get("key")):
        raise BatchInputError(f"{origin}: key: missing")
    selection = _selection_of_row(row, origin)
    if selection is not None:
        row = {**row, "time": "end"}  # its other columns are checked as any row's
    elif _blank(row.get("time")):
        raise BatchInputError(f"{origin}: time: missing")
    time = row["time"]
    values = {
        "width": _integer(row, "width", defaults.width, origin),
        "height": _integer(row, "height", defaults.height, origin),
        "format": _text(row, "format", defaults.format),
        "rotate": _text(row, "rotate", defaults.rotate),
        "mode": _text(row, "mode", defaults.mode),
    }
    output = row.get("output")
    if _blank(output):
        output = None
    elif not isinstance(output, str):
        raise BatchInputError(f"{origin}: output: must be a file name, got {output!r}")
    index = _integer(row, "index", position, origin)
    if is_relative_time(time) or is_auto_time(time):
        relative = _relative_time(str(time), f"{origin}: time")
        # The other arguments are checked now, as for any row; the time waits for the video.
        args = _check(row["key"], "0", values, origin)
        if relative == AUTO:
            args = _auto_args(args, origin)
        if selection is not None:
            option, value = selection
            error = BatchInputError(
                f"{origin}: the times of --{option} {value} are planned from the video's "
                f"listing, which a row cannot do: run the batch --prefix command that listed "
                f"{row['key']} again (outputs that exist are skipped)"
            )
            return UnplannedItem(
                index, relative, args, origin, output, selection=selection, error=error
            )
        return RelativeItem(index, relative, args, origin, output)
    args = _check(row["key"], time.strip() if isinstance(time, str) else time, values, origin)
    return BatchItem(index, args, origin, output)


def item_of_row(key: str, defaults: ItemDefaults, time: str = "0", index: int = 0) -> Item:
    """The item of ``key`` at ``time`` (seconds, relative to the video: ``50%``, ``end``, or
    ``auto``) with the ``defaults``, checked as a row of an input file is."""
    return _item_from_row({"key": key, "time": time}, index, defaults, f"key {key!r}")


def _csv_rows(path: Path, shown: str) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        header = next(reader, None)
        if header is None:
            return
        names = [name.strip().lower() for name in header]
        repeated = sorted({name for name in names if name and names.count(name) > 1})
        if repeated:  # which of the two would count is a guess: refused, not the last taken
            raise BatchInputError(
                f"{shown} line 1: column {' and '.join(repeated)} appears more than once in "
                "the header"
            )
        if "key" not in names or "time" not in names:
            raise BatchInputError(
                f"{shown} line 1: the header needs columns key and time, has {', '.join(names)}"
            )
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            if len(record) > len(names):
                raise BatchInputError(
                    f"{shown} line {reader.line_num}: {plural(len(record), 'value')} for "
                    f"{plural(len(names), 'column')}"
                )
            yield reader.line_num, dict(zip(names, record, strict=False))


def _jsonl_rows(path: Path, shown: str) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8-sig") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                row = _JSON_ROW.decode(line)
            except json.JSONDecodeError as error:
                raise BatchInputError(f"{shown} line {number}: not JSON: {error.msg}") from None
            except RecursionError:  # arrays or objects nested thousands deep
                raise BatchInputError(
                    f"{shown} line {number}: JSON nested too deeply for an item"
                ) from None
            if not isinstance(row, dict):
                raise BatchInputError(f"{shown} line {number}: must be a JSON object")
            if row.get("incomplete") is True:  # a failures file its run did not finish
                raise BatchInputError(
                    f"{shown} line {number}: an incomplete list of failures "
                    f"({row.get('error') or 'its run did not finish'}); take the batch again "
                    "from its original input (files that exist are skipped)"
                )
            yield number, row


def iter_items(path: Path, defaults: ItemDefaults, *, name: str | None = None) -> Iterator[Item]:
    """The items of a CSV file (a header row naming the columns) or a JSON Lines file (one
    object a line), chosen by the suffix, read one row at a time. Rows need ``key`` and
    ``time`` (seconds, or relative to the video: ``50%``, ``end``, or ``auto``, the best
    poster, which give a :class:`RelativeItem`); ``width``, ``height``, ``format``,
    ``rotate``, ``mode`` and ``index`` are optional (empty or missing: ``defaults``, and the row's position for
    ``index``), and so is ``output`` (a file name that overrides the name template); a row
    with ``count`` or ``every`` in place of ``time`` is an ``UnplannedItem``; other
    columns are ignored.

    Raises :class:`BatchInputError` naming the file (or ``name``: ``stdin`` for a spooled
    standard input) and line of the first bad row, when the iteration reaches it, and at the
    end when the file had no items.
    """
    shown = name or str(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        rows = _csv_rows(path, shown)
    elif suffix in JSONL_SUFFIXES:
        rows = _jsonl_rows(path, shown)
    else:
        raise BatchInputError(f"{shown}: the input must be a .csv or .jsonl file")
    position = 0
    try:
        for number, row in rows:
            yield _item_from_row(row, position, defaults, f"{shown} line {number}")
            position += 1
    except UnicodeDecodeError:
        raise BatchInputError(f"{shown}: not UTF-8 text") from None
    except OSError as error:
        raise BatchInputError(f"{shown}: {error.strerror or error}") from None
    except csv.Error as error:
        raise BatchInputError(f"{shown}: {error}") from None
    if not position:
        raise BatchInputError(f"{shown}: no items (rows need key and time)")


def read_items(path: Path, defaults: ItemDefaults) -> list[Item]:
    """All the items of :func:`iter_items` in a list (for small inputs; a batch streams)."""
    return list(iter_items(path, defaults))
