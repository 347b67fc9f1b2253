"""Effects a fixture video can carry: the pictures automatic posters must avoid (a black
intro, a fade-in, a blurred stretch, white flash frames, a uniform picture), where they are
(:class:`Effect`, recorded in :class:`~cos_snapshot.testing.videos.FixtureInfo`), and how
each changes a frame's picture.

A frame under an effect does not show its index (a black or uniform picture holds no pattern),
so the fixture's read-back skips those frames, and a test judges a time by
``info.effect_at(time)`` instead of by reading the picture.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Literal

from PIL import Image, ImageFilter

__all__ = [
    "FLASH_FRAMES",
    "FLAT_COLOUR",
    "Effect",
    "EffectKind",
    "apply_effect",
    "plan_effects",
]

#: ``black``: a black picture (the intro); ``fade-in``: the picture from black to full
#: brightness; ``blur``: the picture blurred; ``flash``: a white picture; ``flat``: one
#: uniform colour.
EffectKind = Literal["black", "fade-in", "blur", "flash", "flat"]

#: How many frames a flash whitens: the one on screen at its time and the next.
FLASH_FRAMES = 2
#: The colour of a ``flat`` picture: neither black (its luma is well above the black-frame
#: rule's 32) nor white, so only a test of detail can tell it is blank.
FLAT_COLOUR = (96, 112, 128)


@dataclass(frozen=True, slots=True)
class Effect:
    """One effect of a fixture video: frames ``first`` up to (not including) ``stop``, shown
    from ``start`` until ``end`` (exact seconds from the first frame, as a
    :class:`~cos_snapshot.testing.videos.FixtureInfo`'s ``times``)."""

    kind: EffectKind
    start: Fraction
    end: Fraction
    first: int
    stop: int

    def __str__(self) -> str:
        return f"{self.kind} {float(self.start):g}-{float(self.end):g} s"

    @property
    def frames(self) -> range:
        """The indices of the frames under the effect."""
        return range(self.first, self.stop)

    def covers(self, time: Fraction) -> bool:
        """Whether the frame on screen at ``time`` is under the effect."""
        return self.start <= time < self.end


def _frames_in(times: Sequence[Fraction], start: Fraction, end: Fraction) -> tuple[int, int]:
    """The frames that appear from ``start`` until ``end`` (start included, end not): so two
    spans that meet share no frame."""
    first = bisect.bisect_left(times, start)
    stop = bisect.bisect_left(times, end)
    return first, stop


def plan_effects(
    times: Sequence[Fraction],
    end: Fraction,
    *,
    intro_black: Fraction | None = None,
    fade_in: Fraction | None = None,
    blur: Sequence[tuple[Fraction, Fraction]] = (),
    flash: Sequence[Fraction] = (),
    flat: Sequence[tuple[Fraction, Fraction]] = (),
) -> tuple[Effect, ...]:
    """Where each effect falls on frames shown at ``times`` (a video ending at ``end``), in
    time order; the fade-in starts where the black intro ends (at 0 without one).

    Raises :class:`ValueError` naming the effect if a span is empty, reversed, outside the
    video or covers no frame, or if two effects share a frame.
    """
    asked: list[tuple[str, EffectKind, Fraction, Fraction]] = []
    intro = intro_black or Fraction(0)
    if intro_black is not None:
        asked.append(("intro black", "black", Fraction(0), intro_black))
    if fade_in is not None:
        asked.append(("fade-in", "fade-in", intro, intro + fade_in))
    asked += [("blur", "blur", a, b) for a, b in blur]
    asked += [("flat", "flat", a, b) for a, b in flat]
    effects: list[Effect] = []
    for name, kind, a, b in asked:
        if not 0 <= a < b:
            raise ValueError(f"{name} {float(a):g}:{float(b):g}: FROM must be >= 0 and < TO")
        if b > end:
            raise ValueError(
                f"{name} {float(a):g}:{float(b):g} ends past the video's end ({float(end):g} s)"
            )
        first, stop = _frames_in(times, a, b)
        if first >= stop:
            raise ValueError(f"{name} {float(a):g}:{float(b):g} covers no frame")
        effects.append(_effect(kind, times, end, first, stop))
    for t in flash:
        if not 0 <= t < end:
            raise ValueError(f"flash {float(t):g} is outside the video (0 to {float(end):g} s)")
        first = bisect.bisect_right(times, t) - 1
        effects.append(_effect("flash", times, end, first, min(first + FLASH_FRAMES, len(times))))
    effects.sort(key=lambda e: e.first)
    for before, after in pairwise(effects):
        if after.first < before.stop:
            raise ValueError(f"effects {before} and {after} share frames; they must not overlap")
    return tuple(effects)


def _effect(
    kind: EffectKind, times: Sequence[Fraction], end: Fraction, first: int, stop: int
) -> Effect:
    return Effect(kind, times[first], times[stop] if stop < len(times) else end, first, stop)


def apply_effect(picture: Image.Image, effect: Effect, index: int) -> Image.Image:
    """Frame ``index``'s ``picture`` (RGB) as ``effect`` changes it."""
    if effect.kind == "black":
        return Image.new("RGB", picture.size, (0, 0, 0))
    if effect.kind == "flash":
        return Image.new("RGB", picture.size, (255, 255, 255))
    if effect.kind == "flat":
        return Image.new("RGB", picture.size, FLAT_COLOUR)
    if effect.kind == "blur":
        # Strong enough that every sharp edge becomes a soft ramp: the variance of the
        # Laplacian (the usual sharpness gate) drops by orders of magnitude.
        return picture.filter(ImageFilter.GaussianBlur(max(2, min(picture.size) // 24)))
    # A fade-in: the k-th of n frames at (k + 1) / (n + 1) of full brightness, so the ramp
    # rises every frame and neither end is the intro's black or the full picture.
    level = Fraction(index - effect.first + 1, effect.stop - effect.first + 1)
    return Image.blend(Image.new("RGB", picture.size), picture, float(level))
