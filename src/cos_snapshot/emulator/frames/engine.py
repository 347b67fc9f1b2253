"""The frame engine: which frame a request selects, one decode pass per GOP for the requests
waiting on it, and the bounded caches that make a repeated request a lookup."""

from __future__ import annotations

import bisect
import contextlib
import functools
import logging
import os
import stat
import sys
import threading
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av

from ..mediainfo import MediaInfo, probe_media
from .encode import _encode
from .geometry import BothSides, OneSideZero, _decimal_str, _time_ticks
from .heap import _return_free_memory
from .index import _FileKey, _Index, _key_of
from .lru import Lru
from .passes import FramePass
from .types import (
    _REPLACED_ATTEMPTS,
    FrameError,
    Image,
    NotAVideoError,
    PastEndError,
    SnapshotParams,
    _FileReplaced,
)
from .video import _OpenVideo

__all__ = ["MAX_SOURCE_PIXELS", "SnapshotEngine"]

log = logging.getLogger(__name__)

#: Requests remembered as the image they resolved to (a request key is small).
_MAX_ALIASES = 8192
#: The most pixels a source picture may have for a snapshot: 8K UHD (7680 x 4320), the
#: largest size cameras and broadcast standards record. Decoding, converting and scaling a
#: frame costs about 14 bytes a pixel, so that is ~0.46 GB per decode pass (one per worker);
#: an 8192 x 8192 picture (a 198 KB file can hold one) would be 0.93 GB, a larger one more.
MAX_SOURCE_PIXELS = 7680 * 4320


def _index_weight(video: _OpenVideo) -> int:
    return 0 if video.index is None else video.index.estimated_bytes


@dataclass(frozen=True, slots=True)
class _Choice:
    pts: int
    rel: int
    keyframe: bool


def _resolved_key(key: _FileKey, choice: _Choice, params: SnapshotParams) -> tuple[Any, ...]:
    """The result cache's key of an image: the file, the frame and what is made of it."""
    return (key, choice.pts, params.width, params.height, params.format, params.rotate)


def _own_video(key: _FileKey, threads: int, index: _Index) -> _OpenVideo:
    """The video of ``key`` opened again, for one caller alone, with its known ``index``."""
    own = _OpenVideo(key, threads, index=index)
    try:
        own.ensure_open()
    except BaseException:
        own.close()
        raise
    return own


def _check_file(st: os.stat_result) -> None:
    """Refuse what cannot be a video without opening it."""
    if not stat.S_ISREG(st.st_mode):
        raise NotAVideoError("the object is not a regular file, not a video")
    if st.st_size == 0:
        raise NotAVideoError("the object is empty, not a video")


def _kept_being_replaced() -> FrameError:
    return FrameError(
        "the object kept being replaced while it was read; retry later",
        code="SlowDown",
        status=503,
    )


def _image_bytes(image: Image) -> int:
    return len(image.data)


