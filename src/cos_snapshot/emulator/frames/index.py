"""What the engine knows of a file without decoding it: its identity (so a replaced file is
reopened) and the index of its video packets, from one demux-only pass."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av

from .types import NotAVideoError

log = logging.getLogger(__name__)


_INDEX_BYTES_PER_PACKET = 336
_INDEX_BYTES_FIXED = 1024


@dataclass(frozen=True, slots=True)
class _FileKey:
    path: str
    size: int
    mtime_ns: int
    ino: int
    # A file rewritten in place with its size and mtime kept (`rsync --inplace --times`,
    # `cp -p` over it) differs only here: setting the mtime back sets the change time to now.
    ctime_ns: int


def _key_of(path: str, st: os.stat_result) -> _FileKey:
    """The identity of the file ``path`` named when it was ``stat``-ed as ``st``."""
    return _FileKey(path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


@dataclass(slots=True)
class _Index:
    """The video stream's packets, from one demux-only pass.

    ``order`` holds (pts, dts, keyframe) in decode order; ``pos`` maps a pts to its place in
    it. ``rel`` are the decodable frames' pts minus the first one, sorted; ``key_rel`` the
    keyframes'. ``end_rel`` is when the last frame stops being shown.
    """

    time_base: Fraction
    first_pts: int
    order: list[tuple[int, int | None, bool]]
    pos: dict[int, int]
    rel: list[int]
    key_rel: list[int]
    end_rel: int
    #: Bytes of the video packets indexed (from the first keyframe on).
    video_bytes: int = 0

    @property
    def estimated_bytes(self) -> int:
        """The memory this index holds, estimated: a packet costs a tuple in ``order``, an
        entry in ``pos`` and up to two in ``rel`` and ``key_rel``, with their integers
        (250 bytes a packet measured with small timestamps, 335 with a long file's; the larger
        is used). A million-frame file's index is a third of a gigabyte."""
        return _INDEX_BYTES_PER_PACKET * len(self.order) + _INDEX_BYTES_FIXED

    @classmethod
    def build(cls, container: Any, stream: Any) -> _Index:
        tb = Fraction(stream.time_base)
        packets: list[tuple[int, int | None, bool, int, bool, int]] = []
        try:
            for packet in container.demux(stream):
                if not packet.size:
                    continue
                if packet.pts is None:
                    raise NotAVideoError("the video stream has packets without timestamps")
                packets.append(
                    (
                        packet.pts,
                        packet.dts,
                        packet.is_keyframe,
                        packet.duration or 0,
                        packet.is_discard,
                        packet.size,
                    )
                )
        except av.FFmpegError as exc:  # a damaged tail: index what was readable
            log.debug("demux stopped early: %s", exc)
        first_key = next((i for i, p in enumerate(packets) if p[2]), None)
        if first_key is None:
            raise NotAVideoError("the video stream has no keyframe")
        packets = packets[first_key:]
        order = [(p[0], p[1], p[2]) for p in packets]
        pos: dict[int, int] = {}
        for i, (pts, _, _) in enumerate(order):
            if pts in pos:
                raise NotAVideoError("the video stream has duplicate timestamps")
            pos[pts] = i
        start = packets[0][0]
        # Frames that precede the first keyframe on screen cannot be decoded from it.
        shown = sorted((p[0], p[3], p[2]) for p in packets if not p[4] and p[0] >= start)
        if not shown:
            raise NotAVideoError("the video stream has no frames to show")
        first = shown[0][0]
        rel = [pts - first for pts, _, _ in shown]
        key_rel = [pts - first for pts, _, key in shown if key]
        last_pts, last_dur, _ = shown[-1]
        if last_dur <= 0 and len(shown) > 1:
            last_dur = last_pts - shown[-2][0]
        end_rel = last_pts - first + max(last_dur, 0)
        video_bytes = sum(p[5] for p in packets)
        return cls(tb, first, order, pos, rel, key_rel, end_rel, video_bytes)
