"""What a batch is made of: items (a key, a time and snapshot parameters), built from keys ×
times on the command line or read from a CSV / JSON Lines file, and written back as rows that
such a file holds (the failures file).

Times are decimals from end to end: a range such as ``0:60:0.1`` is computed with
:class:`~decimal.Decimal`, never with binary floats, and JSON numbers are read as decimals.
"""

from __future__ import annotations

import csv
import decimal
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from . import CosInvalidArgumentError, SnapshotArgs, format_time

__all__ = [
    "MAX_RANGE_TIMES",
    "BatchInputError",
    "BatchItem",
    "ItemDefaults",
    "items_from_arguments",
    "parse_times",
    "read_items",
]

#: A range may expand to at most this many times (a typo such as ``0:3600:0.001`` is refused).
MAX_RANGE_TIMES = 100_000
#: Suffixes :func:`read_items` understands.
CSV_SUFFIXES = (".csv",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")


class BatchInputError(ValueError):
    """The times, the input file or a row in it is not usable; the message says where."""


@attrs.frozen
class ItemDefaults:
    """Snapshot parameters for rows that leave them out (the command's own options)."""

    width: int = 0
    height: int = 0
    format: str = "jpg"
    rotate: str = "auto"
    mode: str = "exactframe"


@attrs.frozen
class BatchItem:
    """One snapshot to take. ``index`` fills ``{index}`` in output names; ``origin`` says where
    the item came from (``items.csv line 4``) for messages; ``output``, if set, is the item's
    file name relative to the output directory, in place of the name template's."""

    index: int
    args: SnapshotArgs
    origin: str
    output: str | None = None

    def to_row(self) -> dict[str, Any]:
        """The item as an input row: ``read_items`` reads it back to the same item."""
        return {
            "key": self.args.key,
            "time": self.args.time,
            "width": self.args.width,
            "height": self.args.height,
            "format": self.args.format,
            "rotate": self.args.rotate,
            "mode": self.args.mode,
            "index": self.index,
            **({"output": self.output} if self.output is not None else {}),
        }


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


def parse_times(text: str) -> list[str]:
    """The times of ``--times``: comma-separated seconds and ranges, as plain decimal strings.

    ``START:END:STEP`` runs from START in steps of STEP up to END *inclusive* when END falls on
    a step (``0:60:5`` is 0, 5, …, 60: thirteen times; ``0:1:0.3`` is 0, 0.3, 0.6, 0.9).
    Parts may mix: ``0,0.5,1:10:1``. A time given twice is kept once, where it first appears.
    """
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or any(not part for part in parts):
        raise BatchInputError(f"times {text!r}: give seconds separated by commas, e.g. 0,1.5,3")
    times: dict[str, None] = {}
    for part in parts:
        if ":" in part:
            expanded = _expand_range(part)
        else:
            try:
                expanded = [format_time(part)]
            except CosInvalidArgumentError as error:
                raise BatchInputError(f"times {part!r}: {error}") from None
        times.update(dict.fromkeys(expanded))
    if len(times) > MAX_RANGE_TIMES:
        raise BatchInputError(f"times give {len(times)} values; at most {MAX_RANGE_TIMES} allowed")
    return list(times)


# -- items from arguments --------------------------------------------------------------------


def _check(key: object, time: object, values: Mapping[str, object], origin: str) -> SnapshotArgs:
    if isinstance(time, bool) or not isinstance(time, str | int | Decimal):
        raise BatchInputError(f"{origin}: time: must be a number of seconds, got {time!r}")
    try:
        return SnapshotArgs.check(key, time, **values)
    except CosInvalidArgumentError as error:
        raise BatchInputError(f"{origin}: {error}") from None


def items_from_arguments(
    keys: Sequence[str], times: Sequence[str], defaults: ItemDefaults
) -> list[BatchItem]:
    """Every key at every time, key by key."""
    values = attrs.asdict(defaults)
    items: list[BatchItem] = []
    for key in keys:
        for time in times:
            args = _check(key, time, values, f"key {key!r}")
            items.append(BatchItem(len(items), args, f"key {key!r} at {args.time}"))
    return items


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


def _item_from_row(
    row: Mapping[str, object], position: int, defaults: ItemDefaults, origin: str
) -> BatchItem:
    if _blank(row.get("key")):
        raise BatchInputError(f"{origin}: key: missing")
    if _blank(row.get("time")):
        raise BatchInputError(f"{origin}: time: missing")
    time = row["time"]
    values = {
        "width": _integer(row, "width", defaults.width, origin),
        "height": _integer(row, "height", defaults.height, origin),
        "format": _text(row, "format", defaults.format),
        "rotate": _text(row, "rotate", defaults.rotate),
        "mode": _text(row, "mode", defaults.mode),
    }
    args = _check(row["key"], time.strip() if isinstance(time, str) else time, values, origin)
    output = row.get("output")
    if _blank(output):
        output = None
    elif not isinstance(output, str):
        raise BatchInputError(f"{origin}: output: must be a file name, got {output!r}")
    return BatchItem(_integer(row, "index", position, origin), args, origin, output)


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(newline="", encoding="utf-8-sig") as stream:
        reader = csv.reader(stream)
        header = next(reader, None)
        if header is None:
            return
        names = [name.strip().lower() for name in header]
        if "key" not in names or "time" not in names:
            raise BatchInputError(
                f"{path} line 1: the header needs columns key and time, has {', '.join(names)}"
            )
        for record in reader:
            if not any(field.strip() for field in record):
                continue
            if len(record) > len(names):
                raise BatchInputError(
                    f"{path} line {reader.line_num}: {len(record)} values for {len(names)} columns"
                )
            yield reader.line_num, dict(zip(names, record, strict=False))


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, object]]]:
    with path.open(encoding="utf-8-sig") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line, parse_float=Decimal)
            except json.JSONDecodeError as error:
                raise BatchInputError(f"{path} line {number}: not JSON: {error.msg}") from None
            if not isinstance(row, dict):
                raise BatchInputError(f"{path} line {number}: must be a JSON object")
            yield number, row


def read_items(path: Path, defaults: ItemDefaults) -> list[BatchItem]:
    """The items of a CSV file (a header row naming the columns) or a JSON Lines file (one
    object a line), chosen by the suffix. Rows need ``key`` and ``time``; ``width``,
    ``height``, ``format``, ``rotate``, ``mode`` and ``index`` are optional (empty or missing:
    ``defaults``, and the row's position for ``index``), and so is ``output`` (a file name
    that overrides the name template); other columns are ignored.

    Raises :class:`BatchInputError` naming the file and line of the first bad row.
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        rows = _csv_rows(path)
    elif suffix in JSONL_SUFFIXES:
        rows = _jsonl_rows(path)
    else:
        raise BatchInputError(f"{path}: the input must be a .csv or .jsonl file")
    items: list[BatchItem] = []
    try:
        for number, row in rows:
            items.append(_item_from_row(row, len(items), defaults, f"{path} line {number}"))
    except UnicodeDecodeError:
        raise BatchInputError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise BatchInputError(f"{path}: {error.strerror or error}") from None
    except csv.Error as error:
        raise BatchInputError(f"{path}: {error}") from None
    if not items:
        raise BatchInputError(f"{path}: no items (rows need key and time)")
    return items
