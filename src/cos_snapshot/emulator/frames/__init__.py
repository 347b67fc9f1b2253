"""The emulator's frame engine: the exact frame of a video file at a time point, as JPEG or PNG.

Semantics (the table in docs/emulator.md, "Semantics", says the same for users):

- ``time`` counts from the first decodable frame of the video stream (MPEG-TS files start at a
  non-zero timestamp; frames before the first keyframe cannot be decoded and do not count).
  All arithmetic is exact: ``Decimal`` time against ``Fraction`` time bases.
- ``exactframe``: the last frame whose presentation time is <= ``time`` (engine option
  ``exactframe="next"``: the first frame at or after ``time``, as ``ffmpeg -ss`` does).
- ``keyframe``: the last keyframe whose presentation time is <= ``time``.
- Past the end (``time`` >= end of the last frame, i.e. its timestamp plus its duration):
  the last frame / the last keyframe, or :class:`PastEndError` with ``past_end="error"``.
  With ``exactframe="next"`` a time inside the last frame's interval gives the last frame.
- ``rotate=auto`` applies the full display matrix (rotations and mirrorings; other angles are
  snapped to the nearest of these eight) before scaling; ``width``/``height`` refer to the
  displayed picture. ``rotate=off`` ignores it. Sample aspect ratio is not applied.
- One of width/height 0: the other is ``round_half_up(given * displayed aspect)``, at least 1
  (engine option ``one_side_zero``: ``floor``, ``ceil`` or ``even``, round half to even);
  both 0: the displayed size; both set: exactly that size, stretched (engine option
  ``both_sides``: ``fit``, the picture scaled to fit inside width x height, or ``fill``, scaled
  to cover it, keeping the aspect). A computed side larger than 16384 pixels is refused
  (``InvalidArgument``).

How it is fast: open containers are kept in a bounded LRU cache keyed by file identity (path,
size, mtime, inode) so a replaced file is reopened; each holds a demux-only index of the
video packets built once (timestamps, keyframe flags, decode order), so *which* frame to
return is a lookup; decoding then seeks to the keyframe that starts the target's GOP, decodes
only what the target depends on (non-reference frames are skipped for H.264, HEVC and VP9),
stops right after the target's packet and drains. Encoded results are kept in a bounded LRU.

Errors: :class:`NotAVideoError` (400 ``InvalidArgument``) for anything that is not a decodable
video (empty, truncated, audio-only, text, undecodable frames); :class:`PastEndError`
(400 ``InvalidArgument``, names ``time``); :class:`FrameError` (400 ``InvalidArgument``) for an
output size that is too large. A missing file raises :class:`FileNotFoundError` (the HTTP layer
answers 404 ``NoSuchKey`` before calling the engine).
"""

from __future__ import annotations

import bisect
import contextlib
import ctypes
import io
import logging
import math
import os
import platform
import stat
import struct
import threading
from collections import OrderedDict
from collections.abc import Generator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from time import monotonic
from typing import Any, Literal

import av
import av.video.reformatter
import PIL.Image

from ..._shared.snapshot_params import (
    CHOICES,
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    MAX_DIMENSION,
    MIN_DIMENSION,
    Format,
    Mode,
    Rotate,
)
from ..mediainfo import MediaInfo, probe_media

__all__ = [
    "BothSides",
    "FrameError",
    "Image",
    "NotAVideoError",
    "OneSideZero",
    "PastEndError",
    "SnapshotEngine",
    "SnapshotParams",
]

log = logging.getLogger(__name__)

#: Largest width or height the aspect rule may compute from the other.
MAX_COMPUTED_SIDE = 16384
#: Codecs whose decoders honour ``skip_frame`` packet by packet (libdav1d reads it only once
#: when opened, so AV1 is decoded in full).
_SKIP_NONREF_CODECS = frozenset({"h264", "hevc", "vp9"})
_JPEG_QUALITY = 90
_PNG_LEVEL = 1


