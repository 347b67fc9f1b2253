"""Animated previews: a stretch of a video as a looping WebP or GIF (a hover preview), the work
behind ``cos-snapshot animate``.

The rule, as the limits of the hosted services that make the same thing (Mux's
``animated.webp|gif``, imgix): at most :data:`MAX_DURATION` seconds and at least
:data:`MIN_DURATION`, at most :data:`MAX_FPS` frames per second, at most :data:`MAX_WIDTH`
pixels wide. ``ceil(duration × fps)`` frames, the frames on screen at ``start + i/fps``, each
an exactframe JPEG snapshot ``width`` wide (the height follows the video), fetched at once,
then encoded by Pillow as an animation that loops forever with every frame shown ``1/fps``
seconds. GIF counts delays in hundredths of a second: each is rounded, carrying the error to
the next, so the whole loop lasts what was asked to the hundredth. The same picture twice in a
row (an animation faster than the video's frame rate, a still stretch) is stored once, shown
for both frames' time: Pillow's encoders merge them. One GetMediaInfo finds
where the video ends: a start too near it moves back so that the animation ends on the last
frame (:attr:`Animation.note` says so). So an animation costs 1 GetMediaInfo + its frames.

Needs Pillow (the ``cli`` extra). Example::

    with SnapshotClient(bucket=..., region=...) as client:
        animation = make_animation(client, "videos/a.mp4", "preview.webp", start="10%")
    print(animation.frames, animation.note or "")
"""

from __future__ import annotations

import contextlib
import io
import math
import mimetypes
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Literal

from PIL import Image

from .. import (
    NO_AUTO_FOR_A_START,
    AsyncSnapshotClient,
    CosInvalidArgumentError,
    MediaInfo,
    Snapshot,
    SnapshotArgs,
    SnapshotClient,
    format_time,
    media_info_for,
    parse_time,
    resolve_time,
)
from .._shared.files import replacing
from .sheet import take_snapshots

__all__ = [
    "ANIMATION_FORMATS",
    "DEFAULT_DURATION",
    "DEFAULT_FPS",
    "DEFAULT_WIDTH",
    "MAX_DURATION",
    "MAX_FPS",
    "MAX_WIDTH",
    "MIN_DURATION",
    "Animation",
    "AnimationFormat",
    "AnimationPlan",
    "amake_animation",
    "animation_format",
    "encode_animation",
    "frame_delays",
    "make_animation",
    "plan_animation",
]

#: A time or a duration as the arguments take it: seconds as a number or decimal text.
TimeLike = float | int | Decimal | str
#: ``webp`` (smaller, full colour) or ``gif`` (plays everywhere, 256 colours a frame).
AnimationFormat = Literal["webp", "gif"]
#: The formats by output suffix.
ANIMATION_FORMATS: dict[str, AnimationFormat] = {".webp": "webp", ".gif": "gif"}
_PILLOW_FORMATS = {"webp": "WEBP", "gif": "GIF"}

#: Seconds of video an animation shows by default.
DEFAULT_DURATION = Decimal(3)
#: Frames a second by default.
DEFAULT_FPS = 8
#: Pixels wide by default (the height follows the video's aspect ratio).
DEFAULT_WIDTH = 320
#: The longest animation, in seconds (Mux's and imgix's limit).
MAX_DURATION = Decimal(10)
#: The shortest animation, in seconds.
MIN_DURATION = Decimal("0.25")
#: The most frames a second.
MAX_FPS = 30
#: The widest animation, in pixels.
MAX_WIDTH = 640
#: Frame times that have no finite decimal form (a third of a second) are rounded to this,
#: the precision the service writes durations in.
_MICROSECOND = Decimal("0.000001")


