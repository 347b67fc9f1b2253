"""One forward pass over a video for many shots: what a snapshot job decodes.

The engine's packet index says which frame each shot's time selects (the frame on screen at the
time, as GetSnapshot's ``exactframe``, with the engine's ``exactframe`` option) and which GOPs
hold none; the pass then reads the file once, front to back, on a container of its own (a
job never holds up snapshot requests for the same file, and never seeks backward or reopens
the file: see :meth:`_OpenVideo.sweep`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from .index import _Index
from .types import NotAVideoError
from .video import _OpenVideo

__all__ = ["FramePass", "Timeline"]


@dataclass(frozen=True, slots=True)
class Timeline:
    """A video's times in seconds from its first frame: when its last frame stops being shown
    (``duration``) and when each keyframe is shown."""

    duration: Fraction
    keyframes: tuple[Fraction, ...]


def _ticks(time: Fraction, time_base: Fraction) -> tuple[int, int]:
    q = time / time_base
    floor = q.numerator // q.denominator
    return floor, floor if q.denominator == 1 else floor + 1


class FramePass:
    """A video opened for one job: its ``timeline``, then :meth:`frames` once. Made by
    :meth:`SnapshotEngine.frame_pass <cos_snapshot.emulator.frames.SnapshotEngine.frame_pass>`
    (``video`` is the engine's private open video, ``index`` its packet index)."""

    def __init__(self, video: Any, index: Any, exactframe: str, skip_nonref: bool) -> None:
        self._video: _OpenVideo = video
        self._index: _Index = index
        self._exactframe = exactframe
        self._skip_nonref = skip_nonref
        tb = index.time_base
        self.timeline = Timeline(
            duration=Fraction(index.end_rel) * tb,
            keyframes=tuple(Fraction(rel) * tb for rel in index.key_rel),
        )
        #: The container seeks the pass made, in order (the tests read it: never backward).
        self.seeks: list[int] = []
        video.seeks = self.seeks

    def _pts_at(self, time: Fraction) -> int:
        index = self._index
        floor, ceiling = _ticks(max(time, Fraction(0)), index.time_base)
        if self._exactframe == "previous":
            rel = index.rel[max(bisect.bisect_right(index.rel, floor) - 1, 0)]
        else:
            rel = index.rel[min(bisect.bisect_left(index.rel, ceiling), len(index.rel) - 1)]
        return rel + index.first_pts

    def frames(self, times: Sequence[Fraction]) -> Iterator[tuple[tuple[int, ...], Fraction, Any]]:
        """For each frame the shots at ``times`` select, in the order they are decoded: the
        shots' places in ``times``, the frame's time and the decoded frame."""
        shots: dict[int, list[int]] = {}
        for number, time in enumerate(times):
            shots.setdefault(self._pts_at(time), []).append(number)
        first, tb = self._index.first_pts, self._index.time_base
        left = frozenset(shots)
        try:
            for skip_nonref in (True, False) if self._skip_nonref else (False,):
                for pts, frame in self._video.sweep(left, skip_nonref=skip_nonref):
                    if pts in left:
                        left = left - {pts}
                        yield tuple(shots[pts]), Fraction(pts - first) * tb, frame
                if not left:
                    return
                # Skipping non-reference frames lost a frame (a stream that marks a frame
                # others need as disposable): the missing ones in a second pass, in full.
        except (av.FFmpegError, ValueError) as exc:
            raise NotAVideoError(f"the video could not be decoded ({exc})") from exc
        if left:
            raise NotAVideoError("a frame of the video could not be decoded")

    def close(self) -> None:
        self._video.close()
