"""Checking snapshot arguments before anything is sent."""

from __future__ import annotations

import enum
import math
import numbers
import re
from decimal import Decimal, InvalidOperation
from typing import Final, TypeVar

import attrs

from .._shared.errors import CosInvalidArgumentError
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    FORMATS,
    MAX_DIMENSION,
    MIN_DIMENSION,
    MODES,
    ROTATES,
    Format,
    Mode,
    Rotate,
)

__all__ = [
    "MAX_DIMENSION",
    "MAX_KEY_BYTES",
    "Format",
    "Mode",
    "Rotate",
    "SnapshotArgs",
    "TimeLike",
    "format_time",
]

TimeLike = float | int | Decimal | str
_Choice = TypeVar("_Choice", bound=str)

MAX_KEY_BYTES = 850
#: Bounds on a time's plain decimal text: below 1e16 seconds, at most 40 decimal places.
MAX_TIME_DIGITS = 16
MAX_TIME_DECIMALS = 40
#: A time as text: ASCII digits, an optional point and exponent (what COS reads).
_TIME_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _decimal_places(value: Decimal) -> int:
    """Digits after the point in ``value``'s plain form, trailing zeros not counted."""
    _, digits, exponent = value.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -(int(exponent) + len(digits) - len(significant)))


def format_time(time: TimeLike) -> str:
    """Return ``time`` (seconds) as a plain decimal string; raise naming ``time`` if invalid."""
    if isinstance(time, bool):
        raise CosInvalidArgumentError("time", "must be a number of seconds, not a bool")
    if isinstance(time, Decimal):
        value = time
    elif isinstance(time, numbers.Integral):  # int, and numpy's integers
        integer = int(time)
        if abs(integer) >= 10**MAX_TIME_DIGITS:
            raise CosInvalidArgumentError("time", f"must be below 1e{MAX_TIME_DIGITS}")
        value = Decimal(integer)
    elif isinstance(time, numbers.Real):  # float, and numpy's floats
        number = float(time)
        if not math.isfinite(number):
            raise CosInvalidArgumentError("time", f"must be finite, got {time!r}")
        value = Decimal(repr(number))
    elif isinstance(time, str):
        # Only what the service reads: Python's Decimal would also take "1_5" or "١٫٥".
        if not _TIME_TEXT.fullmatch(time.strip()):
            raise CosInvalidArgumentError("time", f"is not a number in decimal notation: {time!r}")
        try:
            value = Decimal(time.strip())
        except InvalidOperation:
            raise CosInvalidArgumentError("time", f"is not a number: {time!r}") from None
    else:
        raise CosInvalidArgumentError("time", f"must be a number, got {type(time).__name__}")
    if not value.is_finite():
        raise CosInvalidArgumentError("time", f"must be finite, got {time!r}")
    if value < 0:
        raise CosInvalidArgumentError("time", f"must be >= 0, got {time!r}")
    # Bounded before formatting: "1e999999999" would otherwise become a billion digits.
    if not value:
        return "0"
    if value.adjusted() >= MAX_TIME_DIGITS:
        raise CosInvalidArgumentError("time", f"must be below 1e{MAX_TIME_DIGITS}, got {time!r}")
    if _decimal_places(value) > MAX_TIME_DECIMALS:
        raise CosInvalidArgumentError(
            "time", f"has more than {MAX_TIME_DECIMALS} decimal places: {time!r}"
        )
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _check_dimension(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise CosInvalidArgumentError(name, f"must be an integer, got {value!r}")
    value = int(value)  # numpy's integers too
    if not MIN_DIMENSION <= value <= MAX_DIMENSION:
        raise CosInvalidArgumentError(
            name, f"must be between {MIN_DIMENSION} and {MAX_DIMENSION}, got {value}"
        )
    return value


def _check_choice(name: str, value: object, choices: tuple[_Choice, ...]) -> _Choice:
    for choice in choices:
        if value == choice:
            return choice
    raise CosInvalidArgumentError(name, f"must be one of {', '.join(choices)}; got {value!r}")


def check_key(key: object) -> str:
    """An object key: a non-empty string of at most 850 UTF-8 bytes, no control characters."""
    if not isinstance(key, str) or not key.removeprefix("/"):
        raise CosInvalidArgumentError("key", "must be a non-empty string other than '/'")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise CosInvalidArgumentError("key", "must not contain control characters")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:
        raise CosInvalidArgumentError("key", "is not valid Unicode (lone surrogate)") from None
    if size > MAX_KEY_BYTES:
        raise CosInvalidArgumentError("key", f"is {size} bytes; at most {MAX_KEY_BYTES} allowed")
    return key


@attrs.frozen
class SnapshotArgs:
    """The validated arguments of one GetSnapshot call: build it with :meth:`check`.

    The clients' ``get_snapshot`` and ``presign_snapshot_url`` take one in place of the key,
    time and options, and send it as it is, without checking its fields again; so do the
    batch items (:class:`cos_snapshot.tools.batch.BatchItem`), the contact sheet and the
    command line. The constructor itself checks nothing: it is for values that were checked.
    """

    key: str
    time: str
    width: int
    height: int
    format: Format
    rotate: Rotate
    mode: Mode

    @classmethod
    def check(
        cls,
        key: object,
        time: TimeLike,
        *,
        width: object = DEFAULT_WIDTH,
        height: object = DEFAULT_HEIGHT,
        format: object = DEFAULT_FORMAT,
        rotate: object = DEFAULT_ROTATE,
        mode: object = DEFAULT_MODE,
    ) -> SnapshotArgs:
        """The arguments, validated as :meth:`SnapshotClient.get_snapshot` does before it
        sends anything: the time becomes its plain decimal text (:func:`format_time`).
        Raises :class:`CosInvalidArgumentError` naming the first bad argument."""
        return cls(
            key=check_key(key),
            time=format_time(time),
            width=_check_dimension("width", width),
            height=_check_dimension("height", height),
            format=_check_choice("format", format, FORMATS),
            rotate=_check_choice("rotate", rotate, ROTATES),
            mode=_check_choice("mode", mode, MODES),
        )

    def at(self, time: TimeLike) -> SnapshotArgs:
        """These arguments at another ``time`` (checked by :func:`format_time`)."""
        return attrs.evolve(self, time=format_time(time))


class _NotGiven(enum.Enum):
    NOT_GIVEN = enum.auto()


#: The default of the client methods' arguments: tells "left out" from any value given.
NOT_GIVEN: Final = _NotGiven.NOT_GIVEN


def snapshot_args(
    key: object,
    time: object,
    *,
    width: object,
    height: object,
    format: object,
    rotate: object,
    mode: object,
) -> SnapshotArgs:
    """What a client method was given, as :class:`SnapshotArgs`: a :class:`SnapshotArgs`
    alone as it is (checked when it was made), or a key, a time and options (:data:`NOT_GIVEN`:
    the default) checked by :meth:`SnapshotArgs.check`."""
    options = {"width": width, "height": height, "format": format, "rotate": rotate, "mode": mode}
    given = {name: value for name, value in options.items() if value is not NOT_GIVEN}
    if isinstance(key, SnapshotArgs):
        if time is not NOT_GIVEN or given:
            named = ", ".join(["time"] * (time is not NOT_GIVEN) + list(given))
            raise TypeError(f"give a SnapshotArgs alone, or a key and a time; not both ({named})")
        return key
    if time is NOT_GIVEN:
        raise TypeError("a snapshot needs a time: give a key and a time, or a SnapshotArgs")
    return SnapshotArgs.check(key, time, **given)  # type: ignore[arg-type]
