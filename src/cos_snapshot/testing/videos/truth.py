"""What a fixture video holds, as checked back from the file: :class:`FixtureInfo` (when
every frame is shown, which are keyframes) and the checks that build it."""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

from PIL import Image

from ..._shared.text import plural
from .effects import Effect
from .pattern import (
    Orientation,
    PatternError,
    Style,
    read_frame_index,
    read_orientation,
)


@dataclass(frozen=True)
class FixtureInfo:
    """What :func:`make_fixture` wrote, checked back by demuxing the file.

    ``times[i]`` is when frame ``i`` (the frame whose pattern shows ``i``) appears, in exact
    seconds from the first frame (``times[0] == 0``); ``end`` is when the last frame stops
    being shown. ``keyframes`` are frame indices whose packets are flagged as keyframes.
    ``start`` is the first frame's timestamp in the file (non-zero for MPEG-TS).
    ``orientation`` is what a player does to the stored picture to display it.
    ``sample_aspect`` is the pixels' aspect ratio the file declares (1: square pixels).
    ``style`` is how the frames look (see :func:`make_fixture`): pass it to
    :func:`read_frame_index`. ``video_bytes`` is the size of the video stream's packets in
    bytes (its bit rate is ``video_bytes * 8 / end``); ``reordered`` says whether frames are
    decoded out of display order (B-frames).

    With an audio track (``has_audio``): ``audio_codec`` as FFmpeg names it (``aac``,
    ``opus``), ``audio_sample_rate`` in Hz, ``audio_channels``, ``audio_channel_layout`` and
    ``audio_duration``, the seconds of samples given to the encoder (a reader may report up to
    one audio frame more or less: encoders pad the last frame and muxers trim the priming
    samples each their own way). All ``None`` without audio.

    ``effects`` are the video's effects (black intro, fade-in, blur, flash, flat; see
    :func:`make_fixture`) in time order: frames under one do not show their index, so judge a
    time with :meth:`effect_at`.
    """

    path: Path
    codec: str
    container: str
    pix_fmt: str
    times: tuple[Fraction, ...]
    end: Fraction
    keyframes: tuple[int, ...]
    stored_size: tuple[int, int]
    orientation: Orientation
    start: Fraction
    time_base: Fraction
    has_audio: bool = False
    style: Style = "pattern"
    sample_aspect: Fraction = Fraction(1)
    video_bytes: int = 0
    reordered: bool = False
    audio_codec: str | None = None
    audio_sample_rate: int | None = None
    audio_channels: int | None = None
    audio_channel_layout: str | None = None
    audio_duration: Fraction | None = None
    effects: tuple[Effect, ...] = ()

    def __str__(self) -> str:
        w, h = self.display_size
        o = self.orientation
        sw, sh = self.stored_size
        turned = f" (stored {sw}x{sh}, shown turned {o.rotation}°)" if o.rotation else ""
        mirrored = ", mirrored" if o.mirrored else ""
        return (
            f"{self.codec}/{self.container} {self.pix_fmt} {w}x{h}{turned}{mirrored}: "
            f"{plural(self.frame_count, 'frame')}, {float(self.end):g} s, "
            f"{plural(len(self.keyframes), 'keyframe')}, first frame at {float(self.start):g} s"
            + "".join(f", {effect}" for effect in self.effects)
        )

    @property
    def frame_count(self) -> int:
        return len(self.times)

    @property
    def display_size(self) -> tuple[int, int]:
        w, h = self.stored_size
        return (h, w) if self.orientation.swaps_axes else (w, h)

    @property
    def duration(self) -> Fraction:
        return self.end

    def frame_at(self, time: Decimal | Fraction | int) -> int:
        """Index of the frame on screen at ``time``: the last with time <= ``time``
        (the last frame past the end)."""
        t = Fraction(time)
        if t < 0:
            raise ValueError("time must be >= 0")
        return bisect.bisect_right(self.times, t) - 1

    def effect_at(self, time: Decimal | Fraction | int) -> Effect | None:
        """The effect the frame on screen at ``time`` is under (None: the frame shows its
        index)."""
        return self.effect_of(self.frame_at(time))

    def effect_of(self, index: int) -> Effect | None:
        """The effect frame ``index`` is under, or None."""
        return next((e for e in self.effects if index in e.frames), None)

    def next_frame_at(self, time: Decimal | Fraction | int) -> int:
        """Index of the first frame at or after ``time`` (the last frame if there is none)."""
        t = Fraction(time)
        i = bisect.bisect_left(self.times, t)
        return min(i, len(self.times) - 1)

    def keyframe_at(self, time: Decimal | Fraction | int) -> int:
        """Index of the last keyframe at or before ``time`` (the first keyframe if none)."""
        i = self.frame_at(time)
        k = bisect.bisect_right(self.keyframes, i) - 1
        return self.keyframes[max(k, 0)]


