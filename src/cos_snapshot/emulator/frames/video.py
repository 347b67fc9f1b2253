"""One open video: its container and decoder, and the decode pass that produces a frame (and,
in the same pass, frames other requests wait for)."""

from __future__ import annotations

import bisect
import contextlib
import logging
import os
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import av

from .index import _FileKey, _Index, _key_of
from .types import NotAVideoError, _FileReplaced, _reason

log = logging.getLogger(__name__)

#: Codecs whose decoders honour ``skip_frame`` packet by packet (libdav1d reads it only once
#: when opened, so AV1 is decoded in full).
_SKIP_NONREF_CODECS = frozenset({"h264", "hevc", "vp9"})


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
    #: The targets of the container seeks made, in order, when a caller keeps them (a job's
    #: forward pass does: its tests read that it never seeks back).
    seeks: list[int] | None = None

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
            if self.seeks is not None:
                self.seeks.append(target)
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

    def stretches(self, targets: frozenset[int]) -> list[tuple[int, int, frozenset[int]]]:
        """The stretches of the file :meth:`sweep` decodes for ``targets``, in file order:
        ``(start, last, pts)``, the decode positions of the keyframe the stretch starts at and
        of its last target, and the targets decoded in it. Stretches that would overlap (open
        GOPs, whose leading pictures are decoded after the next keyframe) are one, so no two
        share a packet: each can be decoded on its own, by another decoder."""
        index = self._index()
        spans: list[tuple[int, int, list[int]]] = []
        # By start, so a target decoded later but from an earlier keyframe (an open GOP's
        # leading picture, shown before the keyframe decoded just before it) widens the
        # stretch back to its own keyframe rather than being decoded from the later one.
        for start, where, pts in sorted((self.start_of(p), index.pos[p], p) for p in targets):
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], where), [*spans[-1][2], pts])
            else:
                spans.append((start, where, [pts]))
        return [(start, last, frozenset(pts)) for start, last, pts in spans]

    def sweep(
        self, targets: frozenset[int], *, skip_nonref: bool
    ) -> Generator[tuple[int, Any], None, None]:
        """The frames with the pts in ``targets``, in one forward pass over the file: each
        stretch of packets from the keyframe a target is decoded from to the last target
        decoded from it is decoded (non-reference frames no target needs skipped, where the
        codec allows), and the packets between two stretches are skipped by demuxing past
        them or, when a whole GOP lies between, by a seek forward to the next stretch's
        keyframe. Never a seek backward: stretches that overlap (open GOPs, whose leading
        pictures are decoded after the next keyframe) are decoded as one. Yields
        ``(pts, frame)`` as frames come out; a target the decoder never gives is left out."""
        index = self._index()
        spans = [(start, last) for start, last, _ in self.stretches(targets)]
        wanted = {index.pos[pts] for pts in targets}
        keyframes = [i for i, (_, _, key) in enumerate(index.order) if key]
        cc = self.stream.codec_context
        packets: Generator[tuple[int, Any], None, None] | None = None
        at = -1  # the decode position of the last packet demuxed
        try:
            for start, last in spans:
                # A keyframe strictly between here and the start: a GOP without a shot, which
                # a seek skips without reading it.
                gap = bisect.bisect_right(keyframes, at) < bisect.bisect_left(keyframes, start)
                if packets is None or gap:
                    if packets is not None:
                        packets.close()
                    packets = self._packets_from(start)
                for where, packet in packets:
                    at = where
                    if where < start:
                        continue
                    if skip_nonref:
                        cc.skip_frame = "DEFAULT" if where in wanted else "NONREF"
                    for frame in cc.decode(packet):
                        if frame.pts in targets:
                            yield frame.pts, frame
                    if where >= last:
                        break
                for frame in cc.decode(None):
                    if frame.pts in targets:
                        yield frame.pts, frame
                cc.flush_buffers()
        finally:
            if packets is not None:
                packets.close()
            if skip_nonref:
                cc.skip_frame = "DEFAULT"
            cc.flush_buffers()