# --------------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True, slots=True)
class SnapshotParams:
    """A snapshot request, already parsed. Invalid values raise :class:`ValueError`.

    The emulator's own type (it may not import the client's ``SnapshotArgs``), with the same
    allowed values, defaults and limits (``cos_snapshot._shared.snapshot_params``); ``time``
    is an exact ``Decimal``."""

    time: Decimal
    width: int = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT
    format: Format = DEFAULT_FORMAT
    rotate: Rotate = DEFAULT_ROTATE
    mode: Mode = DEFAULT_MODE

    def __post_init__(self) -> None:
        if not isinstance(self.time, Decimal) or not self.time.is_finite() or self.time < 0:
            raise ValueError(f"time must be a finite Decimal >= 0, not {self.time!r}")
        for name in ("width", "height"):
            value = getattr(self, name)
            if type(value) is not int or not MIN_DIMENSION <= value <= MAX_DIMENSION:
                raise ValueError(
                    f"{name} must be an integer in {MIN_DIMENSION}..{MAX_DIMENSION}, not {value!r}"
                )
        for name, choices in CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                allowed = " or ".join(repr(choice) for choice in choices)
                raise ValueError(f"{name} must be {allowed}, not {value!r}")


class FrameError(Exception):
    """A snapshot could not be made. ``code`` is the COS error code, ``status`` the HTTP status."""

    code: str = "InvalidArgument"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


def _reason(exc: BaseException, path: object) -> str:
    """What went wrong reading ``path``, for an answer to a client: FFmpeg's and the OS's own
    words, without the file's path on the server (it is not the client's business where the
    emulator keeps its objects)."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).replace(repr(str(path)), "the object").replace(str(path), "the object")


class NotAVideoError(FrameError):
    """The object is not a decodable video (also: empty, truncated, audio-only).

    Answered as 400 ``InvalidArgument``: the request names an object the operation cannot
    apply to, and COS reports bad input that way.
    """


class PastEndError(FrameError):
    """``time`` is at or after the end of the video and the engine runs with past_end="error"."""


class _FileReplaced(Exception):
    """The file at a video's path is no longer the one its key describes (replaced by an
    upload between the ``stat`` that made the key and the ``av.open``)."""


#: Attempts at a snapshot of a file that keeps being replaced while it is opened.
_REPLACED_ATTEMPTS = 5


@dataclass(frozen=True)
class Image:
    """An encoded snapshot. ``frame_pts`` is the frame's time in seconds from the first frame."""

    data: bytes
    content_type: str
    width: int
    height: int
    frame_pts: Fraction
    keyframe: bool


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
    return dw, dh


# --------------------------------------------------------------------------------------------
# Index of an open video


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


# --------------------------------------------------------------------------------------------
# Open files


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