def animation_format(output: Path | str, format: AnimationFormat | None = None) -> AnimationFormat:
    """The format for ``output``: ``format`` when given (it must agree with a ``.webp`` or
    ``.gif`` suffix), else the suffix's. Raises :class:`~cos_snapshot.CosInvalidArgumentError`
    naming ``format``."""
    suffix = Path(output).suffix.lower()
    named = ANIMATION_FORMATS.get(suffix)
    if format is not None:
        if format not in _PILLOW_FORMATS:
            raise CosInvalidArgumentError("format", f"must be webp or gif, not {format!r}")
        # Another picture's name (a .png holding a GIF) misleads every program that opens it.
        kind = mimetypes.guess_type(f"x{suffix}")[0] or ""
        if (named is not None or kind.startswith("image/")) and named != format:
            raise CosInvalidArgumentError(
                "format", f"{format} contradicts the output's name {Path(output).name!r}"
            )
        return format
    if named is None:
        raise CosInvalidArgumentError(
            "format",
            f"cannot tell from {Path(output).name!r}: name the output .webp or .gif, or give "
            "the format",
        )
    return named


def _check_duration(duration: TimeLike) -> Decimal:
    try:
        seconds = Decimal(format_time(duration))
    except CosInvalidArgumentError as error:
        raise CosInvalidArgumentError("duration", error.problem) from None
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise CosInvalidArgumentError(
            "duration", f"must be from {MIN_DURATION} to {MAX_DURATION} seconds, got {duration}"
        )
    return seconds


