"""The fixture videos the suite puts in the bucket, and the keys it puts them under.

Small on purpose: 320x240 at 25 fps, a keyframe every 10 frames, two seconds; one has an audio
track. The keys hold
spaces, unicode, ``+``, parentheses and nested directories, because object keys do.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from cos_snapshot.testing import FixtureInfo, make_fixture

__all__ = ["EXTRA_SPECS", "VIDEO_NAMES", "VIDEO_SPECS", "Video", "VideoSpec", "make_videos"]

FPS = 25
GOP = 10
DURATION = 2
SIZE = (320, 240)
#: The record of the videos made: v3 knows their packet bytes and audio tracks, and has the
#: wide video.
RECORD = "videos-v3.pickle"


@dataclass(frozen=True)
class VideoSpec:
    """One fixture video: a name for tests, the key (below a prefix) and make_fixture options."""

    name: str
    key: str
    filename: str
    options: dict[str, Any]


@dataclass(frozen=True)
class Video:
    """A fixture video as uploaded: its full object key and what it holds."""

    name: str
    key: str
    info: FixtureInfo

    @property
    def frame_duration(self) -> Fraction:
        return Fraction(1, FPS)


VIDEO_SPECS: tuple[VideoSpec, ...] = (
    VideoSpec("plain", "plain clip.mp4", "plain.mp4", {}),
    VideoSpec("rotated", "视频/rotated 90°.mp4", "rotated.mp4", {"rotate": 90}),
    VideoSpec(
        "mirrored",
        "nested/dir/mirrored+flip (1).mp4",
        "mirrored.mp4",
        {"rotate": 270, "flip": True},
    ),
    VideoSpec("hevc", "hevc ~clip.mp4", "hevc.mp4", {"codec": "hevc"}),
    VideoSpec("mpegts", "streams/clip.ts", "clip.ts", {}),
    # Characters that mean something in a URL or a form, and a percent sign that must not be
    # decoded twice. It has the one audio track (silent AAC, a little longer than the video:
    # GetMediaInfo's Format/Duration and Video/Duration part there).
    VideoSpec(
        "reserved",
        "odd names/a+b=c&d;e?f#g%41 (1)!'@$,.mp4",
        "reserved.mp4",
        {"gop": 5, "audio": True},
    ),
    # Non-square pixels: 320x240 stored, 4:3 pixels, so 16:9 (427x240) on a player that
    # applies them (the emulator does not; the behaviour report says what the target does).
    VideoSpec(
        "anamorphic",
        "anamorphic 4x3 pixels.mp4",
        "anamorphic.mp4",
        {"sample_aspect": Fraction(4, 3)},
    ),
)

#: The names of the everyday videos, which tests run over one by one (not the extras).
VIDEO_NAMES: tuple[str, ...] = tuple(spec.name for spec in VIDEO_SPECS)


#: Videos for one question each, not for the tests that run over every video.
EXTRA_SPECS: tuple[VideoSpec, ...] = (
    # Wider than the vendor's 4096 limit on an output side: what does the target answer when
    # asked for the video at its own size? (the behaviour report's ``full_size``)
    VideoSpec("wide", "wide 4200x64.mp4", "wide.mp4", {"size": (4200, 64)}),
)


def make_videos(directory: Path) -> dict[str, tuple[VideoSpec, FixtureInfo]]:
    """Write every fixture video into ``directory``; return them by name.

    If ``directory`` already holds them (with the record this function writes), they are
    reused: the meta-test runs the suite many times over. The record's name changes with what
    ``FixtureInfo`` holds, so an older cache is not taken for a complete one.
    """
    record = directory / RECORD
    if record.exists():
        cached: dict[str, tuple[VideoSpec, FixtureInfo]] = pickle.loads(record.read_bytes())
        if [spec for spec, _ in cached.values()] == [*VIDEO_SPECS, *EXTRA_SPECS]:
            return cached
    made: dict[str, tuple[VideoSpec, FixtureInfo]] = {}
    for spec in (*VIDEO_SPECS, *EXTRA_SPECS):
        info = make_fixture(
            directory / spec.filename,
            duration=DURATION,
            fps=FPS,
            threads=1,
            **{"gop": GOP, "size": SIZE, **spec.options},
        )
        made[spec.name] = (spec, info)
    record.write_bytes(pickle.dumps(made))
    return made
