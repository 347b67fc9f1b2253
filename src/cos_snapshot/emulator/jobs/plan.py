"""When a job's shots are taken, and how its sprites are laid out: pure functions of the spec,
the video's timeline and the emulator's readings of what the vendor leaves unsaid."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ..frames import Timeline
from .spec import MAX_SHOTS, SnapshotConfig, SpriteConfig

__all__ = [
    "DEFAULT_TIME_INTERVAL",
    "MAX_SHOTS",
    "JobFailure",
    "Readings",
    "SheetLayout",
    "sheet_layout",
    "shot_times",
]

#: ``Interval`` without ``TimeInterval`` (the vendor's demo sends it empty): one shot a second.
DEFAULT_TIME_INTERVAL = Fraction(1)

AverageEnd = Literal["exclude", "include"]
KeyframeCount = Literal["bounds", "ignored"]
SpriteSpacing = Literal["ffmpeg", "css"]


@dataclass(frozen=True, slots=True)
class Readings:
    """The emulator's choices where the vendor's documents are silent (settings ``job_*``):

    - ``average_end``: ``exclude`` (default): Count shots at ``Start + i * (D - Start) / Count``,
      i = 0 … Count - 1, so the last is one step before the end; ``include``: spread so the
      first is at Start and the last at the end (the last frame).
    - ``keyframe_count``: ``bounds`` (default): KeyFrame mode takes the keyframes from Start on,
      at most Count of them; ``ignored``: every keyframe from Start on.
    - ``sprite_spacing``: ``ffmpeg`` (default, as ffmpeg's ``tile`` filter, whose names these
      are): Margin is the border around the sheet, Padding the gap between cells; ``css``:
      Margin around the sheet and Padding around each cell (so two cells are 2 x Padding
      apart).
    """

    average_end: AverageEnd = "exclude"
    keyframe_count: KeyframeCount = "bounds"
    sprite_spacing: SpriteSpacing = "ffmpeg"


class JobFailure(Exception):
    """The job cannot be done: it ends ``Failed`` with this ``code`` and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _average(start: Fraction, end: Fraction, count: int, readings: Readings) -> list[Fraction]:
    if readings.average_end == "include":
        if count == 1:
            return [start]
        return [start + (end - start) * i / (count - 1) for i in range(count)]
    return [start + (end - start) * i / count for i in range(count)]


def shot_times(snapshot: SnapshotConfig, timeline: Timeline, readings: Readings) -> list[Fraction]:
    """The times (seconds from the first frame) of the job's shots, in order. A time at or past
    the end takes the last frame."""
    start = Fraction(snapshot.start)
    end = timeline.duration
    if start > end:
        raise JobFailure(
            "InvalidArgument",
            f"Start {snapshot.start} is after the end of the video ({float(end):.3f} s).",
        )
    count = snapshot.count
    if snapshot.mode == "Average":
        return _average(start, end, count or 1, readings)  # the spec requires a Count
    if snapshot.mode == "KeyFrame":
        keys = [t for t in timeline.keyframes if t >= start] or [timeline.keyframes[-1]]
        if count is not None and readings.keyframe_count == "bounds":
            keys = keys[:count]
        return keys[:MAX_SHOTS]
    step = (
        DEFAULT_TIME_INTERVAL
        if snapshot.time_interval is None
        else Fraction(snapshot.time_interval)
    )
    reachable = max(1, math.ceil((end - start) / step))  # shots before the end
    if count is None:
        count = min(reachable, MAX_SHOTS)
    elif count > reachable:
        if snapshot.is_check_count:
            return _average(start, end, count, readings)
        count = reachable
    return [start + step * i for i in range(count)]


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where a sprite sheet's cells go: ``columns`` x ``lines`` cells of ``cell`` pixels,
    filled row by row, on a ``size`` sheet."""

    columns: int
    lines: int
    cell: tuple[int, int]
    size: tuple[int, int]
    origin: tuple[int, int]
    step: tuple[int, int]

    @property
    def per_sheet(self) -> int:
        return self.columns * self.lines

    def place(self, slot: int) -> tuple[int, int]:
        """The top-left corner of the cell ``slot`` (0-based within its sheet)."""
        row, column = divmod(slot, self.columns)
        return self.origin[0] + column * self.step[0], self.origin[1] + row * self.step[1]


def cell_size(sprite: SpriteConfig, shot: tuple[int, int]) -> tuple[int, int]:
    """A cell's size: CellWidth x CellHeight; one given, the other from the shot's aspect;
    neither, the shot's size. ``MaxWHScale`` (scaled to fit, no padding) shrinks the cell to
    the shot's aspect inside that box."""
    width, height = sprite.cell_width, sprite.cell_height
    if width is None and height is None:
        return shot
    if width is None:
        width = max(1, round((height or shot[1]) * shot[0] / shot[1]))
    if height is None:
        height = max(1, round(width * shot[1] / shot[0]))
    if sprite.scale_method == "MaxWHScale":
        scale = min(Fraction(width, shot[0]), Fraction(height, shot[1]))
        return max(1, round(shot[0] * scale)), max(1, round(shot[1] * scale))
    return width, height


def sheet_layout(
    sprite: SpriteConfig,
    grid: tuple[int, int],
    cell: tuple[int, int],
    readings: Readings,
) -> SheetLayout:
    """The layout of every sheet of a job: ``grid`` is (columns, lines)."""
    columns, lines = grid
    if readings.sprite_spacing == "css":
        outer = (sprite.margin + sprite.padding, sprite.margin + sprite.padding)
        gap = 2 * sprite.padding
    else:
        outer = (sprite.margin, sprite.margin)
        gap = sprite.padding
    step = (cell[0] + gap, cell[1] + gap)
    size = (
        2 * outer[0] + columns * cell[0] + (columns - 1) * gap,
        2 * outer[1] + lines * cell[1] + (lines - 1) * gap,
    )
    return SheetLayout(columns, lines, cell, size, outer, step)