def _check_whole(name: str, value: object, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise CosInvalidArgumentError(name, f"must be a whole number from 1 to {high}, got {value}")
    return value


def _check_start(start: TimeLike | None) -> str | None:
    if start is None:
        return None
    try:
        return parse_time(start, no_auto=NO_AUTO_FOR_A_START)
    except CosInvalidArgumentError as error:
        raise CosInvalidArgumentError("start", error.problem) from None


def _seconds(value: Fraction) -> Decimal:
    """``value`` exactly when it has a finite decimal form, else to the microsecond."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    rest = value.denominator
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest == 1:  # a finite decimal: the division was exact
        return Decimal(format_time(exact))
    return exact.quantize(_MICROSECOND, rounding=ROUND_HALF_EVEN)


def frame_delays(count: int, fps: int, unit_ms: int) -> list[int]:
    """How long each of ``count`` frames is shown at ``fps``, in milliseconds that are
    multiples of ``unit_ms`` (10 for GIF, 1 for WebP): every delay rounded, the error carried
    to the next, so that the first ``k`` frames always last ``k/fps`` to the nearest unit."""
    ends = [round(Fraction(1000 * (i + 1), fps * unit_ms)) * unit_ms for i in range(count)]
    return [end - before for before, end in zip([0, *ends], ends, strict=False)]


@dataclass(frozen=True)
class AnimationPlan:
    """Which frames an animation shows: ``times`` (seconds, as the snapshots ask them) from
    ``start``; ``asked_start`` is where the caller wanted it to start (``None``: the default,
    the middle of the video less half the duration) and ``note`` says why they differ."""

    start: Decimal
    duration: Decimal
    fps: int
    times: tuple[str, ...]
    asked_start: str | None = None
    note: str | None = None


def plan_animation(
    info: MediaInfo,
    *,
    start: TimeLike | None = None,
    duration: TimeLike = DEFAULT_DURATION,
    fps: int = DEFAULT_FPS,
) -> AnimationPlan:
    """The frames of an animation of the video ``info`` describes: ``ceil(duration × fps)``
    of them at ``start + i/fps``. ``start`` is seconds, ``50%`` or ``end`` (not ``auto``);
    by default the middle of the video less half the duration. A start whose last frame would
    fall past the video's last frame moves back (to 0 at the earliest) so that the animation
    ends on it, and the plan's ``note`` says so.

    Raises :class:`~cos_snapshot.CosInvalidArgumentError` naming ``start``, ``duration`` or
    ``fps``, or ``time`` when the video has no duration or frame rate to place them with.
    """
    seconds = _check_duration(duration)
    fps = _check_whole("fps", fps, MAX_FPS)
    asked = _check_start(start)
    if info.video is None or not info.video_duration:
        raise CosInvalidArgumentError(
            "key", "has no video stream with a duration (GetMediaInfo): nothing to animate"
        )
    count = math.ceil(seconds * fps)
    span = Fraction(count - 1, fps)  # from the first frame's time to the last's
    last = Fraction(resolve_time("end", info))
    if asked is None:
        first = max(Fraction(resolve_time("50%", info)) - Fraction(seconds) / 2, Fraction(0))
    else:
        with _named("start"):
            first = Fraction(resolve_time(asked, info))
    note = None
    if first + span > last:
        moved = max(last - span, Fraction(0))
        if span > last:
            note = (
                f"the video is shorter than the animation ({_seconds(last)} s to its last "
                "frame): it starts at 0 and its last frame repeats"
            )
        else:
            where = "the default start" if asked is None else f"start {asked}"
            note = (
                f"{where} is too near the end for {seconds} s: moved back to "
                f"{_seconds(moved)} s so that the animation ends on the last frame"
            )
        first = moved
    times = tuple(format_time(_seconds(first + Fraction(i, fps))) for i in range(count))
    return AnimationPlan(
        start=_seconds(first),
        duration=seconds,
        fps=fps,
        times=times,
        asked_start=asked,
        note=note,
    )


@contextlib.contextmanager
def _named(parameter: str) -> Iterator[None]:
    """Within it, a :class:`~cos_snapshot.CosInvalidArgumentError` about ``time`` names
    ``parameter`` instead."""
    try:
        yield
    except CosInvalidArgumentError as error:
        if error.parameter != "time":
            raise
        raise CosInvalidArgumentError(parameter, error.problem) from None


def encode_animation(
    images: Sequence[Image.Image], fps: int, format: AnimationFormat
) -> tuple[bytes, list[int]]:
    """``images`` as one looping animation (it plays forever) in ``format``, each shown
    ``1/fps`` seconds: the file's bytes and the delays written, in milliseconds
    (:func:`frame_delays`)."""
    if not images:
        raise ValueError("an animation needs at least one frame")
    fps = _check_whole("fps", fps, MAX_FPS)
    delays = frame_delays(len(images), fps, 10 if format == "gif" else 1)
    frames = [image.convert("RGB") for image in images]
    buffer = io.BytesIO()
    options: dict[str, object] = {"quality": 80, "method": 4} if format == "webp" else {}
    frames[0].save(
        buffer,
        format=_PILLOW_FORMATS[format],
        save_all=True,
        append_images=frames[1:],
        duration=delays,
        loop=0,
        **options,
    )
    return buffer.getvalue(), delays


@dataclass(frozen=True)
class Animation:
    """An animation made by :func:`make_animation`: its ``content`` (the file's bytes, also
    written to ``output`` when one was given), ``format``, the frames' ``times`` (seconds)
    and their ``delays`` (milliseconds), its pixel ``size``, and the ``plan`` it followed
    (its ``note`` says when the start moved)."""

    key: str
    format: AnimationFormat
    content: bytes = field(repr=False)
    delays: tuple[int, ...]
    size: tuple[int, int]
    plan: AnimationPlan
    output: Path | None = None

    @property
    def times(self) -> tuple[str, ...]:
        """When each frame is on screen in the video, in seconds."""
        return self.plan.times

    @property
    def frames(self) -> int:
        """How many frames the animation holds."""
        return len(self.plan.times)

    @property
    def note(self) -> str | None:
        """Why the animation does not start where it was asked to, if it does not."""
        return self.plan.note


@dataclass(frozen=True)
class _Request:
    key: str
    output: Path | None
    format: AnimationFormat
    frame: SnapshotArgs


def _request(
    key: str,
    output: Path | str | None,
    format: AnimationFormat | None,
    width: int,
    duration: TimeLike,
    fps: int,
    start: TimeLike | None,
) -> _Request:
    """Every argument checked before anything is sent."""
    if output is None:
        if format is None:
            raise CosInvalidArgumentError("format", "is needed when there is no output file")
        chosen = animation_format(f"animation.{format}", format)
    else:
        chosen = animation_format(output, format)
    _check_duration(duration)
    _check_whole("fps", fps, MAX_FPS)
    _check_start(start)
    frame = SnapshotArgs.check(
        key, 0, width=_check_whole("width", width, MAX_WIDTH), mode="exactframe"
    )
    return _Request(key, None if output is None else Path(output), chosen, frame)


def _finish(request: _Request, plan: AnimationPlan, snapshots: Sequence[Snapshot]) -> Animation:
    images = [Image.open(io.BytesIO(snapshot.content)) for snapshot in snapshots]
    content, delays = encode_animation(images, plan.fps, request.format)
    if request.output is not None:
        with replacing(request.output) as temporary:
            temporary.write_bytes(content)
    return Animation(
        key=request.key,
        format=request.format,
        content=content,
        delays=tuple(delays),
        size=images[0].size,
        plan=plan,
        output=request.output,
    )


def make_animation(
    client: SnapshotClient,
    key: str,
    output: Path | str | None = None,
    *,
    start: TimeLike | None = None,
    duration: TimeLike = DEFAULT_DURATION,
    fps: int = DEFAULT_FPS,
    width: int = DEFAULT_WIDTH,
    format: AnimationFormat | None = None,
    info: MediaInfo | None = None,
    concurrency: int = 8,
) -> Animation:
    """A looping animated preview of ``key`` (see :mod:`cos_snapshot.tools.animate` for the
    rule), written to ``output`` whole or not at all when one is given (its ``.webp`` or
    ``.gif`` suffix picks the format unless ``format`` does).

    ``start`` (seconds, ``50%`` or ``end``; default: the middle less half the duration),
    ``duration`` (0.25 to 10 s, default 3), ``fps`` (1 to 30, default 8) and ``width``
    (1 to 640 pixels, default 320) are checked before anything is sent. ``info`` is the
    video's :class:`~cos_snapshot.MediaInfo` when the caller has it (else it is asked for).
    The frames are fetched ``concurrency`` at a time.

    Raises :class:`~cos_snapshot.CosInvalidArgumentError` naming the argument at fault (or
    ``key`` for an object without a video stream), and the client's errors as they come (a
    missing key: :class:`~cos_snapshot.CosServiceError` 404 from GetMediaInfo).
    """
    request = _request(key, output, format, width, duration, fps, start)
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    if info is None:
        info = client.get_media_info(key)
    plan = plan_animation(info, start=start, duration=duration, fps=fps)
    frames = [request.frame.at(time) for time in plan.times]
    with ThreadPoolExecutor(
        max_workers=min(concurrency, len(frames)), thread_name_prefix="cos-animate"
    ) as threads:
        snapshots = list(threads.map(client.get_snapshot, frames))
    return _finish(request, plan, snapshots)


async def amake_animation(
    client: AsyncSnapshotClient,
    key: str,
    output: Path | str | None = None,
    *,
    start: TimeLike | None = None,
    duration: TimeLike = DEFAULT_DURATION,
    fps: int = DEFAULT_FPS,
    width: int = DEFAULT_WIDTH,
    format: AnimationFormat | None = None,
    info: MediaInfo | None = None,
    concurrency: int = 8,
) -> Animation:
    """:func:`make_animation` with an :class:`~cos_snapshot.AsyncSnapshotClient`: the same
    arguments, checks and result. A key that is missing or not a video raises
    :class:`~cos_snapshot.CosInvalidArgumentError` naming ``key``; a frame that fails raises
    :class:`~cos_snapshot.tools.sheet.SheetSnapshotError` naming its time."""
    request = _request(key, output, format, width, duration, fps, start)
    if info is None:
        info = await media_info_for(client, key, "key")
    plan = plan_animation(info, start=start, duration=duration, fps=fps)
    snapshots = await take_snapshots(
        client,
        key,
        plan.times,
        width=request.frame.width,
        height=request.frame.height,
        rotate=request.frame.rotate,
        mode="exactframe",
        concurrency=concurrency,
    )
    return _finish(request, plan, snapshots)
