"""Times relative to a video, resolved into the seconds GetSnapshot takes.

The length they are measured against is the video stream's duration (the container's only when
the stream has none), from a :class:`MediaInfo`. Results are exact ``Decimal`` seconds: a time
whose exact value has no finite decimal form (a third of 10 s, one frame at 30000/1001 fps) is
rounded to the microsecond, the precision the service writes durations in — ``end`` upwards, so
that it never falls into the frame before the last one.

:class:`TimeSelection` is what the tools (``batch``, ``sheet``, ``storyboard``) take: listed
times, a count across the video or a step, checked when it is made; :func:`media_info_for`
asks GetMediaInfo for the video such a selection is relative to, turning an object that cannot
be measured into a :class:`CosInvalidArgumentError` naming the option that needed it.

One time grammar: :func:`parse_time` reads a time as every command and tool takes it: seconds
(``1.5``), a share of the video (``50%``), its last frame (``end``), and, where the caller
allows it, ``auto`` (the best poster, chosen by
:func:`cos_snapshot.tools.poster.pick_poster`); everything that reads a time goes through it,
so the messages are the same everywhere.

Errors name the parameter whose value is at fault, as the library spells it: ``time`` (a
listed time), ``count``, ``every``; the command line writes them as its options (``--times``,
``--count``, ``--every``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import attrs

from .._shared.errors import CosInvalidArgumentError, CosServiceError
from .media_info import MediaInfo
from .params import TimeLike, format_time

if TYPE_CHECKING:
    from .async_client import AsyncSnapshotClient

__all__ = [
    "AUTO",
    "MAX_TIMES",
    "NO_AUTO_FOR_A_START",
    "NO_AUTO_IN_A_SHEET",
    "NO_AUTO_IN_A_URL",
    "TimeSelection",
    "check_auto_mode",
    "check_relative_time",
    "is_auto_time",
    "is_relative_time",
    "media_info_for",
    "parse_time",
    "resolve_time",
    "times_across",
    "times_every",
]

#: The most times ``times_every`` gives, so that a tiny step cannot build a huge list.
MAX_TIMES = 100_000
_MICROSECOND = Decimal("0.000001")
_PERCENT = re.compile(r"\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%\s*")
#: Text that is meant as a number (it starts like one): its own message says what is wrong.
_NUMBER_LIKE = re.compile(r"[+-]?\.?[0-9]")

#: The time that means "the best poster", which
#: :func:`cos_snapshot.tools.poster.pick_poster` chooses.
AUTO = "auto"
#: Why ``auto`` is refused where a URL names the frame (``presign``, jobs): the reason
#: :func:`parse_time` gives.
NO_AUTO_IN_A_URL = "a URL cannot choose a frame, it names one time (get --time auto can)"
#: Why a contact sheet refuses ``auto``.
NO_AUTO_IN_A_SHEET = "a sheet's times are spread evenly on purpose"
#: Why a start time (``animate --start``, ``job snapshot --start``) refuses ``auto``.
NO_AUTO_FOR_A_START = "auto chooses one poster frame, not where a stretch of the video starts"


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


def _duration(info: MediaInfo, parameter: str, key: str | None = None) -> Fraction:
    subject = "the object" if key is None else repr(key)
    if info.video is None:
        raise CosInvalidArgumentError(
            parameter, f"is relative to the video, but {subject} has no video stream"
        )
    duration = info.video_duration
    if duration is None or duration <= 0:
        raise CosInvalidArgumentError(
            parameter,
            f"is relative to the video's duration, which GetMediaInfo of {subject} did not give "
            f"(Video/Duration and Format/Duration are {duration!r})",
        )
    return Fraction(duration)


def _check_count(count: object) -> int:
    """``count``, a number of times, checked: a whole number (an ``int``, not a bool) from 1 to
    :data:`MAX_TIMES`. Raises :class:`CosInvalidArgumentError` naming ``count``."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_TIMES:
        raise CosInvalidArgumentError(
            "count", f"must be a whole number from 1 to {MAX_TIMES}, got {count!r}"
        )
    return count


def _check_every(every: object) -> Decimal:
    """``every``, a step in seconds, as an exact ``Decimal``: a finite number above 0 (an int,
    a float, a ``Decimal`` or decimal text, as :func:`format_time` reads times). Raises
    :class:`CosInvalidArgumentError` naming ``every``."""
    try:
        step = Decimal(format_time(every))  # type: ignore[arg-type]  # anything else is refused
    except CosInvalidArgumentError as error:
        raise CosInvalidArgumentError("every", error.problem) from None
    if step <= 0:
        raise CosInvalidArgumentError("every", f"must be more than 0 seconds, got {every!r}")
    return step


