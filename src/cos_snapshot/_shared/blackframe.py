"""The black-frame rule: one reading of "this picture is black", shared by the poster picker
(``time=auto``) and the emulator's snapshot jobs (``IsCheckBlack``).

The rule is ffmpeg's ``blackframe`` filter, whose two knobs Tencent's job API exposes under its
own names: a pixel is *black* when its luma is strictly below ``pixel_black_threshold`` (ffmpeg's
``threshold``, Tencent's ``PixelBlackThreshold``, 0..255, default 32), and a frame is black when
at least ``black_level`` per cent of its pixels are (ffmpeg's ``amount``, Tencent's
``BlackLevel``, default 98). It reads a 256-bin luma histogram (Pillow's
``image.convert("L").histogram()``), so this layer needs no imaging library and the caller
decides how the picture was decoded and scaled.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "DEFAULT_BLACK_LEVEL",
    "DEFAULT_PIXEL_BLACK_THRESHOLD",
    "black_percentage",
    "is_black",
]

DEFAULT_BLACK_LEVEL = 98
"""Per cent of black pixels at or above which a frame is black (ffmpeg ``blackframe``'s
``amount``)."""

DEFAULT_PIXEL_BLACK_THRESHOLD = 32
"""Luma strictly below which a pixel is black (ffmpeg ``blackframe``'s ``threshold``)."""


def _checked_histogram(luma_histogram: Sequence[int]) -> int:
    if len(luma_histogram) != 256:
        raise ValueError(
            f"a luma histogram has 256 bins, not {len(luma_histogram)}"
            " (use image.convert('L').histogram())"
        )
    total = sum(luma_histogram)
    if total <= 0:
        raise ValueError("a luma histogram of an empty picture has no black percentage")
    return total


def black_percentage(
    luma_histogram: Sequence[int], pixel_black_threshold: int = DEFAULT_PIXEL_BLACK_THRESHOLD
) -> float:
    """The percentage (0..100) of pixels whose luma is below ``pixel_black_threshold``."""
    if not 0 <= pixel_black_threshold <= 255:
        raise ValueError(f"pixel_black_threshold {pixel_black_threshold} is outside 0..255")
    total = _checked_histogram(luma_histogram)
    return 100.0 * sum(luma_histogram[:pixel_black_threshold]) / total


def is_black(
    luma_histogram: Sequence[int],
    *,
    black_level: float = DEFAULT_BLACK_LEVEL,
    pixel_black_threshold: int = DEFAULT_PIXEL_BLACK_THRESHOLD,
) -> bool:
    """Whether at least ``black_level`` per cent of the pixels are black (luma below
    ``pixel_black_threshold``): ffmpeg ``blackframe``'s test, Tencent's ``IsCheckBlack``."""
    if not 0 <= black_level <= 100:
        raise ValueError(f"black_level {black_level} is outside 0..100")
    return black_percentage(luma_histogram, pixel_black_threshold) >= black_level
