"""The query string: parsed strictly, then turned into :class:`SnapshotParams`.

Every rejection is 400 ``InvalidArgument`` (``InvalidURI`` for a query that is not UTF-8) with a
message that names the parameter. ``time`` is parsed as an exact decimal and never passes
through a binary float.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from urllib.parse import parse_qsl

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
)
from .errors import EmulatorError, invalid_argument
from .frames import SnapshotParams

__all__ = ["MAX_DIMENSION", "MAX_TIME", "parse_query", "snapshot_params"]

#: Times beyond this many seconds (about 115 days) are refused rather than searched for.
MAX_TIME = Decimal(10_000_000)

_MAX_PARAMS = 64
# Decimal() alone would also accept whitespace, underscores, a sign, non-ASCII digits, "NaN" and
# "Infinity"; the grammar is checked first.
_TIME = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,6})?", re.ASCII)
_TIME_MAX_CHARS = 64
_DIMENSION = re.compile(r"[0-9]{1,9}", re.ASCII)

_Choice = TypeVar("_Choice", bound=str)


def _show(value: str) -> str:
    """A parameter value quoted for a message, cut short if it is long."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


def parse_query(raw: bytes) -> dict[str, str]:
    """Parse a raw query string (form-decoded: ``+`` is a space) into a mapping.

    A valueless parameter maps to ``""``. A repeated parameter is an error naming it.
    """
    try:
        text = raw.decode("utf-8")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_PARAMS,
        )
    except UnicodeDecodeError:
        raise EmulatorError(400, "InvalidURI", "The query string is not valid UTF-8.") from None
    except ValueError:
        raise invalid_argument(
            f"The query string has more than {_MAX_PARAMS} parameters."
        ) from None
    query: dict[str, str] = {}
    for name, value in pairs:
        if name in query:
            raise invalid_argument(f"Parameter {name} is given more than once.")
        query[name] = value
    return query


def _time(query: Mapping[str, str]) -> Decimal:
    if "time" not in query:
        raise invalid_argument("Parameter time is required.")
    value = query["time"]
    if len(value) > _TIME_MAX_CHARS or not _TIME.fullmatch(value):
        raise invalid_argument(
            f"Parameter time must be a non-negative number of seconds, not {_show(value)}."
        )
    try:
        seconds = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the grammar above admits only numbers
        raise invalid_argument(f"Parameter time is not a number: {_show(value)}.") from None
    if seconds > MAX_TIME:
        raise invalid_argument(f"Parameter time must be at most {MAX_TIME} seconds.")
    return seconds


def _dimension(query: Mapping[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value is None:
        return default
    if not _DIMENSION.fullmatch(value) or not MIN_DIMENSION <= int(value) <= MAX_DIMENSION:
        raise invalid_argument(
            f"Parameter {name} must be an integer from {MIN_DIMENSION} to {MAX_DIMENSION}, "
            f"not {_show(value)}."
        )
    return int(value)


def _choice(
    query: Mapping[str, str], name: str, choices: tuple[_Choice, ...], default: _Choice
) -> _Choice:
    value = query.get(name)
    if value is None:
        return default
    if value not in choices:
        allowed = " or ".join(choices)
        raise invalid_argument(f"Parameter {name} must be {allowed}, not {_show(value)}.")
    return value


def snapshot_params(query: Mapping[str, str]) -> SnapshotParams:
    """The parameters of a GetSnapshot request; parameters it does not know are ignored."""
    time = _time(query)
    width = _dimension(query, "width", DEFAULT_WIDTH)
    height = _dimension(query, "height", DEFAULT_HEIGHT)
    image_format = _choice(query, "format", FORMATS, DEFAULT_FORMAT)
    rotate = _choice(query, "rotate", ROTATES, DEFAULT_ROTATE)
    mode = _choice(query, "mode", MODES, DEFAULT_MODE)
    return SnapshotParams(
        time=time, width=width, height=height, format=image_format, rotate=rotate, mode=mode
    )
