"""Test videos whose every frame shows its own index, and the reader for that pattern.

:func:`make_fixture` writes a short video (H.264, HEVC, VP9 or AV1 in MP4, MOV, MKV, WebM or
MPEG-TS) and returns a :class:`FixtureInfo` that says, from what was written and checked back by
demuxing the file, when every frame is shown and which frames are keyframes. With it a test can
work out which frame a snapshot *should* show without trusting the code under test.

The pattern
-----------
Each frame is a 6 x 6 grid of equal cells filling the whole picture::

    R  d  d  d  d  G        R = red, G = green (orientation markers)
    d  d  d  d  d  d        K = black, W = white (fixed)
    d  d  d  d  d  d        d = data cell: black = 0, white = 1
    d  d  d  d  d  d
    d  d  d  d  d  d
    K  d  d  d  d  W

The 32 data cells, read row by row in the stored picture, hold the frame index in 16 bits
(least significant first) followed by its bitwise complement, so a misread cell is an error,
never a wrong index. Because the grid fills the frame, it survives any scaling, stretching and
JPEG down to about 4 pixels per cell (e.g. 24 x 24 output). The red and green corners give the
orientation: :func:`read_orientation` tells which of the eight rotations/mirrorings of the
stored picture an image shows, and :func:`read_frame_index` reads the index in any of them.

The clock style
---------------
``make_fixture(..., style="clock")`` draws a picture a person reads at a glance instead: the
frame's time as a large clock (``00:01.52``) and its number over moving colour bands and a
bouncing ball, with the same pattern shrunk into the bottom-right corner (:data:`CORNER` of the
width and of the height), so a program still reads the index:
``read_frame_index(image, style="clock")`` reads it from whichever corner it is in after any
rotation or mirroring. The demo and the documentation's pictures use it; the tests and the
contract suite keep the full-frame pattern, which sizes, stretching and mirroring are checked
with.

Only Pillow and PyAV are needed (no numpy).
"""

from __future__ import annotations

import bisect
import io
import os
import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from PIL import Image, ImageDraw, ImageStat

from ..._shared.text import plural

__all__ = [
    "CONTAINERS",
    "CORNER",
    "FixtureInfo",
    "Orientation",
    "PatternError",
    "Style",
    "clock_image",
    "make_audio_fixture",
    "make_fixture",
    "pattern_image",
    "read_frame_index",
    "read_orientation",
]

GRID = 6
_INDEX_BITS = 16
MAX_FRAMES = 1 << _INDEX_BITS
_RED = (255, 0, 0)
_GREEN = (0, 255, 0)
_BLACK = (0, 0, 0)
_WHITE = (255, 255, 255)
# Stored-picture corners: (row, col).
_TL, _TR, _BL, _BR = (0, 0), (0, GRID - 1), (GRID - 1, 0), (GRID - 1, GRID - 1)
_CORNERS = (_TL, _TR, _BL, _BR)
_DATA_CELLS: tuple[tuple[int, int], ...] = tuple(
    (r, c) for r in range(GRID) for c in range(GRID) if (r, c) not in _CORNERS
)
if len(_DATA_CELLS) != 2 * _INDEX_BITS:  # pragma: no cover - a layout invariant
    raise RuntimeError("pattern layout broken")

#: Container formats by file suffix.
CONTAINERS: dict[str, str] = {
    ".mp4": "mp4",
    ".mov": "mov",
    ".mkv": "matroska",
    ".webm": "webm",
    ".ts": "mpegts",
}

Codec = Literal["h264", "hevc", "vp9", "av1"]
#: ``pattern``: the index pattern fills the frame; ``clock``: a clock for people, the pattern
#: in a corner.
Style = Literal["pattern", "clock"]
#: In the clock style, the index pattern's share of the picture's width and of its height.
CORNER = Fraction(3, 10)
#: Containers that store times in a fixed unit (1/N s) whatever the stream's rate.
_CONTAINER_TIMESCALE = {"matroska": 1000, "webm": 1000, "mpegts": 90000}
_ENCODERS: dict[str, str] = {
    "h264": "libx264",
    "hevc": "libx265",
    "vp9": "libvpx-vp9",
    "av1": "libsvtav1",
}


class PatternError(ValueError):
    """The image does not show a readable frame-index pattern."""


# --------------------------------------------------------------------------------------------
# Orientation