def is_relative_time(value: object) -> bool:
    """Whether ``value`` is written as a time relative to the video (``"50%"``, ``"end"``),
    well-formed or not: a string that ends in ``%`` or is ``end``."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text.lower() == "end" or text.endswith("%")


def is_auto_time(value: object) -> bool:
    """Whether ``value`` is the time ``auto`` (any case, spaces around it ignored)."""
    return isinstance(value, str) and value.strip().lower() == AUTO


def check_auto_mode(mode: str) -> None:
    """Refuse a ``mode`` other than ``exactframe`` for the time ``auto``: it judges the frames
    on screen at its candidate times. Raises :class:`CosInvalidArgumentError` naming
    ``mode``."""
    if mode != "exactframe":
        raise CosInvalidArgumentError(
            "mode",
            f"{mode} cannot be used with the time auto, which judges the frames on screen at "
            "its candidate times (exactframe)",
        )


def _grammar(auto: bool) -> str:
    return "seconds (1.5), a share of the video (50%), end" + (", or auto" if auto else "")


def parse_time(time: TimeLike, *, allow_auto: bool = False, no_auto: str | None = None) -> str:
    """One time, as every command and tool reads it, checked without the video and written
    plainly: seconds as :func:`format_time` writes them (``"1.50"`` becomes ``"1.5"``), a
    share of the video as :func:`check_relative_time` does (``" 50.0 %"`` becomes ``"50%"``),
    ``"end"``, and ``"auto"`` when ``allow_auto`` (the best poster: only ``get``, ``batch``
    and input files take it). :func:`resolve_time` gives the seconds of a relative one.

    Raises :class:`CosInvalidArgumentError` (``parameter == "time"``) for anything else,
    ``auto`` where it is not allowed among them, saying why when ``no_auto`` is given
    (:data:`NO_AUTO_IN_A_URL`, :data:`NO_AUTO_IN_A_SHEET`, :data:`NO_AUTO_FOR_A_START`).
    """
    if isinstance(time, str):
        text = time.strip()
        if is_auto_time(text):
            if allow_auto:
                return AUTO
            why = f": {no_auto}" if no_auto else ""
            raise CosInvalidArgumentError(
                "time", f"auto (the best poster) is not taken here{why}; give {_grammar(False)}"
            )
        if is_relative_time(text):
            return check_relative_time(text)
        if not _NUMBER_LIKE.match(text):
            raise CosInvalidArgumentError(
                "time", f"{text!r} is not a time: give {_grammar(allow_auto)}"
            )
    return format_time(time)


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
    0..100 %, an unreadable time, ``auto`` (which
    :func:`cos_snapshot.tools.poster.pick_poster` chooses from the frames, not from the media
    info), or a relative time when ``info`` has no video stream or no duration.
    """
    if isinstance(time, str):
        text = time.strip()
        if is_auto_time(text):
            raise CosInvalidArgumentError(
                "time", "auto is chosen from the frames (pick_poster), not from the media info"
            )
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
    return Decimal(parse_time(time))


def times_across(
    info: MediaInfo, count: int, *, within: Fraction | Decimal | int = 1
) -> list[Decimal]:
    """``count`` times spread across the video: the middle of each of ``count`` equal slices,
    ``(i + ½) · duration / count``, so that none is the (often black) first frame or past the
    end. ``within`` (a share from above 0 to 1) slices only the start of the video: ``0.6``,
    its first 60 %, as the poster picker does. Raises :class:`CosInvalidArgumentError`
    (``parameter == "count"``) unless ``count`` is a positive integer, and when ``info`` has
    no video or no duration; ``ValueError`` for a ``within`` outside that range."""
    _check_count(count)
    share = Fraction(within)
    if not 0 < share <= 1:
        raise ValueError(f"within is a share of the video above 0 and at most 1, not {within}")
    span = _duration(info, "count") * share
    return [_decimal((2 * i + 1) * span / (2 * count)) for i in range(count)]