@dataclass(eq=False)
class _OpenVideo:
    key: _FileKey
    threads: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    container: Any = None
    stream: Any = None
    index: _Index | None = None
    error: NotAVideoError | None = None
    skip_nonref: bool = False
    seek_by_dts: bool = False
    closed: bool = False
    #: What its decoder is estimated to hold between requests (see ``decoder_memory_bytes``).
    decoder_bytes: int = 0
    #: Frames (by pts) that requests waiting for ``lock`` will ask for, with how many wait,
    #: and those of them a decode pass has already produced. Guarded by the engine's lock.
    wanted: dict[int, int] = field(default_factory=dict)
    ready: dict[int, Any] = field(default_factory=dict)

    def ensure_open(self) -> _Index:
        if self.error is not None:
            raise NotAVideoError(self.error.message)  # a fresh one: threads may share this
        if self.index is not None and self.container is not None:
            return self.index
        try:
            self._open()
            return self._index()
        except NotAVideoError as exc:
            self.error = exc
            self._close_container()
            raise
        except _FileReplaced:
            self._close_container()
            raise
        except (av.FFmpegError, OSError, UnicodeDecodeError, ValueError, LookupError) as exc:
            if isinstance(exc, FileNotFoundError | PermissionError):
                self._close_container()
                raise
            self.error = NotAVideoError(
                f"the object is not a decodable video ({_reason(exc, self.key.path)})"
            )
            self._close_container()
            raise self.error from exc

    def _open(self) -> None:
        self._close_container()
        container = av.open(self.key.path, "r")
        self.container = container
        # The key was made by a stat before this open: if the path names another file now,
        # this container may hold the other file's content. Uploads always make a new file
        # (a new inode), so a key that still matches means the content is the key's.
        if _key_of(self.key.path, os.stat(self.key.path)) != self.key:
            raise _FileReplaced(self.key.path)
        stream = next(
            (
                s
                for s in container.streams.video
                if not (s.disposition & av.stream.Disposition.attached_pic)
                and s.codec_context is not None
            ),
            None,
        )
        if stream is None:
            raise NotAVideoError("the object has no video stream")
        cc = stream.codec_context
        cc.thread_type = "FRAME"
        cc.thread_count = self.threads
        self.stream = stream
        if self.index is None:
            self.index = _Index.build(container, stream)
            self.skip_nonref = cc.name in _SKIP_NONREF_CODECS

    def reopen(self) -> None:
        """Start again from the beginning of the file (a fresh demuxer and decoder)."""
        self._open()

    def _index(self) -> _Index:
        if self.index is None:  # pragma: no cover - callers open first
            raise RuntimeError("the video is not open")
        return self.index

    def release_decoder(self) -> None:
        """Close the file and with it the decoder and its frame buffers; the packet index is
        kept, so using the video again costs only an ``av.open``."""
        self._close_container()
        self.decoder_bytes = 0

    def _close_container(self) -> None:
        if self.container is not None:
            with contextlib.suppress(av.FFmpegError):
                self.container.close()
        self.container = None
        self.stream = None

    def close(self) -> None:
        self.closed = True
        self._close_container()
        self.ready.clear()

    # -- decoding ---------------------------------------------------------------------------

    def _packets_from(self, start: int) -> Generator[tuple[int, Any], None, None]:
        """Packets (with their decode-order position) from a seek that lands at or before
        decode position ``start``; seeks again earlier, and finally rereads from the start,
        if a seek lands after it."""
        index = self._index()
        pts, dts, _ = index.order[start]
        targets = [pts]
        if dts is not None and dts < pts:
            # MPEG-TS seeks by decode time: a seek to the presentation time lands a GOP late.
            targets.insert(len(targets) if not self.seek_by_dts else 0, dts)
        earlier = [p for p, _, k in index.order[:start] if k][-2:]
        targets += reversed(earlier)
        for target in targets:
            self.container.seek(target, stream=self.stream, backward=True, any_frame=False)
            self.stream.codec_context.flush_buffers()
            packets = self._demux()
            for where, packet in packets:
                if where <= start:
                    if target == dts != pts:
                        self.seek_by_dts = True
                    yield where, packet
                    yield from packets
                    return
                break  # landed after the start: seek earlier
            log.debug("seek to %s landed after position %s; seeking earlier", target, start)
        self.reopen()
        yield from self._demux()

    def _demux(self) -> Generator[tuple[int, Any], None, None]:
        index = self._index()
        for packet in self.container.demux(self.stream):
            if not packet.size:
                continue
            where = index.pos.get(packet.pts) if packet.pts is not None else None
            if where is not None:
                yield where, packet

    def start_of(self, target_pts: int) -> int:
        """The decode position a decode of ``target_pts`` starts at: the latest keyframe that
        is decoded before it and not shown after it (a keyframe's leading pictures cannot be
        decoded from that keyframe)."""
        index = self._index()
        for i in range(index.pos[target_pts], -1, -1):
            pts, _, key = index.order[i]
            if key and pts <= target_pts:
                return i
        return 0

    def decode(
        self,
        target_pts: int,
        *,
        skip_nonref: bool,
        from_start: bool,
        also: frozenset[int] = frozenset(),
    ) -> tuple[Any | None, dict[int, Any]]:
        """Decode the frame with ``target_pts`` (``None`` if it did not come out), and, in
        the same pass, those frames of ``also`` that are decoded from the same keyframe:
        ``(frame, {pts: frame})``."""
        index = self._index()
        target = index.pos[target_pts]
        start = 0 if from_start else self.start_of(target_pts)
        extra = {
            index.pos[pts]: pts
            for pts in also
            if pts != target_pts and not from_start and self.start_of(pts) == start
        }
        last = max([target, *extra])
        keep = {target_pts, *extra.values()}
        cc = self.stream.codec_context
        frames: dict[int, Any] = {}
        packets = self._packets_from(start)
        try:
            for where, packet in packets:
                if where < start:
                    continue
                if where > last:  # pragma: no cover - the last target's packet was missing
                    break
                if skip_nonref:
                    cc.skip_frame = "DEFAULT" if where == target or where in extra else "NONREF"
                for frame in cc.decode(packet):
                    if frame.pts in keep:
                        frames[frame.pts] = frame
                if where == last:
                    break
            for frame in cc.decode(None):
                if frame.pts in keep:
                    frames[frame.pts] = frame
        finally:
            packets.close()
            if skip_nonref:
                cc.skip_frame = "DEFAULT"
            cc.flush_buffers()
        return frames.pop(target_pts, None), frames


