"""Time and picture geometry, exactly: a time in a stream's ticks, the display matrix as a
Pillow transpose, and the size of the output picture."""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import PIL.Image

from ..._shared.snapshot_params import MAX_DIMENSION
from .types import FrameError

__all__ = ["MAX_COMPUTED_SIDE", "BothSides", "OneSideZero"]

#: Largest width or height the aspect rule may compute from the other.
MAX_COMPUTED_SIDE = 16384

# --------------------------------------------------------------------------------------------
# Time


def _time_ticks(time: Decimal, time_base: Fraction) -> tuple[int, int] | None:
    """``(floor(time / tb), ceil(time / tb))`` exactly, or ``None`` if time is astronomically
    large (past the end of any video). Guards against huge exponents (``1e-999999999``)."""
    if time == 0:
        return 0, 0
    if time.adjusted() > 15:  # > 1e15 seconds
        return None
    if time.adjusted() < -100:
        # 0 < time < 1e-100 s: less than any time base tick.
        return 0, 1
    q = Fraction(time) / time_base
    floor = q.numerator // q.denominator
    return floor, floor if q.denominator == 1 else floor + 1


def _decimal_str(value: Fraction) -> str:
    """``value`` seconds as exact decimal text, for messages (``1.5``, not ``3/2``)."""
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------------------------
# Display matrix


# (a, b, c, d) = (m[0], m[1], m[3], m[4]): FFmpeg maps a stored pixel (x, y), y pointing down,
# to (a*x + c*y, b*x + d*y). Each of the eight axis-aligned cases is one Pillow transpose.
_ORIENTATIONS: tuple[tuple[tuple[int, int, int, int], PIL.Image.Transpose | None, bool], ...] = (
    ((1, 0, 0, 1), None, False),
    ((-1, 0, 0, 1), PIL.Image.Transpose.FLIP_LEFT_RIGHT, False),
    ((1, 0, 0, -1), PIL.Image.Transpose.FLIP_TOP_BOTTOM, False),
    ((-1, 0, 0, -1), PIL.Image.Transpose.ROTATE_180, False),
    ((0, 1, -1, 0), PIL.Image.Transpose.ROTATE_270, True),  # a quarter turn clockwise
    ((0, -1, 1, 0), PIL.Image.Transpose.ROTATE_90, True),  # a quarter turn counter-clockwise
    ((0, 1, 1, 0), PIL.Image.Transpose.TRANSPOSE, True),
    ((0, -1, -1, 0), PIL.Image.Transpose.TRANSVERSE, True),
)


def _display_transform(frame: Any) -> tuple[PIL.Image.Transpose | None, bool]:
    """The transpose that shows ``frame`` as its display matrix says, and whether it swaps
    width and height."""
    try:
        side = frame.side_data["DISPLAYMATRIX"]
    except (KeyError, ValueError, TypeError):
        return None, False
    raw = bytes(side)
    if len(raw) < 36:
        return None, False
    m = struct.unpack("=9i", raw[:36])
    abcd = (m[0], m[1], m[3], m[4])
    if not any(abcd):
        return None, False
    best = max(_ORIENTATIONS, key=lambda o: sum(p * q for p, q in zip(o[0], abcd, strict=True)))
    return best[1], best[2]


OneSideZero = Literal["round-half-up", "floor", "ceil", "even"]
BothSides = Literal["stretch", "fit", "fill"]


def _scaled(given: int, numerator: int, denominator: int, rounding: OneSideZero) -> int:
    """``given * numerator / denominator``, rounded as told, exactly; at least 1."""
    exact = Fraction(given * numerator, denominator)
    if rounding == "floor":
        result = math.floor(exact)
    elif rounding == "ceil":
        result = math.ceil(exact)
    elif rounding == "even":
        result = round(exact)  # Fraction rounds half to even
    else:
        result = math.floor(exact + Fraction(1, 2))
    return max(1, result)


def _output_size(
    display: tuple[int, int],
    width: int,
    height: int,
    one_side_zero: OneSideZero = "round-half-up",
    both_sides: BothSides = "stretch",
) -> tuple[int, int]:
    dw, dh = display
    if width and height:
        if both_sides == "stretch":
            return width, height
        wider_box = width * dh > height * dw  # the box is wider than the picture
        if wider_box == (both_sides == "fit"):  # fit: height bounds; fill: width does
            return _scaled(height, dw, dh, "round-half-up"), height
        return width, _scaled(width, dh, dw, "round-half-up")
    if width:
        computed = _scaled(width, dh, dw, one_side_zero)
        if computed > MAX_COMPUTED_SIDE:
            raise FrameError(f"height computed from width={width} would be {computed} pixels")
        return width, computed
    if height:
        computed = _scaled(height, dw, dh, one_side_zero)
        if computed > MAX_COMPUTED_SIDE:
            raise FrameError(f"width computed from height={height} would be {computed} pixels")
        return computed, height
    if max(dw, dh) > MAX_DIMENSION:
        # Both 0 asks for the picture's own size, but no answer is larger than a request may
        # ask for: scaled down to fit MAX_DIMENSION x MAX_DIMENSION, keeping the aspect.
        if dw >= dh:
            return MAX_DIMENSION, _scaled(MAX_DIMENSION, dh, dw, "round-half-up")
        return _scaled(MAX_DIMENSION, dw, dh, "round-half-up"), MAX_DIMENSION
    return dw, dh
