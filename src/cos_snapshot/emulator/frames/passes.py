"""One forward pass over a video for many shots: what a snapshot job decodes.

The engine's packet index says which frame each shot's time selects (the frame on screen at the
time, as GetSnapshot's ``exactframe``, with the engine's ``exactframe`` option) and which GOPs
hold none; the pass then reads the file once, front to back, on a container of its own (a
job never holds up snapshot requests for the same file, and never seeks backward or reopens
the file: see :meth:`_OpenVideo.sweep`).

The stretches of the file the shots need (a keyframe to the last shot decoded from it) share no
packet, so the pass may be split between decoders that run at once: stretch ``i`` goes to
decoder ``i mod n``, each decoder reads its own container forward only, in a thread of its own
(libav decodes without the GIL), and the frames are handed on stretch by stretch in file order,
as one decoder would give them. Each decoder's frames wait in a short queue, so the frames held
stay bounded however long the video.
"""

from __future__ import annotations

import bisect
import contextlib
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from .index import _Index
from .types import NotAVideoError
from .video import _OpenVideo

__all__ = ["FramePass", "Timeline"]

#: Decoded frames each parallel decoder may have waiting to be handed on.
_QUEUED_FRAMES = 4
_END = object()


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
    (``video`` is the engine's private open video, ``index`` its packet index; ``more``, when
    given, opens another such video, for up to ``passes`` decoders in all)."""

    def __init__(
        self,
        video: Any,
        index: Any,
        exactframe: str,
        skip_nonref: bool,
        *,
        passes: int = 1,
        more: Callable[[], Any] | None = None,
    ) -> None:
        self._video: _OpenVideo = video
        self._videos: list[_OpenVideo] = [video]
        self._more = more
        self._passes = max(1, passes) if more is not None else 1
        self._index: _Index = index
        self._exactframe = exactframe
        self._skip_nonref = skip_nonref
        tb = index.time_base
        self.timeline = Timeline(
            duration=Fraction(index.end_rel) * tb,
            keyframes=tuple(Fraction(rel) * tb for rel in index.key_rel),
        )
        #: The container seeks each decoder made, in order, one list per decoder (the tests
        #: read them: never backward).
        self.seeks: list[list[int]] = []
        self._keep_seeks(video)

    def _keep_seeks(self, video: _OpenVideo) -> None:
        video.seeks = []
        self.seeks.append(video.seeks)

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
            for again, skip_nonref in enumerate((True, False) if self._skip_nonref else (False,)):
                found = (
                    self._video.sweep(left, skip_nonref=skip_nonref)
                    if again
                    else self._in_passes(left, skip_nonref)
                )
                with contextlib.closing(found):
                    for pts, frame in found:
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

    def _decoders(self, wanted: int) -> list[_OpenVideo]:
        """Up to ``wanted`` open videos (fewer when another cannot be opened: the pass goes on
        with those it has)."""
        while len(self._videos) < wanted and self._more is not None:
            try:
                video = self._more()
            except Exception:  # a file replaced or gone since: fewer decoders
                self._more = None
                break
            self._keep_seeks(video)
            self._videos.append(video)
        return self._videos[:wanted]

    def _in_passes(
        self, targets: frozenset[int], skip_nonref: bool
    ) -> Generator[tuple[int, Any], None, None]:
        """:meth:`_OpenVideo.sweep` of ``targets``, its stretches shared between decoders
        that run at once; the frames in the order one sweep gives them."""
        stretches = self._video.stretches(targets)
        videos = self._decoders(min(self._passes, len(stretches)))
        if len(videos) < 2:
            yield from self._video.sweep(targets, skip_nonref=skip_nonref)
            return
        n = len(videos)
        stretch_of = {pts: i for i, (_, _, pts_of) in enumerate(stretches) for pts in pts_of}
        queues: list[queue.Queue[Any]] = [queue.Queue(_QUEUED_FRAMES) for _ in videos]
        stop = threading.Event()

        def put(q: queue.Queue[Any], item: Any) -> bool:
            while not stop.is_set():
                try:
                    q.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        def decode(p: int) -> None:
            mine = frozenset().union(*(pts for _, _, pts in stretches[p::n]))
            try:
                with contextlib.closing(videos[p].sweep(mine, skip_nonref=skip_nonref)) as found:
                    for item in found:
                        if not put(queues[p], item):
                            return
                put(queues[p], _END)
            except BaseException as exc:  # handed to the consumer, raised there
                put(queues[p], exc)

        threads = [
            threading.Thread(target=decode, args=(p,), name=f"cos-snapshot-job-decode-{p}")
            for p in range(n)
        ]
        for thread in threads:
            thread.start()
        held: list[Any] = [None] * n  # an item read from a queue for a later stretch
        try:
            for i, (_, _, pts_of) in enumerate(stretches):
                p, awaited = i % n, set(pts_of)
                # Until each of the stretch's frames came, or its decoder went on past it (a
                # frame the decoder never gave: left out, as one sweep leaves it out).
                while awaited:
                    item, held[p] = held[p], None
                    if item is None:
                        item = queues[p].get()
                    if isinstance(item, BaseException):
                        raise item
                    if item is _END or stretch_of[item[0]] > i:
                        held[p] = item
                        break
                    awaited.discard(item[0])
                    yield item
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    def close(self) -> None:
        for video in self._videos:
            video.close()