# --------------------------------------------------------------------------------------------
# The engine


@dataclass(frozen=True, slots=True)
class _Choice:
    pts: int
    rel: int
    keyframe: bool


def _resolved_key(key: _FileKey, choice: _Choice, params: SnapshotParams) -> tuple[Any, ...]:
    """The result cache's key of an image: the file, the frame and what is made of it."""
    return (key, choice.pts, params.width, params.height, params.format, params.rotate)


class SnapshotEngine:
    """Real frame extraction for the emulator. Thread-safe; :meth:`snapshot` blocks.

    ``exactframe``: "previous" (the frame on screen at the time) or "next" (the first frame at
    or after it). ``past_end``: "last" (last frame / keyframe) or "error" (:class:`PastEndError`).
    ``max_open_containers`` files keep their packet index and ``result_cache_bytes`` of
    encoded images are kept. A decoder holds a dozen frames of buffers between requests
    (~15 MB at 720p, ~130 MB at 4K); the least recently used files beyond
    ``decoder_memory_bytes`` of them (estimated) have their container and decoder closed, and
    reopen in an ``av.open``. ``decode_threads`` is the decoder's frame-thread count.

    ``max_decodes`` bounds the decode passes that run at once (``None``: as many as threads
    call :meth:`snapshot`). A caller that lets more threads in than that (requests waiting
    for a worker) lets them wait here, where they say which frame they want: one pass over a
    GOP then decodes the frames of every request waiting for that GOP.
    """

    def __init__(
        self,
        *,
        exactframe: Literal["previous", "next"] = "previous",
        past_end: Literal["last", "error"] = "last",
        one_side_zero: OneSideZero = "round-half-up",
        both_sides: BothSides = "stretch",
        max_open_containers: int = 16,
        result_cache_bytes: int = 64 * 2**20,
        decoder_memory_bytes: int = 64 * 2**20,
        decode_threads: int = 2,
        max_decodes: int | None = None,
    ) -> None:
        if exactframe not in ("previous", "next"):
            raise ValueError("exactframe must be 'previous' or 'next'")
        if past_end not in ("last", "error"):
            raise ValueError("past_end must be 'last' or 'error'")
        if one_side_zero not in ("round-half-up", "floor", "ceil", "even"):
            raise ValueError("one_side_zero must be 'round-half-up', 'floor', 'ceil' or 'even'")
        if both_sides not in ("stretch", "fit", "fill"):
            raise ValueError("both_sides must be 'stretch', 'fit' or 'fill'")
        if (
            max_open_containers < 1
            or result_cache_bytes < 0
            or decoder_memory_bytes < 0
            or decode_threads < 1
            or (max_decodes is not None and max_decodes < 1)
        ):
            raise ValueError(
                "max_open_containers, decode_threads and max_decodes must be >= 1, "
                "byte budgets >= 0"
            )
        _limit_heap_fragmentation()
        self.exactframe = exactframe
        self.past_end = past_end
        self.one_side_zero: OneSideZero = one_side_zero
        self.both_sides: BothSides = both_sides
        self._max_open = max_open_containers
        self._result_budget = result_cache_bytes
        self._decoder_budget = decoder_memory_bytes
        self._threads = decode_threads
        self._decode_slots: contextlib.AbstractContextManager[Any] = (
            threading.BoundedSemaphore(max_decodes)
            if max_decodes is not None
            else contextlib.nullcontext()
        )
        self._lock = threading.Lock()
        self._open: OrderedDict[_FileKey, _OpenVideo] = OrderedDict()
        #: Videos whose decoder is open, least recently used first.
        self._decoding: OrderedDict[_FileKey, _OpenVideo] = OrderedDict()
        self._results: OrderedDict[tuple[Any, ...], Image] = OrderedDict()
        self._aliases: OrderedDict[tuple[Any, ...], tuple[Any, ...]] = OrderedDict()
        self._result_bytes = 0
        #: GetMediaInfo answers by file identity, least recently used first.
        self._media: OrderedDict[_FileKey, MediaInfo] = OrderedDict()
        self._max_media = 4 * max_open_containers
        self._closed = False

    # -- public -----------------------------------------------------------------------------

    def snapshot(self, path: Path, params: SnapshotParams) -> Image:
        """The snapshot of the video at ``path`` (see the module docstring for semantics)."""
        for _ in range(_REPLACED_ATTEMPTS):
            st = os.stat(path)
            try:
                return self._snapshot_of(_key_of(os.fspath(path), st), st, params)
            except _FileReplaced:
                continue  # stat again: the next key describes the new file
        raise FrameError(
            "the object kept being replaced while it was read; retry later",
            code="SlowDown",
            status=503,
        )

    def media_info(self, path: Path) -> MediaInfo:
        """What the video at ``path`` holds (GetMediaInfo), from its container and packet
        index, without decoding a frame. One probe per file: concurrent callers for a file
        wait for the first one's answer, which is kept (bounded, by file identity, so a
        replaced file is probed anew)."""
        for _ in range(_REPLACED_ATTEMPTS):
            st = os.stat(path)
            key = _key_of(os.fspath(path), st)
            known = self._known_media(key)
            if known is not None:
                return known
            if not stat.S_ISREG(st.st_mode):
                raise NotAVideoError("the object is not a regular file, not a video")
            if st.st_size == 0:
                raise NotAVideoError("the object is empty, not a video")
            video = self._video(key)
            try:
                with video.lock:
                    if video.closed:
                        continue
                    known = self._known_media(key)  # probed while we waited for the lock
                    if known is None:
                        index = video.ensure_open()
                        known = probe_media(
                            video.container, video.stream, index, key.path, key.size
                        )
                        self._keep_media(key, known)
            except _FileReplaced:
                continue
            return known
        raise FrameError(
            "the object kept being replaced while it was read; retry later",
            code="SlowDown",
            status=503,
        )

    def _known_media(self, key: _FileKey) -> MediaInfo | None:
        with self._lock:
            info = self._media.get(key)
            if info is not None:
                self._media.move_to_end(key)
            return info

    def _keep_media(self, key: _FileKey, info: MediaInfo) -> None:
        with self._lock:
            for other in [k for k in self._media if k.path == key.path]:
                del self._media[other]  # the file was replaced
            self._media[key] = info
            while len(self._media) > self._max_media:
                self._media.popitem(last=False)

    def known_snapshot(self, path: Path, params: SnapshotParams) -> Image | None:
        """The answer to :meth:`snapshot` if it is known without a decode pass, else ``None``.

        Never waits for a decode or for a file's lock: an image already in the result cache
        (for these parameters, or for the frame they select once the file's packet index is
        built), or the error a file is known to give (not a video, ``time`` past the end with
        ``past_end="error"``). Raises :class:`FileNotFoundError` if ``path`` is gone.
        """
        st = os.stat(path)
        return self._known(_key_of(os.fspath(path), st), st, params)

    def _known(self, key: _FileKey, st: os.stat_result, params: SnapshotParams) -> Image | None:
        cached = self._cached((key, params))
        if cached is not None:
            return cached
        if not stat.S_ISREG(st.st_mode):
            raise NotAVideoError("the object is not a regular file, not a video")
        if st.st_size == 0:
            raise NotAVideoError("the object is empty, not a video")
        with self._lock:
            video = self._open.get(key)
        # A video's index and error are each set at most once and never cleared: they are
        # read without its lock, which a decode pass may hold for a while.
        if video is None or video.closed:
            return None
        if video.error is not None:
            raise NotAVideoError(video.error.message)
        index = video.index
        if index is None:
            return None
        choice = self._choose(index, params)
        resolved_key = _resolved_key(key, choice, params)
        cached = self._cached(resolved_key)
        if cached is not None:
            self._remember((key, params), resolved_key, cached)
        return cached

    def _snapshot_of(self, key: _FileKey, st: os.stat_result, params: SnapshotParams) -> Image:
        request_key = (key, params)
        known = self._known(key, st, params)
        if known is not None:
            return known
        while True:
            video = self._video(key)
            waiting = self._announce(video, params)
            try:
                with video.lock:
                    if video.closed:
                        continue  # evicted while we waited: take a fresh one
                    found = self._frame_locked(video, params, request_key)
            finally:
                if waiting is not None:
                    self._withdraw(video, waiting)
            break
        self._release_idle_decoders(video)
        if isinstance(found, Image):
            return found
        # Scaling and encoding need no lock: the decoded frame holds its own buffers.
        frame, choice, resolved_key, time_base = found
        try:
            sizing = (self.one_side_zero, self.both_sides)
            image = _encode(
                frame, params, Fraction(choice.rel) * time_base, choice.keyframe, sizing
            )
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise NotAVideoError(f"the decoded frame could not be converted ({exc})") from exc
        self._remember(request_key, resolved_key, image)
        return image

    def close(self) -> None:
        """Close every open file and drop the caches. The engine stays usable."""
        with self._lock:
            videos = list(self._open.values())
            self._open.clear()
            self._decoding.clear()
            self._results.clear()
            self._aliases.clear()
            self._media.clear()
            self._result_bytes = 0
        for video in videos:
            with video.lock:
                video.close()

    def __enter__(self) -> SnapshotEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------------

    def _frame_locked(
        self, video: _OpenVideo, params: SnapshotParams, request_key: tuple[Any, ...]
    ) -> Image | tuple[Any, _Choice, tuple[Any, ...], Fraction]:
        """The cached image for the frame ``params`` select, or that frame decoded."""
        index = video.ensure_open()
        choice = self._choose(index, params)
        resolved_key = _resolved_key(video.key, choice, params)
        cached = self._cached(resolved_key)
        if cached is not None:
            self._remember(request_key, resolved_key, cached)
            return cached
        with self._lock:
            frame = video.ready.pop(choice.pts, None)  # decoded by an earlier request's pass
        if frame is None:
            frame = self._decode(video, choice, params.time)
        frame_bytes = sum(plane.buffer_size for plane in frame.planes)
        video.decoder_bytes = frame_bytes * (3 + 4 * video.threads)  # measured: 11 frames at 2
        return frame, choice, resolved_key, index.time_base

    def _choose(self, index: _Index, params: SnapshotParams) -> _Choice:
        ticks = _time_ticks(params.time, index.time_base)
        past_end = ticks is None or ticks[0] >= index.end_rel
        if past_end and self.past_end == "error":
            end = Fraction(index.end_rel) * index.time_base
            raise PastEndError(
                f"time={params.time} is past the end of the video "
                f"(its last frame ends at {_decimal_str(end)} s)"
            )
        if params.mode == "keyframe":
            i = (
                len(index.key_rel) - 1
                if ticks is None
                else (bisect.bisect_right(index.key_rel, ticks[0]) - 1)
            )
            rel = index.key_rel[max(i, 0)]
        elif ticks is None:
            rel = index.rel[-1]
        elif self.exactframe == "previous":
            rel = index.rel[bisect.bisect_right(index.rel, ticks[0]) - 1]
        else:
            i = bisect.bisect_left(index.rel, ticks[1])
            rel = index.rel[min(i, len(index.rel) - 1)]
        pts = rel + index.first_pts
        return _Choice(pts, rel, index.order[index.pos[pts]][2])

    def _announce(self, video: _OpenVideo, params: SnapshotParams) -> int | None:
        """Register the frame ``params`` select as wanted, so that whoever decodes this
        video's GOP before us decodes it in the same pass. Needs the video's index, which the
        first request builds; returns the frame's pts, or ``None`` if nothing was registered."""
        index = video.index
        if index is None or video.error is not None:
            return None
        try:
            pts = self._choose(index, params).pts
        except FrameError:
            return None
        with self._lock:
            video.wanted[pts] = video.wanted.get(pts, 0) + 1
        return pts

    def _withdraw(self, video: _OpenVideo, pts: int) -> None:
        with self._lock:
            left = video.wanted.get(pts, 0) - 1
            if left > 0:
                video.wanted[pts] = left
            else:
                video.wanted.pop(pts, None)
                video.ready.pop(pts, None)

    def _decode(self, video: _OpenVideo, choice: _Choice, time: Decimal) -> Any:
        with self._decode_slots:
            return self._decode_now(video, choice, time)

    def _decode_now(self, video: _OpenVideo, choice: _Choice, time: Decimal) -> Any:
        with self._lock:
            also = frozenset(p for p in video.wanted if p not in video.ready)
        try:
            if video.skip_nonref:
                frame, others = video.decode(
                    choice.pts, skip_nonref=True, from_start=False, also=also
                )
                if frame is not None:
                    self._keep_for_waiting(video, others)
                    return frame
                log.info("%s: skipping non-reference frames lost a frame; disabled", video.key.path)
                video.skip_nonref = False
            frame, others = video.decode(choice.pts, skip_nonref=False, from_start=False, also=also)
            self._keep_for_waiting(video, others)
            if frame is None:
                frame, _ = video.decode(choice.pts, skip_nonref=False, from_start=True)
        except (av.FFmpegError, ValueError) as exc:
            video._close_container()  # reopened by the next request
            raise NotAVideoError(f"the video could not be decoded at time={time} ({exc})") from exc
        if frame is None:
            raise NotAVideoError(f"the frame at time={time} could not be decoded")
        return frame

    def _video(self, key: _FileKey) -> _OpenVideo:
        evicted: list[_OpenVideo] = []
        with self._lock:
            video = self._open.get(key)
            if video is not None:
                self._open.move_to_end(key)
                return video
            for other_key in [k for k in self._open if k.path == key.path]:
                evicted.append(self._open.pop(other_key))  # the file was replaced
            video = _OpenVideo(key, self._threads)
            self._open[key] = video
            while len(self._open) > self._max_open:
                evicted.append(self._open.popitem(last=False)[1])
            for old in evicted:
                self._decoding.pop(old.key, None)
        for old in evicted:
            with old.lock:
                old.close()
        return video

    def _keep_for_waiting(self, video: _OpenVideo, frames: dict[int, Any]) -> None:
        """Hold frames a pass decoded for requests still waiting for them (each is used once)."""
        with self._lock:
            for pts, frame in frames.items():
                if pts in video.wanted:
                    video.ready[pts] = frame

    def _release_idle_decoders(self, used: _OpenVideo) -> None:
        """Mark ``used`` as the most recent decoder; close the least recently used others
        while the estimated decoder memory is over budget. A video busy in another thread is
        skipped (that thread puts it back when it is done)."""
        idle: list[_OpenVideo] = []
        with self._lock:
            if used.container is not None and not used.closed:
                self._decoding[used.key] = used
                self._decoding.move_to_end(used.key)
            total = sum(v.decoder_bytes for v in self._decoding.values())
            for key, video in list(self._decoding.items()):
                if total <= self._decoder_budget:
                    break
                if video is not used:
                    del self._decoding[key]
                    total -= video.decoder_bytes
                    idle.append(video)
        released = False
        for video in idle:
            if video.lock.acquire(blocking=False):
                try:
                    video.release_decoder()
                    released = True
                finally:
                    video.lock.release()
        if released:
            _return_free_memory()

    def _cached(self, key: tuple[Any, ...]) -> Image | None:
        with self._lock:
            resolved = self._aliases.get(key, key)
            image = self._results.get(resolved)
            if image is not None:
                self._results.move_to_end(resolved)
            return image

    def _remember(
        self, request_key: tuple[Any, ...], resolved_key: tuple[Any, ...], image: Image
    ) -> None:
        size = len(image.data)
        if size > self._result_budget:
            return
        with self._lock:
            if resolved_key not in self._results:
                self._results[resolved_key] = image
                self._result_bytes += size
                while self._result_bytes > self._result_budget:
                    _, old = self._results.popitem(last=False)
                    self._result_bytes -= len(old.data)
            self._aliases[request_key] = resolved_key
            self._aliases.move_to_end(request_key)
            while len(self._aliases) > 8192:
                self._aliases.popitem(last=False)


