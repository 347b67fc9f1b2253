"""What a correct server answers, worked out from the fixture's own record (never from the code
under test), in the strict (emulator) and tolerant (live) readings of the rules in
docs/emulator.md ("Semantics") and the suite's README ("Strict and tolerant")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cos_snapshot.testing import FixtureInfo

__all__ = [
    "JPEG_MAGIC",
    "PNG_MAGIC",
    "FrameExpectation",
    "exactframe_expectation",
    "expected_size",
    "keyframe_expectation",
    "magic_type",
    "round_half_up",
]

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def magic_type(content: bytes) -> str | None:
    """The image type the bytes say they are, by their signature."""
    if content.startswith(PNG_MAGIC):
        return "image/png"
    if content.startswith(JPEG_MAGIC):
        return "image/jpeg"
    return None


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, exactly."""
    return (2 * numerator + denominator) // (2 * denominator)


def expected_size(info: FixtureInfo, width: int, height: int, rotate: str) -> tuple[int, int]:
    """The output size the width/height rule gives for ``width``/``height`` on this video.

    Both 0: the (displayed, for rotate=auto) size. One 0: it follows the aspect ratio from the
    other, rounded half up; a result of 0 (a very flat picture) is allowed to be 1. Both set:
    exactly that.
    """
    dw, dh = info.display_size if rotate == "auto" else info.stored_size
    if width and height:
        return width, height
    if width:
        return width, max(1, round_half_up(width * dh, dw))
    if height:
        return max(1, round_half_up(height * dw, dh)), height
    return dw, dh


@dataclass(frozen=True)
class FrameExpectation:
    """The frame indices a server may answer with, and whether a 400 is allowed instead."""

    frames: frozenset[int]
    error_allowed: bool = False

    def describe(self) -> str:
        text = " or ".join(str(f) for f in sorted(self.frames))
        return f"frame {text}" + (" (or 400 InvalidArgument)" if self.error_allowed else "")


def _past_end(info: FixtureInfo, time: Decimal) -> bool:
    return time >= info.end


def exactframe_expectation(info: FixtureInfo, time: Decimal, *, strict: bool) -> FrameExpectation:
    """mode=exactframe. Strict: the frame on screen at ``time``; past the end, the last frame.
    Tolerant: also the first frame at or after ``time`` (``ffmpeg -ss``), and past the end
    also a 400 (the emulator's ``--exactframe next`` and ``--past-end error``)."""
    on_screen = info.frame_at(time)
    if strict:
        return FrameExpectation(frozenset({on_screen}))
    return FrameExpectation(
        frozenset({on_screen, info.next_frame_at(time)}), error_allowed=_past_end(info, time)
    )


def keyframe_expectation(info: FixtureInfo, time: Decimal, *, strict: bool) -> FrameExpectation:
    """mode=keyframe. Strict: the last keyframe at or before ``time``. Tolerant: any keyframe
    no later than the frames exactframe may give; past the end also a 400."""
    if strict:
        return FrameExpectation(frozenset({info.keyframe_at(time)}))
    latest = max(exactframe_expectation(info, time, strict=False).frames)
    return FrameExpectation(
        frozenset(k for k in info.keyframes if k <= latest), error_allowed=_past_end(info, time)
    )
