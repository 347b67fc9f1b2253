"""Snapshot latency by GOP position: over HTTP through SnapshotClient (keyframe and exactframe
mode), against the ffmpeg process and against the decode floor; and the result cache."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import av

from cos_snapshot import Credentials, SnapshotClient
from cos_snapshot.testing import read_frame_index

from .serve import SECRET_ID, SECRET_KEY
from .timing import median, ms, rotated
from .videos import GOP, Video

METHODS = ("keyframe", "exactframe", "ffmpeg", "floor")


def client_for(url: str) -> SnapshotClient:
    return SnapshotClient(endpoint_url=url, credentials=Credentials(SECRET_ID, SECRET_KEY))


class DecodeFloor:
    """Decoding the packets from the keyframe to the target frame with PyAV alone: the packets
    are already in memory, no seek, no HTTP, no scaling or encoding. The decoder is set up as
    the emulator's (frame threads, 2 threads)."""

    def __init__(self, video: Video) -> None:
        self.video = video
        self.container: Any = av.open(str(video.path))
        stream = self.container.streams.video[0]
        self.codec = stream.codec_context
        self.codec.thread_type = "FRAME"
        self.codec.thread_count = 2
        self.packets = [p for p in self.container.demux(stream) if p.size]
        self.where = {p.pts: i for i, p in enumerate(self.packets)}

    def packet_count(self, frame: int) -> int:
        key = frame - frame % GOP
        return self.where[self.video.pts_of(frame)] - self.where[self.video.pts_of(key)] + 1

    def decode(self, frame: int) -> Any:
        target = self.video.pts_of(frame)
        first = self.where[self.video.pts_of(frame - frame % GOP)]
        last = self.where[target]
        codec = self.codec
        codec.flush_buffers()
        found = None
        for packet in self.packets[first : last + 1]:
            for decoded in codec.decode(packet):
                if decoded.pts == target:
                    found = decoded
        for decoded in codec.decode(None):
            if decoded.pts == target:
                found = decoded
        if found is None:
            raise RuntimeError(f"decode floor: frame {frame} did not come out")
        return found

    def close(self) -> None:
        self.container.close()


def ffmpeg_snapshot(ffmpeg: str, video: Video, time: str, out: Path) -> None:
    """``ffmpeg -ss T -i FILE -frames:v 1 out.jpg`` (plus: quiet, overwrite, no stdin)."""
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-nostdin",
            "-y",
            "-ss",
            time,
            "-i",
            str(video.path),
            "-frames:v",
            "1",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Sweep:
    #: (video label, GOP position) -> method -> times in ms
    times: dict[tuple[str, int], dict[str, list[float]]] = field(default_factory=dict)
    packets: dict[tuple[str, int], int] = field(default_factory=dict)

    def median(self, label: str, position: int, method: str) -> float:
        return median(self.times[(label, position)][method])


def frame_for(video: Video, position: int, turn: int) -> int:
    """The frame at ``position`` in a GOP that changes every round (never the first GOP, so
    every request seeks)."""
    return (1 + turn % (video.gops - 1)) * GOP + position


def sweep(
    videos: list[Video],
    url: str,
    *,
    positions: list[int],
    rounds: int,
    warmup: int,
    ffmpeg: str,
    workdir: Path,
    log: Callable[[str], None],
) -> Sweep:
    """Time every method at every position, round after round; the first round checks that
    each method produced the frame it should."""
    result = Sweep()
    floors = {v.label: DecodeFloor(v) for v in videos}
    out = workdir / "ffmpeg-out.jpg"
    with client_for(url) as client:
        for turn in range(warmup + rounds):
            for video in videos:
                for position in positions:
                    frame = frame_for(video, position, turn)
                    time = video.time_of(frame)
                    calls = _calls(client, floors[video.label], ffmpeg, video, frame, out)
                    slot = result.times.setdefault(
                        (video.label, position), {m: [] for m in METHODS}
                    )
                    result.packets[(video.label, position)] = floors[video.label].packet_count(
                        frame
                    )
                    for method in rotated(METHODS, turn + position):
                        elapsed = ms(calls[method])
                        if turn >= warmup:
                            slot[method].append(elapsed)
                    if turn == 0:
                        _check_frames(client, video, time, frame, out)
            log(f"  sweep round {turn + 1}/{warmup + rounds}")
    for floor in floors.values():
        floor.close()
    return result


def _calls(
    client: SnapshotClient, floor: DecodeFloor, ffmpeg: str, video: Video, frame: int, out: Path
) -> dict[str, Callable[[], object]]:
    time = video.time_of(frame)
    return {
        "keyframe": partial(client.get_snapshot, video.key, time, mode="keyframe"),
        "exactframe": partial(client.get_snapshot, video.key, time),
        "ffmpeg": partial(ffmpeg_snapshot, ffmpeg, video, time, out),
        "floor": partial(floor.decode, frame),
    }


def _check_frames(client: SnapshotClient, video: Video, time: str, frame: int, out: Path) -> None:
    key_frame = frame - frame % GOP
    got = {
        "exactframe": read_frame_index(client.get_snapshot(video.key, time).content),
        "keyframe": read_frame_index(client.get_snapshot(video.key, time, mode="keyframe").content),
        "ffmpeg": read_frame_index(out.read_bytes()),
    }
    want = {"exactframe": frame, "keyframe": key_frame, "ffmpeg": frame}
    if got != want:
        raise RuntimeError(f"{video.label} t={time}: frames {got}, expected {want}")


@dataclass
class CacheResult:
    label: str
    position: int
    first: list[float]
    repeat: list[float]


def cache(videos: list[Video], url: str, *, positions: list[int], rounds: int) -> list[CacheResult]:
    """The first request for a frame (file already open) against the same request repeated,
    on an emulator with the result cache on. Each round takes the frames of another GOP."""
    results = {(v.label, p): CacheResult(v.label, p, [], []) for v in videos for p in positions}
    with client_for(url) as client:
        for video in videos:  # open the files: the emulator is warm
            client.get_snapshot(video.key, "0", width=16)  # a size the rounds never ask for
        for turn in range(rounds):
            for video in videos:
                if turn >= video.gops:  # every GOP used once: no fresh frames left
                    continue
                for position in positions:
                    time = video.time_of(turn * GOP + position)
                    slot = results[(video.label, position)]
                    get = partial(client.get_snapshot, video.key, time)
                    slot.first.append(ms(get))
                    again = [ms(get) for _ in range(5)]
                    slot.repeat.append(median(again))
    return list(results.values())