_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
_heap_tuned = False
_libc: Any = None
#: ``malloc_trim`` at most this often: it costs a few ms, mostly in page faults afterwards.
_TRIM_INTERVAL_S = 1.0
_last_trim = 0.0


def _limit_heap_fragmentation() -> None:
    """Keep the process's memory bounded under a churn of decoders (glibc only; once).

    Decoder buffers (1.4 MB frames at 720p, and many smaller tables) are allocated and freed
    as files open and close. After the first large free, glibc raises its mmap threshold and
    serves later ones from the heap, where freed memory stays resident; and it gives threads
    up to 8 arenas per core, each keeping its own free memory. Here: allocations from 64 KiB
    up are mapped (and unmapped when freed), 2 arenas, and :func:`_return_free_memory` after
    closing decoders. Measured on `cos-snapshot serve`, 2,000 requests over 30 videos (see
    benchmarks/): peak RSS 419 MB growing 23% from the first to the second thousand requests
    without this, ~250 MB growing under 3% with it; encoding a frame costs the same.
    """
    global _heap_tuned  # noqa: PLW0603 - a process-wide setting, made once
    if _heap_tuned:
        return
    _heap_tuned = True
    if platform.libc_ver()[0] != "glibc":
        return
    global _libc  # noqa: PLW0603
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(_M_MMAP_THRESHOLD, 64 * 1024)
        libc.mallopt(_M_ARENA_MAX, 2)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        _libc = libc
    except (OSError, AttributeError):  # pragma: no cover - not glibc after all
        log.debug("mallopt is not available")


