"""The emulator's other size readings (``serve --one-side-zero``, ``--both-sides``) and fixtures
with non-square pixels. The expected sizes are worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import av
import pytest

from cos_snapshot.emulator.frames import SnapshotEngine, SnapshotParams
from cos_snapshot.emulator.frames.geometry import _output_size
from cos_snapshot.emulator.settings import EmulatorSettings
from cos_snapshot.testing import make_fixture, read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos

FOUR_BY_THREE = (320, 240)


@pytest.mark.parametrize(
    ("rounding", "heights"),
    [
        # widths 6, 7, 10 on 4:3 -> heights 4.5, 5.25, 7.5
        ("round-half-up", (5, 5, 8)),
        ("floor", (4, 5, 7)),
        ("ceil", (5, 6, 8)),
        ("even", (4, 5, 8)),
    ],
)
def test_one_side_zero_rounds_as_told(rounding: str, heights: tuple[int, ...]) -> None:
    got = tuple(
        _output_size(FOUR_BY_THREE, width, 0, rounding)[1]  # type: ignore[arg-type]
        for width in (6, 7, 10)
    )
    assert got == heights


def test_one_side_zero_computes_the_width_from_the_height_too() -> None:
    # height 5 on 4:3 -> width 6.67: floor 6, ceil 7
    assert _output_size(FOUR_BY_THREE, 0, 5, "floor") == (6, 5)
    assert _output_size(FOUR_BY_THREE, 0, 5, "ceil") == (7, 5)


@pytest.mark.parametrize(
    ("both_sides", "box", "size"),
    [
        ("stretch", (160, 160), (160, 160)),
        ("fit", (160, 160), (160, 120)),  # 4:3 inside a square: the width bounds it
        ("fill", (160, 160), (213, 160)),  # covering it: 160 x 4/3 = 213.3
        ("fit", (400, 150), (200, 150)),  # a wide box: the height bounds it
        ("fill", (400, 150), (400, 300)),
    ],
)
def test_both_sides_stretch_fit_or_fill(
    both_sides: str, box: tuple[int, int], size: tuple[int, int]
) -> None:
    assert _output_size(FOUR_BY_THREE, *box, "round-half-up", both_sides) == size  # type: ignore[arg-type]


def test_settings_refuse_an_unknown_reading(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one_side_zero"):
        EmulatorSettings(root=tmp_path, anonymous=True, one_side_zero="nearest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="both_sides"):
        SnapshotEngine(both_sides="crop")  # type: ignore[arg-type]


def test_the_engine_applies_the_readings_to_real_frames(cos_fixture_video: FixtureVideos) -> None:
    info = cos_fixture_video.info(duration=1, fps=25, gop=5)
    with SnapshotEngine(one_side_zero="floor", both_sides="fit") as engine:
        zero = engine.snapshot(info.path, SnapshotParams(time=Decimal("0.2"), width=6))
        both = engine.snapshot(
            info.path, SnapshotParams(time=Decimal("0.2"), width=160, height=160)
        )
    assert (zero.width, zero.height) == (6, 4)
    assert (both.width, both.height) == (160, 120)
    assert read_frame_index(both.data) == 5


def test_a_fixture_can_declare_non_square_pixels(tmp_path: Path) -> None:
    info = make_fixture(tmp_path / "wide.mp4", duration=0.2, sample_aspect=Fraction(4, 3))
    assert info.sample_aspect == Fraction(4, 3)
    with av.open(str(info.path)) as container:
        assert container.streams.video[0].display_aspect_ratio == Fraction(16, 9)
    with pytest.raises(ValueError, match="sample_aspect"):
        make_fixture(tmp_path / "bad.mp4", duration=0.2, sample_aspect=0)
