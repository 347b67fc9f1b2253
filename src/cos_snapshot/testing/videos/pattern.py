"""The frame-index pattern and the clock picture: drawing them, and reading the index and
the orientation back from an image (see :mod:`cos_snapshot.testing.videos`)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from PIL import Image, ImageDraw, ImageStat

from ..._shared.text import plural

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

#: ``pattern``: the index pattern fills the frame; ``clock``: a clock for people, the pattern
#: in a corner.
Style = Literal["pattern", "clock"]
#: In the clock style, the index pattern's share of the picture's width and of its height.
CORNER = Fraction(3, 10)


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
    bottom-right corner (``CORNER`` of each side)."""
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