def _return_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc), at most once a second."""
    global _last_trim  # noqa: PLW0603
    now = monotonic()
    if _libc is None or now - _last_trim < _TRIM_INTERVAL_S:
        return
    _last_trim = now
    _libc.malloc_trim(0)


def _decimal_str(value: Fraction) -> str:
    text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _ScalerPool:
    """Reusable scalers (``SwsContext``). Setting one up costs ~2 ms, more than converting a
    720p frame, and ``VideoFrame.reformat`` builds a new one for every frame. A scaler is
    borrowed for one conversion, so no two threads share one; at most ``keep`` idle ones are
    kept, the least recently returned dropped first."""

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: OrderedDict[int, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._serial = 0

    def take(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            for serial, (idle_key, scaler) in reversed(self._idle.items()):
                if idle_key == key:
                    del self._idle[serial]
                    return scaler
        return av.video.reformatter.VideoReformatter()

    def give(self, key: tuple[Any, ...], scaler: Any) -> None:
        with self._lock:
            self._serial += 1
            self._idle[self._serial] = (key, scaler)
            while len(self._idle) > self._keep:
                self._idle.popitem(last=False)


_scalers = _ScalerPool()


def _to_rgb(frame: Any, width: int, height: int, pix_fmt: str) -> Any:
    key = (frame.width, frame.height, frame.format.name, frame.color_range, width, height, pix_fmt)
    scaler = _scalers.take(key)
    try:
        return scaler.reformat(
            frame,
            width=width,
            height=height,
            format=pix_fmt,
            interpolation="BICUBIC",
            src_color_range=frame.color_range or None,
        )
    finally:
        _scalers.give(key, scaler)


def _encode(
    frame: Any,
    params: SnapshotParams,
    frame_time: Fraction,
    keyframe: bool,
    sizing: tuple[OneSideZero, BothSides] = ("round-half-up", "stretch"),
) -> Image:
    transpose, swaps = _display_transform(frame) if params.rotate == "auto" else (None, False)
    stored = (frame.width, frame.height)
    display = (stored[1], stored[0]) if swaps else stored
    out_w, out_h = _output_size(display, params.width, params.height, *sizing)
    scale_w, scale_h = (out_h, out_w) if swaps else (out_w, out_h)
    # Pillow maps a 4-bytes-per-pixel buffer as it is; 3-byte RGB would be copied and
    # unpacked first. PNG cannot store RGBX, JPEG ignores the X.
    mode = "RGB" if params.format == "png" else "RGBX"
    rgb = _to_rgb(frame, scale_w, scale_h, "rgb24" if mode == "RGB" else "rgb0")
    plane = rgb.planes[0]
    picture = PIL.Image.frombuffer(mode, (scale_w, scale_h), plane, "raw", mode, plane.line_size, 1)
    if transpose is not None:
        picture = picture.transpose(transpose)
    buffer = io.BytesIO()
    if params.format == "png":
        picture.save(buffer, "PNG", compress_level=_PNG_LEVEL)
        content_type = "image/png"
    else:
        picture.save(buffer, "JPEG", quality=_JPEG_QUALITY)
        content_type = "image/jpeg"
    return Image(buffer.getvalue(), content_type, out_w, out_h, frame_time, keyframe)
