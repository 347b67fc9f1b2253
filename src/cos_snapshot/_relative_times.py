"""Times relative to a video, resolved into the seconds GetSnapshot takes.

The length they are measured against is the video stream's duration (the container's only when
the stream has none), from a :class:`MediaInfo`. Results are exact ``Decimal`` seconds: a time
whose exact value has no finite decimal form (a third of 10 s, one frame at 30000/1001 fps) is
rounded to the microsecond, the precision the service writes durations in — ``end`` upwards, so
that it never falls into the frame before the last one.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from ._errors import CosInvalidArgumentError
from ._mediainfo import MediaInfo
from ._params import TimeLike, format_time

__all__ = [
    "MAX_TIMES",
    "check_relative_time",
    "is_relative_time",
    "resolve_time",
    "times_across",
    "times_every",
]

#: The most times ``times_every`` gives, so that a tiny step cannot build a huge list.
MAX_TIMES = 100_000
_MICROSECOND = Decimal("0.000001")
_PERCENT = re.compile(r"\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%\s*")


def _decimal(value: Fraction, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """``value`` exactly when it has a finite decimal form, else rounded to the microsecond."""
    denominator = value.denominator
    for factor in (2, 5):
        while denominator % factor == 0:
            denominator //= factor
    quotient = Decimal(value.numerator) / Decimal(value.denominator)
    if denominator == 1:
        return Decimal(format_time(quotient))  # plain, without trailing zeros
    return quotient.quantize(_MICROSECOND, rounding=rounding)


def _duration(info: MediaInfo, parameter: str) -> Fraction:
    if info.video is None:
        raise CosInvalidArgumentError(
            parameter, "is relative to the video, but the object has no video stream"
        )
    duration = info.video_duration
    if duration is None or duration <= 0:
        raise CosInvalidArgumentError(
            parameter,
            "is relative to the video's duration, which GetMediaInfo did not give "
            f"(Video/Duration and Format/Duration are {duration!r})",
        )
    return Fraction(duration)


def is_relative_time(value: object) -> bool:
    """Whether ``value`` is written as a time relative to the video (``"50%"``, ``"end"``),
    well-formed or not: a string that ends in ``%`` or is ``end``."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.lower() == "end" or text.endswith("%")


def check_relative_time(time: str) -> str:
    """``time``, a relative time, checked without the video (as :func:`resolve_time` will read
    it) and written plainly: ``"end"``, or a share such as ``"50%"`` (``" 50.0 %"`` becomes
    ``"50%"``). Raises :class:`CosInvalidArgumentError` (``parameter == "time"``) for anything
    else, a share outside 0 up to but not including 100 % among them."""
    text = time.strip()
    if text.lower() == "end":
        return "end"
    share = _PERCENT.fullmatch(text)
    if share is None:
        raise CosInvalidArgumentError(
            "time", f"{text!r} is not a share of the video such as 50%, nor end"
        )
    percent = Decimal(share[1])
    if not 0 <= percent < 100:
        hint = "; 'end' is the last frame" if percent >= 100 else ""
        raise CosInvalidArgumentError(
            "time", f"{text!r}: a share of the video must be from 0% to below 100%{hint}"
        )
    return f"{format_time(percent)}%"


def resolve_time(time: TimeLike, info: MediaInfo) -> Decimal:
    """Seconds from the first frame for ``time``, which may be relative to the video.

    - ``"50%"``: that share of the duration, from ``0%`` up to but not including ``100%``
      (which is the end of the video, past its last frame);
    - ``"end"``: the last frame, the duration minus one frame at the stream's average frame
      rate (its ``Fps`` when ``AvgFps`` is missing), so that it works on any target whatever it
      does past the end;
    - anything else is seconds, checked as :meth:`SnapshotClient.get_snapshot` checks them.

    Raises :class:`CosInvalidArgumentError` (``parameter == "time"``) for a share outside
    0..100 %, an unreadable time, or a relative time when ``info`` has no video stream or no
    duration.
    """
    if isinstance(time, str):
        text = time.strip()
        if text.lower() == "end":
            duration = _duration(info, "time")
            video = info.video
            rate = None if video is None else (video.avg_fps or video.fps)
            if not rate or rate <= 0:
                raise CosInvalidArgumentError(
                    "time", "'end' needs the video's frame rate, which GetMediaInfo did not give"
                )
            return _decimal(max(duration - 1 / rate, Fraction(0)), ROUND_CEILING)
        if _PERCENT.fullmatch(text):
            percent = Decimal(check_relative_time(text)[:-1])
            return _decimal(_duration(info, "time") * Fraction(percent) / 100)
    return Decimal(format_time(time))


def times_across(info: MediaInfo, count: int) -> list[Decimal]:
    """``count`` times spread across the video: the middle of each of ``count`` equal slices,
    ``(i + ½) · duration / count``, so that none is the (often black) first frame or past the
    end. Raises :class:`CosInvalidArgumentError` (``parameter == "count"``) unless ``count``
    is a positive integer, and when ``info`` has no video or no duration."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise CosInvalidArgumentError("count", f"must be a positive integer, got {count!r}")
    if count > MAX_TIMES:
        raise CosInvalidArgumentError("count", f"must be at most {MAX_TIMES}, got {count}")
    duration = _duration(info, "count")
    return [_decimal((2 * i + 1) * duration / (2 * count)) for i in range(count)]


def times_every(info: MediaInfo, step: TimeLike) -> list[Decimal]:
    """``0, step, 2·step, …`` while below the video's duration. Raises
    :class:`CosInvalidArgumentError` (``parameter == "every"``) for a step that is not a
    positive number of seconds or that gives more than 100,000 times, and when
    ``info`` has no video or no duration."""
    try:
        seconds = Fraction(Decimal(format_time(step)))
    except CosInvalidArgumentError as error:
        raise CosInvalidArgumentError("every", error.problem) from None
    if seconds <= 0:
        raise CosInvalidArgumentError("every", f"must be more than 0 seconds, got {step!r}")
    duration = _duration(info, "every")
    count = -(-duration // seconds)  # ceil: the multiples of step below duration
    if count > MAX_TIMES:
        raise CosInvalidArgumentError(
            "every", f"gives {count} times over {float(duration)} s; at most {MAX_TIMES}"
        )
    return [_decimal(i * seconds) for i in range(int(count))]
