"""The parts of a snapshot job one at a time: its shot times, sprite layout, colours and the
one forward pass over the video."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import av
import pytest

from cos_snapshot.emulator import SnapshotEngine
from cos_snapshot.emulator.frames import Timeline, frame_picture
from cos_snapshot.emulator.jobs.plan import (
    JobFailure,
    Readings,
    cell_size,
    sheet_layout,
    shot_times,
)
from cos_snapshot.emulator.jobs.spec import SnapshotConfig, SpriteConfig, parse_color
from cos_snapshot.testing import read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos

TIMELINE = Timeline(duration=Fraction(10), keyframes=tuple(Fraction(k) for k in range(0, 10, 2)))


def _times(readings: Readings = Readings(), **fields: object) -> list[Fraction]:
    return shot_times(SnapshotConfig(**fields), TIMELINE, readings)  # type: ignore[arg-type]


def test_interval_steps_from_start_until_count_or_the_end() -> None:
    assert _times(start=Decimal(1), time_interval=Decimal(3)) == [1, 4, 7]
    assert _times(time_interval=Decimal(3), count=2) == [0, 3]
    # Count beyond the end: as many as fit, or (IsCheckCount) Average over the rest.
    assert _times(time_interval=Decimal(4), count=5) == [0, 4, 8]
    assert _times(time_interval=Decimal(4), count=5, is_check_count=True) == [0, 2, 4, 6, 8]
    # No TimeInterval (the vendor's demo sends it empty): one a second.
    assert _times(count=3) == [0, 1, 2]


def test_average_excludes_the_end_unless_told_to_include_it() -> None:
    assert _times(mode="Average", start=Decimal(2), count=4) == [2, 4, 6, 8]
    assert _times(Readings(average_end="include"), mode="Average", start=Decimal(1), count=4) == [
        1,
        4,
        7,
        10,
    ]


def test_keyframe_mode_takes_keyframes_from_start_and_count_bounds_it_by_default() -> None:
    assert _times(mode="KeyFrame", start=Decimal(3)) == [4, 6, 8]
    assert _times(mode="KeyFrame", start=Decimal(3), count=2) == [4, 6]
    assert _times(Readings(keyframe_count="ignored"), mode="KeyFrame", count=2) == [0, 2, 4, 6, 8]


def test_a_start_past_the_end_fails_the_job() -> None:
    with pytest.raises(JobFailure) as caught:
        _times(start=Decimal("10.5"))
    assert caught.value.code == "InvalidArgument"
    assert _times(start=Decimal(10)) == [10]  # the end itself: the last frame


def _sprite(**fields: object) -> SpriteConfig:
    base: dict[str, object] = {"color": "black", "rgb": (0, 0, 0), "columns": 3, "lines": 2}
    return SpriteConfig(**{**base, **fields})  # type: ignore[arg-type]


def test_sprite_layouts_put_margin_outside_and_padding_between() -> None:
    sprite = _sprite(padding=4, margin=10)
    layout = sheet_layout(sprite, (3, 2), (100, 50), Readings())
    assert layout.size == (10 + 3 * 100 + 2 * 4 + 10, 10 + 2 * 50 + 4 + 10)
    assert layout.place(0) == (10, 10)
    assert layout.place(4) == (10 + 104, 10 + 54)
    css = sheet_layout(sprite, (3, 2), (100, 50), Readings(sprite_spacing="css"))
    assert css.size == (2 * 10 + 3 * (100 + 8), 2 * 10 + 2 * (50 + 8))
    assert css.place(4) == (14 + 108, 14 + 58)


def test_cells_keep_the_shot_aspect_when_one_side_is_given() -> None:
    assert cell_size(_sprite(), (320, 240)) == (320, 240)
    assert cell_size(_sprite(cell_width=160), (320, 240)) == (160, 120)
    assert cell_size(_sprite(cell_height=60), (320, 240)) == (80, 60)
    assert cell_size(_sprite(cell_width=100, cell_height=100), (320, 240)) == (100, 100)
    box = _sprite(cell_width=100, cell_height=100, scale_method="MaxWHScale")
    assert cell_size(box, (320, 240)) == (100, 75)


@pytest.mark.parametrize(
    ("text", "rgb"),
    [("White", (255, 255, 255)), ("#FF8000", (255, 128, 0)), ("0x00ff00", (0, 255, 0))],
)
def test_colours_are_ffmpeg_names_or_hex(text: str, rgb: tuple[int, int, int]) -> None:
    assert parse_color(text) == rgb


def test_an_unknown_colour_is_refused() -> None:
    with pytest.raises(ValueError, match="colour"):
        parse_color("random")


_PASS_VIDEOS = [
    ("pass.mp4", {}),
    ("pass-open.mp4", {"open_gop": True}),
    ("pass.ts", {}),
    ("pass-hevc.mp4", {"codec": "hevc"}),
]


def _shots_of(
    engine: SnapshotEngine, path: object, times: list[Fraction], passes: int
) -> tuple[list[tuple[tuple[int, ...], Fraction, int, bytes]], list[list[int]], Fraction]:
    """What a pass of ``passes`` decoders gives for ``times``, in the order it gives it: each
    frame's shots, time, frame index and pixels; and each decoder's seeks."""
    frame_pass = engine.frame_pass(path, passes=passes)  # type: ignore[arg-type]
    try:
        given = []
        for shots, time, frame in frame_pass.frames(times):
            picture = frame_picture(frame, 0, 0, rgb=True)
            given.append((shots, time, read_frame_index(picture), picture.tobytes()))
        return given, frame_pass.seeks, frame_pass.timeline.duration
    finally:
        frame_pass.close()


def _forward_only(seeks: list[int], ts: bool) -> bool:
    # MPEG-TS seeks by decode time: a decoder's first seek, by presentation time, lands a GOP
    # late and is made again a little earlier before anything is decoded; it learns that once.
    if ts and len(seeks) > 1 and seeks[1] < seeks[0]:
        seeks = seeks[1:]
    return seeks == sorted(seeks)


@pytest.mark.parametrize(("name", "options"), _PASS_VIDEOS)
def test_one_forward_pass_gives_each_shot_its_frame_and_never_seeks_back(
    cos_fixture_video: FixtureVideos, name: str, options: dict[str, object]
) -> None:
    info = cos_fixture_video.info(name=name, duration=8, fps=25, gop=25, bframes=2, **options)
    times = [Fraction(1, 10), Fraction(1, 5), Fraction(1, 5), Fraction(41, 10), Fraction(77, 10)]
    with SnapshotEngine() as engine:
        given, seeks_by_pass, duration = _shots_of(engine, info.path, times, passes=1)
    assert duration == info.end
    got = {shot: index for shots, _, index, _ in given for shot in shots}
    assert got == {n: info.frame_at(t) for n, t in enumerate(times)}
    # Three stretches of the file (GOPs 0, 4 and 7), GOPs between skipped by seeking forward.
    [seeks] = seeks_by_pass
    assert _forward_only(seeks, name.endswith(".ts"))
    if name.endswith(".ts"):
        seeks = seeks[1:]
    assert len(seeks) == 3


@pytest.mark.parametrize(("name", "options"), _PASS_VIDEOS)
def test_parallel_decoders_give_what_one_pass_gives_in_its_order(
    cos_fixture_video: FixtureVideos, name: str, options: dict[str, object]
) -> None:
    # Shots in most GOPs (two in some), one right at each of two keyframes (where a stretch,
    # and with it a decoder's share, begins), one just before a keyframe (the last frame of
    # the GOP before: with B-frames, shown last but not decoded last) and one twice.
    info = cos_fixture_video.info(name=name, duration=8, fps=25, gop=25, bframes=2, **options)
    times = [Fraction(n, 10) for n in (1, 5, 10, 10, 19, 20, 33)] + [Fraction(99, 25)]
    times += [Fraction(n, 10) for n in (40, 51, 61, 75)]
    with SnapshotEngine() as engine:
        one, _, _ = _shots_of(engine, info.path, times, passes=1)
        for passes in (2, 3):
            many, seeks_by_pass, _ = _shots_of(engine, info.path, times, passes=passes)
            assert many == one  # the same frames, pixel for pixel, in the same order
            assert len(seeks_by_pass) == passes
            assert all(_forward_only(s, name.endswith(".ts")) for s in seeks_by_pass)
    assert [shots for shots, *_ in one] == [(n,) for n in range(2)] + [(2, 3)] + [
        (n,) for n in range(4, len(times))
    ]
    got = {shot: index for shots, _, index, _ in one for shot in shots}
    assert got == {n: info.frame_at(t) for n, t in enumerate(times)}


def _nonref_pictures(path: object) -> list[Fraction]:
    """The times (from the first frame) of the pictures of an H.264 MP4 that no other picture
    references: every slice NAL of the packet with ``nal_ref_idc`` 0 (AVCC, NAL lengths of
    the size its ``avcC`` says)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        extradata = stream.codec_context.extradata
        assert extradata is not None
        assert extradata[0] == 1  # avcC, not Annex B
        size = (extradata[4] & 3) + 1
        packets = [(p.pts, bytes(p)) for p in container.demux(stream) if p.size]
        first = min(pts for pts, _ in packets)
        found = []
        for pts, data in packets:
            refs, at = [], 0
            while at + size <= len(data):
                length = int.from_bytes(data[at : at + size], "big")
                header = data[at + size]
                if 1 <= header & 0x1F <= 5:
                    refs.append(header >> 5 & 3)
                at += size + length
            if refs and not any(refs):
                found.append(Fraction(pts - first) * stream.time_base)
        return sorted(found)


def test_a_shot_on_a_non_reference_b_frame_is_that_frame(
    cos_fixture_video: FixtureVideos,
) -> None:
    # The pass decodes no non-reference picture but a shot's: a shot on one, beside shots on
    # the reference pictures around it, each gets its own frame, on one decoder or two.
    info = cos_fixture_video.info(name="pass.mp4", duration=8, fps=25, gop=25, bframes=2)
    nonref = _nonref_pictures(info.path)
    assert len(nonref) > 10  # the fixture has them (else this test would test nothing)
    picked = [nonref[1], nonref[len(nonref) // 2], nonref[-1]]
    times = sorted(
        {t + d for t in picked for d in (Fraction(-1, 25), Fraction(0), Fraction(1, 25))}
    )
    with SnapshotEngine() as engine:
        for passes in (1, 2):
            given, seeks_by_pass, _ = _shots_of(engine, info.path, times, passes=passes)
            got = {shot: index for shots, _, index, _ in given for shot in shots}
            assert got == {n: info.frame_at(t) for n, t in enumerate(times)}
            # Each came out of the first round: a shot's picture skipped as non-reference
            # would be fetched again by a second pass, seeking back to the first GOP.
            assert all(seeks == sorted(seeks) for seeks in seeks_by_pass)
