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
bouncing ball, with the same pattern shrunk into the bottom-right corner (``CORNER`` of the
width and of the height), so a program still reads the index:
``read_frame_index(image, style="clock")`` reads it from whichever corner it is in after any
rotation or mirroring. The demo and the documentation's pictures use it; the tests and the
contract suite keep the full-frame pattern, which sizes, stretching and mirroring are checked
with.

Effects
-------
``make_fixture(..., intro_black=1, fade_in=1, blur=(2, 3), flash=3.5, flat=(4, 5))`` adds the
pictures automatic posters must avoid: a black intro, a fade-in from black, a blurred stretch,
white flash frames, a uniform picture. Frames under an effect do not show their index; the
returned :class:`FixtureInfo` lists the effects (:class:`Effect`: kind, times, frames) and
``info.effect_at(time)`` tells whether the frame on screen at a time is under one.

Only Pillow and PyAV are needed (no numpy).
"""

from __future__ import annotations

from .effects import FLAT_COLOUR, Effect, EffectKind
from .pattern import (
    CORNER,
    Orientation,
    PatternError,
    Style,
    clock_image,
    pattern_image,
    read_frame_index,
    read_orientation,
)
from .truth import FixtureInfo
from .writer import CONTAINERS, make_audio_fixture, make_fixture

__all__ = [
    "CONTAINERS",
    "CORNER",
    "FLAT_COLOUR",
    "Effect",
    "EffectKind",
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