class SnapshotEngine:
    """Real frame extraction for the emulator. Thread-safe; :meth:`snapshot` blocks.

    ``exactframe``: "previous" (the frame on screen at the time) or "next" (the first frame at
    or after it). ``past_end``: "last" (last frame / keyframe) or "error" (:class:`PastEndError`).
    At most ``max_open_containers`` files keep their packet index, within ``index_cache_bytes``
    of estimated index memory (a million-frame file's index is ~335 MB; the file in use keeps
    its own even when it alone is over the budget), and ``result_cache_bytes`` of encoded
    images are kept. A source picture of more than ``max_source_pixels`` is refused
    (``MAX_SOURCE_PIXELS``, 8K UHD). A decoder holds a dozen frames of buffers between requests
    (~15 MB at 720p, ~130 MB at 4K); the least recently used files beyond
    ``decoder_memory_bytes`` of them (estimated) have their container and decoder closed, and
    reopen in an ``av.open``. ``decode_threads`` is the decoder's frame-thread count.

    ``max_decodes`` bounds the decode passes that run at once (``None``: as many as threads
    call :meth:`snapshot`). A caller that lets more threads in than that (requests waiting
    for a worker) lets them wait here, where they say which frame they want: one pass over a
    GOP then decodes the frames of every request waiting for that GOP. Building a file's packet
    index (a demux pass over the whole file) takes a decode place too.
    """

    def __init__(
        self,
        *,
        exactframe: Literal["previous", "next"] = "previous",
        past_end: Literal["last", "error"] = "last",
        one_side_zero: OneSideZero = "round-half-up",
        both_sides: BothSides = "stretch",
        max_open_containers: int = 16,
        index_cache_bytes: int = 256 * 2**20,
        result_cache_bytes: int = 64 * 2**20,
        decoder_memory_bytes: int = 64 * 2**20,
        decode_threads: int = 2,
        max_decodes: int | None = None,
        max_source_pixels: int = MAX_SOURCE_PIXELS,
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
            or index_cache_bytes < 0
            or max_source_pixels < 1
            or decoder_memory_bytes < 0
            or decode_threads < 1
            or (max_decodes is not None and max_decodes < 1)
        ):
            raise ValueError(
                "max_open_containers, decode_threads, max_decodes and max_source_pixels must "
                "be >= 1, byte budgets >= 0"
            )
        self.exactframe = exactframe
        self.past_end = past_end
        self.one_side_zero: OneSideZero = one_side_zero
        self.both_sides: BothSides = both_sides
        self._result_budget = result_cache_bytes
        self._decoder_budget = decoder_memory_bytes
        self._threads = decode_threads
        self._max_open = max_open_containers
        self._index_budget = index_cache_bytes
        self._max_pixels = max_source_pixels
        self._decode_slots: contextlib.AbstractContextManager[Any] = (
            threading.BoundedSemaphore(max_decodes)
            if max_decodes is not None
            else contextlib.nullcontext()
        )
        self._lock = threading.Lock()
        #: Open videos by file, bounded by their indexes' estimated bytes (weighed again once
        #: an index is built, see :meth:`_settle_index`) and by ``max_open_containers``.
        self._open: Lru[_FileKey, _OpenVideo] = Lru(index_cache_bytes, _index_weight)
        #: Videos whose decoder is open, least recently used first. Unbounded here: its budget
        #: is the decoders' estimated memory, which changes as they are used, and the video in
        #: use is never the one closed (see :meth:`_release_idle_decoders`).
        self._decoding: Lru[_FileKey, _OpenVideo] = Lru(sys.maxsize)
        #: Encoded images by file, frame and output, within ``result_cache_bytes``.
        self._results: Lru[tuple[Any, ...], Image] = Lru(result_cache_bytes, _image_bytes)
        #: The image each recent request resolved to (by file and parameters).
        self._aliases: Lru[tuple[Any, ...], tuple[Any, ...]] = Lru(_MAX_ALIASES)
        #: GetMediaInfo answers by file identity.
        self._media: Lru[_FileKey, MediaInfo] = Lru(4 * max_open_containers)
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
        raise _kept_being_replaced()

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
            _check_file(st)
            video = self._video(key)
            try:
                with video.lock:
                    if video.closed:
                        continue
                    known = self._known_media(key)  # probed while we waited for the lock
                    if known is None:
                        index = self._ensure_open(video)
                        known = probe_media(
                            video.container, video.stream, index, key.path, key.size
                        )
                        self._keep_media(key, known)
            except _FileReplaced:
                continue
            finally:
                self._settle_index(video)
            return known
        raise _kept_being_replaced()

    def frame_pass(self, path: Path, *, passes: int = 1) -> FramePass:
        """The video at ``path`` opened for one forward pass over many frames (a snapshot
        job): its timeline from the packet index (built once and cached, as for snapshots),
        and containers and decoders of its own. Close it when done. Raises
        :class:`NotAVideoError` for what is not a decodable video.

        With ``passes`` above 1 the pass is shared between that many decoders of one thread
        each, which decode alternate stretches of the file at once (parallel GOPs rather than
        the one decoder's ``decode_threads`` frame threads, which each seek's short stretch
        keeps from filling): on two idle cores the bench job's decode took 0.60 s on two
        decoders against 1.01 s on one with two frame threads. On cores other processes keep
        busy it is slower (each decoder's Python steps wait for the GIL)."""
        if passes < 1:
            raise ValueError("passes must be >= 1")
        threads = self._threads if passes == 1 else 1
        for _ in range(_REPLACED_ATTEMPTS):
            st = os.stat(path)
            key = _key_of(os.fspath(path), st)
            _check_file(st)
            video = self._video(key)
            try:
                with video.lock:
                    if video.closed:
                        continue
                    index = self._ensure_open(video)
                    self._check_source_size(video)
                    skip_nonref = video.skip_nonref
                own = _own_video(key, threads, index)
            except _FileReplaced:
                continue
            finally:
                self._settle_index(video)
            return FramePass(
                own,
                index,
                self.exactframe,
                skip_nonref,
                passes=passes,
                more=functools.partial(_own_video, key, threads, index),
            )
        raise _kept_being_replaced()

    def known_media_info(self, path: Path) -> MediaInfo | None:
        """The answer to :meth:`media_info` if it is already known, else ``None``: a ``stat``
        and a lookup, never a wait. Raises :class:`FileNotFoundError` if ``path`` is gone."""
        return self._known_media(_key_of(os.fspath(path), os.stat(path)))

    def _known_media(self, key: _FileKey) -> MediaInfo | None:
        with self._lock:
            return self._media.get(key)

    def _keep_media(self, key: _FileKey, info: MediaInfo) -> None:
        with self._lock:
            self._media.pop_where(lambda k: k.path == key.path)  # the file was replaced
            self._media.put(key, info)

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
        _check_file(st)
        with self._lock:
            video = self._open.peek(key)
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
                self._settle_index(video)
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
            videos = self._open.values()
            for cache in (self._open, self._decoding, self._results, self._aliases, self._media):
                cache.clear()
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
        index = self._ensure_open(video)
        choice = self._choose(index, params)
        resolved_key = _resolved_key(video.key, choice, params)
        cached = self._cached(resolved_key)
        if cached is not None:
            self._remember(request_key, resolved_key, cached)
            return cached
        self._check_source_size(video)
        with self._lock:
            frame = video.ready.pop(choice.pts, None)  # decoded by an earlier request's pass
        if frame is None:
            frame = self._decode(video, choice, params.time)
        frame_bytes = sum(plane.buffer_size for plane in frame.planes)
        video.decoder_bytes = frame_bytes * (3 + 4 * video.threads)  # measured: 11 frames at 2
        return frame, choice, resolved_key, index.time_base

    def _ensure_open(self, video: _OpenVideo) -> _Index:
        """``video`` open, with its index. Building the index is a pass over the whole file
        (and a third of a gigabyte for a million frames), so it takes a decode place: no more
        indexes are built at once than decode passes run."""
        if video.index is None and video.error is None:
            with self._decode_slots:
                return video.ensure_open()
        return video.ensure_open()

    def _settle_index(self, video: _OpenVideo) -> None:
        """Count ``video``'s index (built by now, or not) against the index budget; close
        the least recently used other videos that no longer fit. Called without any video's
        lock held: closing one takes its lock."""
        with self._lock:
            if self._open.peek(video.key) is not video:
                return  # evicted meanwhile, or replaced
            evicted = self._open.reweigh(video.key)
            for old in evicted:
                self._decoding.pop(old.key)
        for old in evicted:
            with old.lock:
                old.close()
        if evicted:
            _return_free_memory()

    def _check_source_size(self, video: _OpenVideo) -> None:
        """Refuse to decode a picture of more than ``max_source_pixels``."""
        cc = video.stream.codec_context
        width, height = cc.width or 0, cc.height or 0
        if width * height > self._max_pixels:
            raise FrameError(
                f"the video's picture is {width} x {height} = {width * height:,} pixels; the "
                f"emulator decodes at most {self._max_pixels:,} (8K UHD is 7680 x 4320)"
            )

    def _choose(self, index: _Index, params: SnapshotParams) -> _Choice:
        ticks = _time_ticks(params.time, index.time_base)
        past_end = ticks is None or ticks[0] >= index.end_rel
        if past_end and self.past_end == "error":
            end = Fraction(index.end_rel) * index.time_base
            raise PastEndError(
                f"time={params.time} is past the end of the video "
                f"(its last frame ends at {_decimal_str(end)} s)"
            )
        return self._pick(index, ticks, keyframe=params.mode == "keyframe")

    def _pick(self, index: _Index, ticks: tuple[int, int] | None, *, keyframe: bool) -> _Choice:
        """The frame a time (``ticks``: its floor and ceiling in the time base, from the first
        frame; ``None`` for past any end) selects."""
        if keyframe:
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
        with self._lock:
            video = self._open.get(key)
            if video is not None:
                return video
            evicted = self._open.pop_where(lambda k: k.path == key.path)  # the file was replaced
            video = _OpenVideo(key, self._threads)
            evicted += self._open.put(key, video)
            while len(self._open) > self._max_open:  # the count bound, beside the bytes'
                oldest = self._open.pop(next(iter(self._open)))
                if oldest is not None:
                    evicted.append(oldest)
            for old in evicted:
                self._decoding.pop(old.key)
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
                self._decoding.put(used.key, used)
            total = sum(v.decoder_bytes for v in self._decoding.values())
            for key, video in list(self._decoding.items()):
                if total <= self._decoder_budget:
                    break
                if video is not used:
                    self._decoding.pop(key)
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
            resolved = self._aliases.peek(key) or key
            return self._results.get(resolved)

    def _remember(
        self, request_key: tuple[Any, ...], resolved_key: tuple[Any, ...], image: Image
    ) -> None:
        if _image_bytes(image) > self._result_budget:
            return  # never kept, so not worth an alias either
        with self._lock:
            if resolved_key not in self._results:
                self._results.put(resolved_key, image)
            self._aliases.put(request_key, resolved_key)
