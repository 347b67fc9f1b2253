"""The benchmark videos: h264, GOP 50, B-frames, frame threads (no sliced threads), with texture
so the encoder and decoder do realistic work. Each frame still shows its index, so a benchmark
can check that it timed the right frame."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import av

from cos_snapshot.testing import make_fixture

FPS = 25
GOP = 50


@dataclass(frozen=True)
class Video:
    label: str  # "360p"
    key: str  # object key under the emulator root
    path: Path
    size: tuple[int, int]
    frames: int
    #: presentation times (in stream ticks) in decode order, and which are keyframes
    decode_order: tuple[int, ...]
    time_base: Fraction

    @property
    def gops(self) -> int:
        return self.frames // GOP

    def time_of(self, frame: int) -> str:
        """The time of frame ``frame`` as a plain decimal string (frames are 1/25 s apart)."""
        return str(Decimal(frame) / FPS)

    def pts_of(self, frame: int) -> int:
        return int(Fraction(frame, FPS) / self.time_base)


def _decode_order(path: Path) -> tuple[tuple[int, ...], Fraction]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        order = tuple(p.pts for p in container.demux(stream) if p.size)
        return order, Fraction(stream.time_base)


def make_video(root: Path, label: str, size: tuple[int, int], seconds: int) -> Video:
    key = f"bench-{label}-{seconds}s.mp4"
    path = root / key
    make_fixture(
        path,
        duration=seconds,
        fps=FPS,
        gop=GOP,
        size=size,
        bframes=2,
        texture=True,
        verify=False,
    )
    order, tb = _decode_order(path)
    return Video(label, key, path, size, seconds * FPS, order, tb)


def copy_video(video: Video, root: Path, key: str) -> Video:
    path = root / key
    shutil.copyfile(video.path, path)
    return Video(
        video.label, key, path, video.size, video.frames, video.decode_order, video.time_base
    )