def times_every(info: MediaInfo, step: TimeLike) -> list[Decimal]:
    """``0, step, 2·step, …`` while below the video's duration. Raises
    :class:`CosInvalidArgumentError` (``parameter == "every"``) for a step that is not a
    positive number of seconds or that gives more than 100,000 times, and when
    ``info`` has no video or no duration."""
    seconds = Fraction(_check_every(step))
    duration = _duration(info, "every")
    count = -(-duration // seconds)  # ceil: the multiples of step below duration
    if count > MAX_TIMES:
        raise CosInvalidArgumentError(
            "every", f"gives {count} times over {float(duration)} s; at most {MAX_TIMES}"
        )
    return [_decimal(i * seconds) for i in range(int(count))]


def _listed(times: Iterable[TimeLike]) -> tuple[str, ...]:
    """Each time checked and written plainly by :func:`parse_time` (``auto`` allowed: the
    tools that cannot take it refuse it themselves)."""
    return tuple(parse_time(time, allow_auto=True) for time in times)


def _step(every: TimeLike | None) -> Decimal | None:
    return None if every is None else _check_every(every)


def _count(count: int | None) -> int | None:
    return None if count is None else _check_count(count)


@attrs.frozen
class TimeSelection:
    """Which times of a video to take, one of three ways:

    - ``listed``: times in seconds and relative to the video (``50%``, ``end``, ``auto``), each
      checked by :func:`~cos_snapshot.parse_time` and written plainly when the selection is
      made (``" 50.0 %"`` is kept as ``"50%"``, ``1.50`` as ``"1.5"``);
    - ``count``: that many times across the video, the middle of each of ``count`` equal
      slices (:func:`~cos_snapshot.times_across`), a whole number from 1 to 100,000;
    - ``every``: ``0, every, 2·every, …`` while below the duration
      (:func:`~cos_snapshot.times_every`), a finite number of seconds above 0, kept as an
      exact ``Decimal``.

    Exactly one is given (``ValueError`` otherwise); a bad value raises
    :class:`~cos_snapshot.CosInvalidArgumentError` naming ``time``, ``count`` or ``every``.
    :attr:`relative` says whether the video's :class:`~cos_snapshot.MediaInfo` is needed,
    :meth:`resolve` gives the seconds, and :func:`~cos_snapshot.media_info_for` asks for the
    video's GetMediaInfo.
    """

    listed: tuple[str, ...] = attrs.field(default=(), converter=_listed)
    count: int | None = attrs.field(default=None, converter=_count)
    every: Decimal | None = attrs.field(default=None, converter=_step)

    def __attrs_post_init__(self) -> None:
        given = [bool(self.listed), self.count is not None, self.every is not None]
        if sum(given) != 1:
            raise ValueError("give listed times, a count or a step: exactly one of them")

    @property
    def option(self) -> str:
        """The parameter the selection came from: ``time``, ``count`` or ``every``, as its
        errors name it."""
        if self.count is not None:
            return "count"
        return "every" if self.every is not None else "time"

    @property
    def relative(self) -> bool:
        """Whether the times depend on the video's duration (and so need its GetMediaInfo
        first); ``auto`` does not: it is chosen per video when taken."""
        return not self.listed or any(is_relative_time(t) for t in self.listed)

    @property
    def auto(self) -> bool:
        """Whether ``auto`` is among the listed times."""
        return AUTO in self.listed

    def resolve(self, info: MediaInfo | None) -> list[str]:
        """The times as plain decimal seconds for the video ``info`` describes (``None`` will
        do when :attr:`relative` is false), in order, a time that comes twice kept once;
        ``auto`` stays ``"auto"`` (:func:`~cos_snapshot.tools.poster.pick_poster` chooses it
        per video).
        Raises :class:`~cos_snapshot.CosInvalidArgumentError` naming the problem when
        ``info`` has no video stream, duration or (for ``end``) frame rate to resolve them
        with."""
        if not self.relative:
            return list(dict.fromkeys(self.listed))
        if info is None:
            raise ValueError("times relative to the video need its MediaInfo")
        if self.count is not None:
            seconds = times_across(info, self.count)
        elif self.every is not None:
            seconds = times_every(info, self.every)
        else:
            return list(
                dict.fromkeys(
                    t if t == AUTO else format_time(resolve_time(t, info)) for t in self.listed
                )
            )
        return list(dict.fromkeys(format_time(s) for s in seconds))


#: HTTP statuses of a failed GetMediaInfo that :func:`media_info_for` raises as they are: the
#: credentials or permissions (401, 403: the settings, not the key) and a service that is busy
#: or slow (408, 429). Every other 4xx (400 not a video, 404 ``NoSuchKey``, ...) says the
#: object named is not usable.
_NOT_INPUT_FAULTS = frozenset({401, 403, 408, 429})


async def media_info_for(client: AsyncSnapshotClient, key: str, parameter: str) -> MediaInfo:
    """GetMediaInfo of ``key`` for times relative to it; ``parameter`` names the option that
    needs the video's duration (``time``, ``count``, ``every``, or ``key`` when none was
    given).

    Raises :class:`~cos_snapshot.CosInvalidArgumentError` naming ``parameter`` and ``key``
    when the object is not usable: the service answers a 4xx (a missing key, an object that
    is not a video), or the :class:`~cos_snapshot.MediaInfo` has no video stream or no
    duration. Other failures are raised as they come: 401 and 403 (the credentials or
    permissions, not the key), 408 and 429 (a busy service), 5xx and the network.
    """
    try:
        info = await client.get_media_info(key)
    except CosServiceError as error:
        status = error.status
        if status is None or not 400 <= status < 500 or status in _NOT_INPUT_FAULTS:
            raise
        reason = " ".join(str(error).split())
        raise CosInvalidArgumentError(
            parameter, f"needs the video's duration, but GetMediaInfo of {key!r} says: {reason}"
        ) from error
    _duration(info, parameter, key)
    return info