@dataclass(frozen=True, slots=True)
class Orientation:
    """How an image relates to the stored picture.

    The image is the stored picture, first mirrored left-right if ``mirrored``, then rotated
    clockwise by ``rotation`` degrees (0, 90, 180 or 270).
    """

    rotation: int = 0
    mirrored: bool = False

    def __post_init__(self) -> None:
        if self.rotation not in (0, 90, 180, 270):
            raise ValueError(f"rotation must be 0, 90, 180 or 270, not {self.rotation!r}")

    def map_cell(self, row: int, col: int, n: int = GRID) -> tuple[int, int]:
        """Where cell (row, col) of an n x n grid on the stored picture ends up."""
        if self.mirrored:
            col = n - 1 - col
        for _ in range(self.rotation // 90):
            row, col = col, n - 1 - row
        return row, col

    def apply(self, image: Image.Image) -> Image.Image:
        """Transform a stored picture into what this orientation shows."""
        if self.mirrored:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        # Pillow's ROTATE_* turn counter-clockwise.
        op = {
            90: Image.Transpose.ROTATE_270,
            180: Image.Transpose.ROTATE_180,
            270: Image.Transpose.ROTATE_90,
        }.get(self.rotation)
        return image.transpose(op) if op is not None else image

    @property
    def swaps_axes(self) -> bool:
        return self.rotation in (90, 270)

    def display_matrix(self) -> tuple[int, ...]:
        """The 3x3 display matrix (FFmpeg layout, 16.16 and 2.30 fixed point) that makes
        players show the stored picture this way.

        FFmpeg maps a stored pixel (x, y) (y pointing down) to (a*x + c*y, b*x + d*y) with
        a, b, c, d = m[0], m[1], m[3], m[4]: so (a, b) is where the x axis goes and (c, d)
        where the y axis goes.
        """
        # Image of the x axis and the y axis under this orientation, in (x, y), y down.
        ax, ay = self._map_vector(1, 0)
        bx, by = self._map_vector(0, 1)
        one = 1 << 16
        return (ax * one, ay * one, 0, bx * one, by * one, 0, 0, 0, 1 << 30)

    def _map_vector(self, x: int, y: int) -> tuple[int, int]:
        if self.mirrored:
            x = -x
        for _ in range(self.rotation // 90):
            x, y = -y, x  # a quarter turn clockwise with y pointing down
        return x, y


_ALL_ORIENTATIONS = tuple(Orientation(r, m) for m in (False, True) for r in (0, 90, 180, 270))


# --------------------------------------------------------------------------------------------
# Pattern


def _cell_bounds(size: tuple[int, int]) -> tuple[list[int], list[int]]:
    w, h = size
    xs = [(i * w) // GRID for i in range(GRID + 1)]
    ys = [(i * h) // GRID for i in range(GRID + 1)]
    return xs, ys


def pattern_image(index: int, size: tuple[int, int]) -> Image.Image:
    """The stored picture of frame ``index`` (an RGB image of ``size``)."""
    if not 0 <= index < MAX_FRAMES:
        raise ValueError(f"frame index must be in 0..{MAX_FRAMES - 1}")
    w, h = size
    if w < GRID or h < GRID:
        raise ValueError(f"picture size must be at least {GRID}x{GRID}")
    image = Image.new("RGB", size, _BLACK)
    draw = ImageDraw.Draw(image)
    xs, ys = _cell_bounds(size)
    bits = [(index >> k) & 1 for k in range(_INDEX_BITS)]
    bits += [1 - b for b in bits]
    colours: dict[tuple[int, int], tuple[int, int, int]] = {
        _TL: _RED,
        _TR: _GREEN,
        _BL: _BLACK,
        _BR: _WHITE,
    }
    for cell, bit in zip(_DATA_CELLS, bits, strict=True):
        colours[cell] = _WHITE if bit else _BLACK
    for (r, c), colour in colours.items():
        if colour != _BLACK:
            draw.rectangle((xs[c], ys[r], xs[c + 1] - 1, ys[r + 1] - 1), fill=colour)
    return image


def _clock_text(seconds: Fraction) -> str:
    hundredths = round(seconds * 100)
    minutes, rest = divmod(hundredths, 6000)
    return f"{minutes:02d}:{rest // 100:02d}.{rest % 100:02d}"


def _bands(size: tuple[int, int]) -> Image.Image:
    """Soft colour bands twice as wide as ``size``, scrolled frame by frame."""
    w, h = size
    hue = Image.linear_gradient("L").rotate(90).resize((2 * w, h))
    full = Image.new("L", (2 * w, h), 200)
    return Image.merge("HSV", (hue, Image.new("L", (2 * w, h), 150), full)).convert("RGB")


def clock_image(
    index: int, seconds: Fraction, size: tuple[int, int], background: Image.Image | None = None
) -> Image.Image:
    """The stored picture of frame ``index`` shown at ``seconds`` in the clock style: the time
    as a large clock and the frame's number over moving content, the index pattern in the
    bottom-right corner (:data:`CORNER` of each side)."""
    from PIL import ImageFont  # noqa: PLC0415

    w, h = size
    if w < 4 * GRID or h < 4 * GRID:
        raise ValueError(f"a clock-style picture must be at least {4 * GRID}x{4 * GRID}")
    bands = background if background is not None else _bands(size)
    shift = (index * 4) % w
    image = bands.crop((shift, 0, shift + w, h))
    draw = ImageDraw.Draw(image)
    # A ball bouncing across the picture, one pass every 50 frames.
    radius = max(3, h // 10)
    phase = index % 100
    x = radius + (w - 2 * radius) * (phase if phase <= 50 else 100 - phase) // 50
    y = h - radius - (h // 3) * abs(25 - index % 50) // 25 - round(h * CORNER)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(250, 250, 250))
    big = ImageFont.load_default(size=max(8, h // 5))
    small = ImageFont.load_default(size=max(6, h // 12))
    stroke = max(1, h // 80)
    draw.text(
        (w // 2, h * 2 // 5),
        _clock_text(seconds),
        font=big,
        anchor="mm",
        fill=_WHITE,
        stroke_width=stroke,
        stroke_fill=_BLACK,
    )
    draw.text(
        (w // 2, h * 2 // 5 + h // 6),
        f"frame {index}",
        font=small,
        anchor="mt",
        fill=_WHITE,
        stroke_width=stroke,
        stroke_fill=_BLACK,
    )
    box = _corner_boxes(size)[0]
    image.paste(pattern_image(index, (box[2] - box[0], box[3] - box[1])), box[:2])
    return image


def _to_image(image: Image.Image | bytes) -> Image.Image:
    if isinstance(image, bytes | bytearray | memoryview):
        try:
            opened = Image.open(io.BytesIO(bytes(image)))
            opened.load()
        except Exception as exc:
            raise PatternError(f"not an image Pillow can read: {exc}") from exc
        image = opened
    return image.convert("RGB")


def _cell_means(image: Image.Image) -> list[list[tuple[float, float, float]]]:
    """Mean colour of the central part of every grid cell of the image."""
    w, h = image.size
    if w < GRID or h < GRID:
        raise PatternError(f"image {w}x{h} is too small to hold the {GRID}x{GRID} pattern")
    means: list[list[tuple[float, float, float]]] = []
    for r in range(GRID):
        row: list[tuple[float, float, float]] = []
        for c in range(GRID):
            # The middle third of the cell, at least one pixel.
            x0, x1 = w * (3 * c + 1) / (3 * GRID), w * (3 * c + 2) / (3 * GRID)
            y0, y1 = h * (3 * r + 1) / (3 * GRID), h * (3 * r + 2) / (3 * GRID)
            box = (int(x0), int(y0), max(int(x0) + 1, round(x1)), max(int(y0) + 1, round(y1)))
            stat = ImageStat.Stat(image.crop(box))
            red, green, blue = stat.mean[:3]
            row.append((red, green, blue))
        means.append(row)
    return means


def _redness(rgb: tuple[float, float, float]) -> float:
    return rgb[0] - max(rgb[1], rgb[2])


def _greenness(rgb: tuple[float, float, float]) -> float:
    return rgb[1] - max(rgb[0], rgb[2])


def _luma(rgb: tuple[float, float, float]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _orientation_of(means: list[list[tuple[float, float, float]]]) -> Orientation:
    corners = [(0, 0), (0, GRID - 1), (GRID - 1, 0), (GRID - 1, GRID - 1)]
    red = max(corners, key=lambda rc: _redness(means[rc[0]][rc[1]]))
    green = max(corners, key=lambda rc: _greenness(means[rc[0]][rc[1]]))
    if _redness(means[red[0]][red[1]]) < 50 or _greenness(means[green[0]][green[1]]) < 50:
        raise PatternError("no red and green corner markers: not a frame-index pattern")
    for o in _ALL_ORIENTATIONS:
        if o.map_cell(*_TL) == red and o.map_cell(*_TR) == green:
            return o
    raise PatternError("the red and green corner markers are not in adjacent corners")


def _corner_boxes(size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """The four corner boxes where the clock style's pattern can be, bottom-right first (where
    it is stored); after a quarter turn it is in another corner, still CORNER of each side."""
    w, h = size
    bw, bh = round(w * CORNER), round(h * CORNER)
    return [(w - bw, h - bh, w, h), (0, h - bh, bw, h), (w - bw, 0, w, bh), (0, 0, bw, bh)]


def _read_styled(image: Image.Image | bytes, style: Style, read: Any) -> Any:
    img = _to_image(image)
    if style == "pattern":
        return read(img)
    if style != "clock":
        raise ValueError(f"style must be 'pattern' or 'clock', not {style!r}")
    errors = []
    for box in _corner_boxes(img.size):
        try:
            return read(img.crop(box))
        except PatternError as error:
            errors.append(str(error))
    raise PatternError(f"no corner holds a readable pattern ({errors[0]})")


def read_orientation(image: Image.Image | bytes, *, style: Style = "pattern") -> Orientation:
    """Which rotation/mirroring of the stored picture ``image`` shows (see :class:`Orientation`);
    ``style="clock"`` reads the pattern in the corner of a clock-style frame.

    Raises :class:`PatternError` if the pattern cannot be read.
    """
    return _read_styled(image, style, lambda img: _orientation_of(_cell_means(img)))  # type: ignore[no-any-return]


def read_frame_index(image: Image.Image | bytes, *, style: Style = "pattern") -> int:
    """The frame index shown by ``image`` (a Pillow image or encoded JPEG/PNG bytes).

    Works on any rotation or mirroring of the picture, any scaling and JPEG quality down to
    about 4 pixels per grid cell. ``style="clock"`` reads a clock-style frame (see
    :func:`make_fixture`): the pattern in whichever corner it is. Raises
    :class:`PatternError` with the reason if the pattern cannot be read reliably.
    """
    return _read_styled(image, style, _read_index)  # type: ignore[no-any-return]


def _read_index(img: Image.Image) -> int:
    means = _cell_means(img)
    o = _orientation_of(means)
    lumas = [_luma(means[r][c]) for r, c in (o.map_cell(*cell) for cell in _DATA_CELLS)]
    black, white = (
        _luma(means[o.map_cell(*_BL)[0]][o.map_cell(*_BL)[1]]),
        _luma(means[o.map_cell(*_BR)[0]][o.map_cell(*_BR)[1]]),
    )
    if white - black < 80:
        raise PatternError(
            f"black/white reference cells too close (black {black:.0f}, white {white:.0f})"
        )
    threshold = (black + white) / 2
    margin = (white - black) / 8
    unsure = [i for i, v in enumerate(lumas) if abs(v - threshold) < margin]
    if unsure:
        raise PatternError(
            f"neither black nor white: {plural(len(unsure), 'data cell')} of the pattern"
        )
    bits = [1 if v > threshold else 0 for v in lumas]
    value = sum(b << k for k, b in enumerate(bits[:_INDEX_BITS]))
    check = sum(b << k for k, b in enumerate(bits[_INDEX_BITS:]))
    if value ^ check != MAX_FRAMES - 1:
        raise PatternError("frame-index check bits do not match: the picture is damaged")
    return value


# --------------------------------------------------------------------------------------------
# Fixture videos


@dataclass(frozen=True)
class FixtureInfo:
    """What :func:`make_fixture` wrote, checked back by demuxing the file.

    ``times[i]`` is when frame ``i`` (the frame whose pattern shows ``i``) appears, in exact
    seconds from the first frame (``times[0] == 0``); ``end`` is when the last frame stops
    being shown. ``keyframes`` are frame indices whose packets are flagged as keyframes.
    ``start`` is the first frame's timestamp in the file (non-zero for MPEG-TS).
    ``orientation`` is what a player does to the stored picture to display it.
    ``sample_aspect`` is the pixels' aspect ratio the file declares (1: square pixels).
    ``style`` is how the frames look (see :func:`make_fixture`): pass it to
    :func:`read_frame_index`.
    """

    path: Path
    codec: str
    container: str
    pix_fmt: str
    times: tuple[Fraction, ...]
    end: Fraction
    keyframes: tuple[int, ...]
    stored_size: tuple[int, int]
    orientation: Orientation
    start: Fraction
    time_base: Fraction
    has_audio: bool = False
    style: Style = "pattern"
    sample_aspect: Fraction = Fraction(1)

    def __str__(self) -> str:
        w, h = self.display_size
        o = self.orientation
        sw, sh = self.stored_size
        turned = f" (stored {sw}x{sh}, shown turned {o.rotation}°)" if o.rotation else ""
        mirrored = ", mirrored" if o.mirrored else ""
        return (
            f"{self.codec}/{self.container} {self.pix_fmt} {w}x{h}{turned}{mirrored}: "
            f"{plural(self.frame_count, 'frame')}, {float(self.end):g} s, "
            f"{plural(len(self.keyframes), 'keyframe')}, first frame at {float(self.start):g} s"
        )

    @property
    def frame_count(self) -> int:
        return len(self.times)

    @property
    def display_size(self) -> tuple[int, int]:
        w, h = self.stored_size
        return (h, w) if self.orientation.swaps_axes else (w, h)

    @property
    def duration(self) -> Fraction:
        return self.end

    def frame_at(self, time: Decimal | Fraction | int) -> int:
        """Index of the frame on screen at ``time``: the last with time <= ``time``
        (the last frame past the end)."""
        t = Fraction(time)
        if t < 0:
            raise ValueError("time must be >= 0")
        return bisect.bisect_right(self.times, t) - 1

    def next_frame_at(self, time: Decimal | Fraction | int) -> int:
        """Index of the first frame at or after ``time`` (the last frame if there is none)."""
        t = Fraction(time)
        i = bisect.bisect_left(self.times, t)
        return min(i, len(self.times) - 1)

    def keyframe_at(self, time: Decimal | Fraction | int) -> int:
        """Index of the last keyframe at or before ``time`` (the first keyframe if none)."""
        i = self.frame_at(time)
        k = bisect.bisect_right(self.keyframes, i) - 1
        return self.keyframes[max(k, 0)]


def _as_fraction(value: Fraction | Decimal | int | float | str) -> Fraction:
    if isinstance(value, float):
        # Fixture parameters are written by people: 4.0, 1.4, 0.5 mean their decimal value.
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def _vfr_intervals(fps: Fraction, count: int) -> Iterator[int]:
    """Irregular frame intervals in milliseconds, averaging about 1/fps."""
    base = Fraction(1000) / fps
    factors = [Fraction(n, 4) for n in (4, 2, 6, 4, 8, 3, 5, 4, 1, 7)]
    for i in range(count):
        yield max(1, round(base * factors[i % len(factors)]))


def _encoder_options(
    codec: str, gop: int, bframes: int, open_gop: bool, threads: int
) -> tuple[dict[str, str], str | None]:
    if codec == "h264":
        params = (
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
            f":open-gop={int(open_gop)}:sliced-threads=0:threads={threads}"
        )
        return {"preset": "veryfast", "x264-params": params}, None
    if codec == "hevc":
        params = (
            f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"
            f":open-gop={int(open_gop)}:log-level=error:frame-threads={threads}:pools={threads}"
        )
        return {"preset": "ultrafast", "x265-params": params}, None
    if codec == "vp9":
        return {
            "deadline": "good",
            "cpu-used": "8",
            "crf": "24",
            "b": "0",
            "g": str(gop),
            "keyint_min": str(gop),
            "threads": str(threads),
        }, None
    if codec == "av1":
        return {
            # Faster presets (10+) smear the pattern on some frames.
            "preset": "8",
            "crf": "20",
            "g": str(gop),
            "svtav1-params": f"keyint={gop}:lp={threads}",
        }, "SVT_LOG"
    raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")


def _texture(size: tuple[int, int], seed: int) -> Image.Image:
    """A deterministic texture a little larger than ``size``, to be cropped per frame: smooth
    blobs (noise upscaled 8x) plus light grain, so it costs about what natural video costs."""
    w, h = size[0] + 64, size[1] + 64
    rng = random.Random(seed)  # noqa: S311 - texture, not secrets
    cw, ch = w // 8 + 2, h // 8 + 2
    blobs = Image.frombytes("L", (cw, ch), rng.randbytes(cw * ch)).resize(
        (cw * 8, ch * 8), Image.Resampling.BICUBIC
    )
    grain = Image.frombytes("L", (w, h), bytes(96 + b % 64 for b in rng.randbytes(w * h)))
    return Image.blend(blobs.crop((0, 0, w, h)), grain, 0.25).convert("RGB")


def make_fixture(
    out: Path | str,
    *,
    duration: Fraction | Decimal | float | int = 4,
    fps: Fraction | int = 25,
    gop: int = 25,
    size: tuple[int, int] = (320, 240),
    codec: Codec = "h264",
    rotate: int = 0,
    flip: bool = False,
    bframes: int = 2,
    open_gop: bool | None = None,
    vfr: bool = False,
    start_offset: Fraction | Decimal | float | int | None = None,
    pix_fmt: str | None = None,
    texture: bool = False,
    audio: bool = False,
    threads: int = 2,
    verify: bool = True,
    style: Style = "pattern",
    sample_aspect: Fraction | int = 1,
) -> FixtureInfo:
    """Write a test video to ``out`` and return what it holds.

    - ``duration`` seconds at ``fps`` frames per second (``round(duration * fps)`` frames, at
      most 65536), a keyframe every ``gop`` frames, ``bframes`` B-frames (H.264/HEVC).
    - ``codec``: ``h264`` (libx264), ``hevc`` (libx265, open GOP by default), ``vp9``
      (libvpx-vp9), ``av1`` (libsvtav1). The container comes from the suffix of ``out``:
      .mp4, .mov, .mkv, .webm (VP9/AV1 only), .ts.
    - ``rotate`` (0/90/180/270) and ``flip``: display-matrix metadata telling players to
      mirror the stored picture left-right (``flip``) and then turn it ``rotate`` degrees
      clockwise, as phones record portrait video. The pixels are not changed.
    - ``vfr``: irregular frame intervals (millisecond time base) instead of a constant rate.
    - ``start_offset``: the first frame's timestamp in seconds (rounded to the time base);
      by default 1.4 s for MPEG-TS, as ffmpeg writes it, and 0 elsewhere.
    - ``pix_fmt``: defaults to yuv420p, or yuv444p for odd sizes with H.264/HEVC (which cannot
      code odd 4:2:0 pictures; VP9 and AV1 can).
    - ``texture``: overlay moving noise so the encoder and decoder do realistic work
      (benchmarks); the pattern still reads. ``audio``: add a silent AAC (Opus in WebM)
      track.
    - ``sample_aspect``: the pixel aspect ratio to declare (e.g. ``Fraction(4, 3)``: a player
      shows 320x240 stored pixels 427 wide); the pixels and the pattern are not changed.
    - ``verify``: decode the whole file once, front to back, and check every frame shows its
      index at the expected time (so the returned info can be trusted as a test oracle).
    - ``style``: ``pattern`` (the default) fills the frame with the index pattern; ``clock``
      shows the frame's time and number for people, the pattern in a corner (read it with
      ``read_frame_index(image, style="clock")``; at least 24x24 pixels).
    """
    import av  # noqa: PLC0415  (the emulator extra)

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in CONTAINERS:
        raise ValueError(f"unknown container suffix {out.suffix!r}; use one of {list(CONTAINERS)}")
    container_format = CONTAINERS[suffix]
    if codec not in _ENCODERS:
        raise ValueError(f"codec must be one of {sorted(_ENCODERS)}, not {codec!r}")
    if container_format == "webm" and codec not in ("vp9", "av1"):
        raise ValueError("WebM holds only VP9 or AV1")
    if style not in ("pattern", "clock"):
        raise ValueError(f"style must be 'pattern' or 'clock', not {style!r}")
    if rotate % 90 or rotate not in (0, 90, 180, 270, -90, -180, -270):
        raise ValueError("rotate must be a multiple of 90 degrees")
    if (rotate or flip) and container_format == "mpegts":
        raise ValueError("MPEG-TS cannot carry a display matrix (rotate/flip)")
    rotate %= 360
    fps = Fraction(fps)
    sample_aspect = Fraction(sample_aspect)
    if sample_aspect <= 0:
        raise ValueError("sample_aspect must be > 0")
    if fps <= 0 or gop < 1 or bframes < 0:
        raise ValueError("fps and gop must be positive, bframes >= 0")
    count = round(_as_fraction(duration) * fps)
    if not 1 <= count <= MAX_FRAMES:
        raise ValueError(f"duration x fps must give 1..{MAX_FRAMES} frames, not {count}")
    scale = _CONTAINER_TIMESCALE.get(container_format)
    if scale is not None and not vfr and (scale / fps).denominator != 1:
        raise ValueError(
            f"{suffix} stores times in 1/{scale} s, which cannot hold every frame time at "
            f"{fps} fps; use .mp4 or .mov, or a rate that divides {scale} (e.g. 25 or 50)"
        )
    width, height = size
    if pix_fmt is None:
        odd = width % 2 or height % 2
        pix_fmt = "yuv444p" if odd and codec in ("h264", "hevc") else "yuv420p"
    if open_gop is None:
        open_gop = codec == "hevc"
    if start_offset is None:
        start_offset = Fraction(7, 5) if container_format == "mpegts" else 0
    offset_s = _as_fraction(start_offset)
    if offset_s < 0:
        raise ValueError("start_offset must be >= 0")

    time_base = Fraction(1, 1000) if vfr else 1 / fps
    offset_ticks = round(offset_s / time_base)
    if vfr:
        pts_list, t = [], offset_ticks
        for step in _vfr_intervals(fps, count):
            pts_list.append(t)
            t += step
        end_ticks = t
    else:
        pts_list = [offset_ticks + i for i in range(count)]
        end_ticks = offset_ticks + count

    options, env_var = _encoder_options(codec, gop, bframes, open_gop, threads)
    if env_var is not None:
        os.environ.setdefault(env_var, "1")  # SVT-AV1 logs its banner to stderr otherwise
    out.parent.mkdir(parents=True, exist_ok=True)
    texture_image = _texture(size, seed=count) if texture else None
    bands = _bands(size) if style == "clock" else None

    try:
        with av.open(str(out), "w", format=container_format) as container:
            stream: Any = container.add_stream(_ENCODERS[codec], rate=fps, options=options)
            stream.width, stream.height = width, height
            stream.pix_fmt = pix_fmt
            stream.codec_context.time_base = time_base
            stream.codec_context.gop_size = gop
            if sample_aspect != 1:
                stream.codec_context.sample_aspect_ratio = sample_aspect
            if codec in ("h264", "hevc"):
                stream.codec_context.max_b_frames = bframes
            if rotate or flip:
                # Checked against ffmpeg's autorotate in the tests.
                stream.set_display_matrix(list(Orientation(rotate, flip).display_matrix()))
            audio_track = _SilentTrack(container) if audio else None
            video_frame: Any = av.VideoFrame
            for index, pts in enumerate(pts_list):
                if bands is not None:
                    seconds = (pts - offset_ticks) * time_base
                    picture = clock_image(index, seconds, size, bands)
                else:
                    picture = pattern_image(index, size)
                if texture_image is not None:
                    dx, dy = (index * 3) % 64, (index * 2) % 64
                    noise = texture_image.crop((dx, dy, dx + width, dy + height))
                    picture = Image.blend(picture, noise, 0.25)
                frame = video_frame.from_image(picture).reformat(format=pix_fmt)
                frame.pts = pts
                frame.time_base = time_base
                for packet in stream.encode(frame):
                    container.mux(packet)
                if audio_track is not None:
                    audio_track.mux_until((pts - offset_ticks) * time_base)
            for packet in stream.encode(None):
                container.mux(packet)
            if audio_track is not None:
                audio_track.mux_until((end_ticks - offset_ticks) * time_base)
                audio_track.finish()

        times = tuple((p - offset_ticks) * time_base for p in pts_list)
        return _check_back(
            out,
            codec=codec,
            container_format=container_format,
            pix_fmt=pix_fmt,
            times=times,
            end=(end_ticks - offset_ticks) * time_base,
            size=size,
            orientation=Orientation(rotate, flip),
            has_audio=audio,
            verify=verify,
            style=style,
            sample_aspect=sample_aspect,
        )
    except BaseException:
        out.unlink(missing_ok=True)  # no half-written or unverified fixture is left behind
        raise


def _check_back(
    path: Path,
    *,
    codec: str,
    container_format: str,
    pix_fmt: str,
    times: tuple[Fraction, ...],
    end: Fraction,
    size: tuple[int, int],
    orientation: Orientation,
    has_audio: bool,
    verify: bool,
    style: Style = "pattern",
    sample_aspect: Fraction = Fraction(1),
) -> FixtureInfo:
    """Demux the written file and check it holds the intended frames; find the keyframes."""
    import av  # noqa: PLC0415

    packets: list[tuple[int, bool]] = []
    with av.open(str(path)) as container:
        stream: Any = container.streams.video[0]
        tb = Fraction(stream.time_base)
        declared = Fraction(stream.sample_aspect_ratio or 1)
        for packet in container.demux(stream):
            if packet.size and not packet.is_discard:
                if packet.pts is None:
                    raise RuntimeError(f"{path}: packets without timestamps")
                packets.append((packet.pts, packet.is_keyframe))
    packets.sort()
    first = packets[0][0] * tb
    got = tuple(pts * tb - first for pts, _ in packets)
    if got != times:
        raise RuntimeError(
            f"{path}: frame times read back differ from those written "
            f"(first differences: {[(a, b) for a, b in zip(got, times, strict=False) if a != b][:3]})"
        )
    if declared != sample_aspect:
        raise RuntimeError(f"{path}: sample aspect {declared} read back, {sample_aspect} written")
    keyframes = tuple(i for i, (_, key) in enumerate(packets) if key)
    if verify:
        _verify_frames(path, [pts for pts, _ in packets], orientation, style)
    if not keyframes or keyframes[0] != 0:
        raise RuntimeError(f"{path}: the first frame is not a keyframe")
    return FixtureInfo(
        path=path,
        codec=codec,
        container=container_format,
        pix_fmt=pix_fmt,
        times=times,
        end=end,
        keyframes=keyframes,
        stored_size=size,
        orientation=orientation,
        start=first,
        time_base=tb,
        has_audio=has_audio,
        style=style,
        sample_aspect=sample_aspect,
    )


def _verify_frames(
    path: Path, pts_list: list[int], orientation: Orientation, style: Style = "pattern"
) -> None:
    import av  # noqa: PLC0415

    decoded: list[tuple[int, Image.Image]] = []
    matrix: tuple[int, ...] | None = None
    with av.open(str(path)) as container:
        frame: Any
        for frame in container.decode(video=0):
            if not decoded:
                try:
                    raw = bytes(frame.side_data["DISPLAYMATRIX"])
                    matrix = struct.unpack("<9i", raw[:36])
                except KeyError:
                    matrix = None
            decoded.append((frame.pts, frame.to_image()))
    wanted = None if orientation == Orientation() else orientation.display_matrix()
    if matrix is not None and matrix[:2] + matrix[3:5] == (1 << 16, 0, 0, 1 << 16):
        matrix = None  # an identity matrix is as good as none
    if (matrix and matrix[:2] + matrix[3:5]) != (wanted and wanted[:2] + wanted[3:5]):
        raise RuntimeError(f"{path}: display matrix {matrix} read back, {wanted} written")
    if [pts for pts, _ in decoded] != pts_list:
        raise RuntimeError(f"{path}: decoded frames are not the frames written")
    for index, (_, picture) in enumerate(decoded):
        try:
            shown = read_frame_index(picture, style=style)
        except PatternError as exc:
            raise RuntimeError(f"{path}: frame {index} is unreadable: {exc}") from exc
        if shown != index:
            raise RuntimeError(f"{path}: frame {index} shows {shown}")
        if read_orientation(picture, style=style) != Orientation():
            raise RuntimeError(f"{path}: frame {index} has its markers misplaced")


class _SilentTrack:
    """A silent mono audio track: AAC, or Opus in WebM."""

    RATE = 48000

    def __init__(self, container: Any) -> None:
        self.container = container
        codec = "libopus" if container.format.name == "webm" else "aac"
        self.stream: Any = container.add_stream(codec, rate=self.RATE)
        self.stream.layout = "mono"
        self.samples = 960 if codec == "libopus" else 1024
        self.pts = 0

    def mux_until(self, seconds: Fraction) -> None:
        import av  # noqa: PLC0415

        while Fraction(self.pts, self.RATE) < seconds:
            frame = av.AudioFrame(
                format=self.stream.format.name, layout="mono", samples=self.samples
            )
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = self.RATE
            frame.pts = self.pts
            frame.time_base = Fraction(1, self.RATE)
            self.pts += self.samples
            for packet in self.stream.encode(frame):
                self.container.mux(packet)

    def finish(self) -> None:
        for packet in self.stream.encode(None):
            self.container.mux(packet)


def make_audio_fixture(out: Path | str, *, duration: float = 1.0) -> Path:
    """Write an audio-only file (AAC, Opus in WebM; container by suffix, .m4a too): not a
    video."""
    import av  # noqa: PLC0415

    out = Path(out)
    fmt = {".m4a": "mp4", **CONTAINERS}.get(out.suffix.lower())
    with av.open(str(out), "w", format=fmt) as container:
        track = _SilentTrack(container)
        track.mux_until(_as_fraction(duration))
        track.finish()
    return out