def _check_back(
    path: Path,
    *,
    codec: str,
    container_format: str,
    pix_fmt: str,
    times: tuple[Fraction, ...],
    end: Fraction,
    size: tuple[int, int],
    orientation: Orientation,
    has_audio: bool,
    verify: bool,
    style: Style = "pattern",
    sample_aspect: Fraction = Fraction(1),
    effects: tuple[Effect, ...] = (),
) -> FixtureInfo:
    """Demux the written file and check it holds the intended frames; find the keyframes."""
    import av  # noqa: PLC0415

    packets: list[tuple[int, bool]] = []
    video_bytes = 0
    with av.open(str(path)) as container:
        stream: Any = container.streams.video[0]
        tb = Fraction(stream.time_base)
        declared = Fraction(stream.sample_aspect_ratio or 1)
        for packet in container.demux(stream):
            video_bytes += packet.size
            if packet.size and not packet.is_discard:
                if packet.pts is None:
                    raise RuntimeError(f"{path}: packets without timestamps")
                packets.append((packet.pts, packet.is_keyframe))
    # In decode order, a frame shown before one decoded earlier was held back: a B-frame.
    reordered = any(later < earlier for (earlier, _), (later, _) in pairwise(packets))
    packets.sort()
    first = packets[0][0] * tb
    got = tuple(pts * tb - first for pts, _ in packets)
    if got != times:
        raise RuntimeError(
            f"{path}: frame times read back differ from those written "
            f"(first differences: {[(a, b) for a, b in zip(got, times, strict=False) if a != b][:3]})"
        )
    if declared != sample_aspect:
        raise RuntimeError(f"{path}: sample aspect {declared} read back, {sample_aspect} written")
    keyframes = tuple(i for i, (_, key) in enumerate(packets) if key)
    if verify:
        skipped = {i for effect in effects for i in effect.frames}
        _verify_frames(path, [pts for pts, _ in packets], orientation, style, skipped)
    if not keyframes or keyframes[0] != 0:
        raise RuntimeError(f"{path}: the first frame is not a keyframe")
    return FixtureInfo(
        path=path,
        codec=codec,
        container=container_format,
        pix_fmt=pix_fmt,
        times=times,
        end=end,
        keyframes=keyframes,
        stored_size=size,
        orientation=orientation,
        start=first,
        time_base=tb,
        has_audio=has_audio,
        style=style,
        sample_aspect=sample_aspect,
        video_bytes=video_bytes,
        reordered=reordered,
        effects=effects,
    )


def _verify_frames(
    path: Path,
    pts_list: list[int],
    orientation: Orientation,
    style: Style = "pattern",
    skipped: set[int] | frozenset[int] = frozenset(),
) -> None:
    """Decode the file and check every frame shows its index the right way up, but for the
    ``skipped`` ones (under an effect, they hold no readable pattern)."""
    import av  # noqa: PLC0415

    decoded: list[tuple[int, Image.Image]] = []
    matrix: tuple[int, ...] | None = None
    with av.open(str(path)) as container:
        frame: Any
        for frame in container.decode(video=0):
            if not decoded:
                try:
                    raw = bytes(frame.side_data["DISPLAYMATRIX"])
                    matrix = struct.unpack("<9i", raw[:36])
                except KeyError:
                    matrix = None
            decoded.append((frame.pts, frame.to_image()))
    wanted = None if orientation == Orientation() else orientation.display_matrix()
    if matrix is not None and matrix[:2] + matrix[3:5] == (1 << 16, 0, 0, 1 << 16):
        matrix = None  # an identity matrix is as good as none
    if (matrix and matrix[:2] + matrix[3:5]) != (wanted and wanted[:2] + wanted[3:5]):
        raise RuntimeError(f"{path}: display matrix {matrix} read back, {wanted} written")
    if [pts for pts, _ in decoded] != pts_list:
        raise RuntimeError(f"{path}: decoded frames are not the frames written")
    for index, (_, picture) in enumerate(decoded):
        if index in skipped:
            continue
        try:
            shown = read_frame_index(picture, style=style)
        except PatternError as exc:
            raise RuntimeError(f"{path}: frame {index} is unreadable: {exc}") from exc
        if shown != index:
            raise RuntimeError(f"{path}: frame {index} shows {shown}")
        if read_orientation(picture, style=style) != Orientation():
            raise RuntimeError(f"{path}: frame {index} has its markers misplaced")
