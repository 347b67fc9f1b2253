"""The fixture videos and the frame-index pattern: the test oracle must itself be right."""

from __future__ import annotations

import io
import itertools
import random
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image

from cos_snapshot.testing import (
    Orientation,
    PatternError,
    make_audio_fixture,
    make_fixture,
    pattern_image,
    read_frame_index,
    read_orientation,
)
from cos_snapshot.testing.pytest_plugin import FixtureVideos
from cos_snapshot.testing.videos import writer

ORIENTATIONS = [Orientation(r, m) for r in (0, 90, 180, 270) for m in (False, True)]


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.mark.parametrize("orientation", ORIENTATIONS, ids=str)
def test_pattern_round_trip_any_orientation(orientation: Orientation) -> None:
    rng = random.Random(str(orientation))
    for _ in range(40):
        index = rng.randrange(1 << 16)
        source = (rng.choice([320, 321, 1280, 90]), rng.choice([240, 241, 720, 66]))
        out = (rng.randint(16, 200), rng.randint(16, 200))  # any aspect, stretched too
        resample = rng.choice(list(Image.Resampling))
        picture = orientation.apply(pattern_image(index, source)).resize(out, resample)
        data = jpeg(picture, rng.choice([60, 75, 90]))
        assert read_frame_index(data) == index
        assert read_orientation(data) == orientation


def test_pattern_edges() -> None:
    for index in (0, 1, 0x5555, 0xAAAA, 0xFFFF):
        assert read_frame_index(pattern_image(index, (64, 48))) == index
    with pytest.raises(ValueError, match="index"):
        pattern_image(1 << 16, (64, 48))
    with pytest.raises(ValueError, match="size"):
        pattern_image(1, (5, 100))


def test_tiny_images_are_read_right_or_refused() -> None:
    """Below about 3 pixels per cell reading may fail, but never with a wrong answer."""
    rng = random.Random(7)
    refused = 0
    for _ in range(300):
        index = rng.randrange(1 << 16)
        out = (rng.randint(6, 15), rng.randint(6, 15))
        data = jpeg(pattern_image(index, (320, 240)).resize(out, Image.Resampling.BICUBIC))
        try:
            assert read_frame_index(data) == index
        except PatternError:
            refused += 1
    assert refused < 300


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGB", (64, 48), (128, 128, 128)),
        Image.new("RGB", (64, 48), (255, 0, 0)),
        Image.effect_noise((64, 48), 80).convert("RGB"),
        Image.linear_gradient("L").convert("RGB"),
        Image.new("RGB", (4, 4)),
    ],
)
def test_non_patterns_are_refused(image: Image.Image) -> None:
    with pytest.raises(PatternError):
        read_frame_index(image)
    with pytest.raises(PatternError):
        read_frame_index(jpeg(image))


def test_damaged_pattern_is_refused() -> None:
    picture = pattern_image(1234, (120, 120))
    # Flip one data cell (row 2, col 2): the check bits no longer match.
    picture.paste(
        (255, 255, 255) if picture.getpixel((50, 50)) == (0, 0, 0) else (0, 0, 0), (40, 40, 60, 60)
    )
    with pytest.raises(PatternError, match="check"):
        read_frame_index(picture)
    with pytest.raises(PatternError, match="image"):
        read_frame_index(b"not an image at all")


def test_orientation_maps() -> None:
    for o in ORIENTATIONS:
        picture = o.apply(Image.new("RGB", (30, 20)))
        assert picture.size == ((20, 30) if o.swaps_axes else (30, 20))
    assert Orientation(90).map_cell(0, 0) == (0, 5)  # top-left goes top-right
    assert Orientation(0, True).map_cell(0, 0) == (0, 5)
    assert Orientation(90, True).map_cell(0, 0) == (5, 5)
    with pytest.raises(ValueError, match="rotation"):
        Orientation(45)


# --- fixture videos -----------------------------------------------------------------------


def test_fixture_info(cos_fixture_video: FixtureVideos) -> None:
    info = cos_fixture_video.info(name="info.mp4", duration=2, fps=25, gop=10, size=(160, 120))
    assert info.frame_count == 50
    assert info.times[:3] == (0, Fraction(1, 25), Fraction(2, 25))
    assert info.end == 2
    assert info.keyframes == (0, 10, 20, 30, 40)
    assert info.display_size == info.stored_size == (160, 120)
    assert info.frame_at(Decimal("0.079")) == 1
    assert info.next_frame_at(Decimal("0.041")) == 2
    assert info.keyframe_at(Decimal("0.79")) == 10
    assert info.frame_at(100) == 49
    assert "50 frames" in str(info)


def test_fixture_vfr_and_ntsc_rates(cos_fixture_video: FixtureVideos) -> None:
    vfr = cos_fixture_video.info(name="vfr.mkv", duration=2, fps=25, vfr=True, codec="vp9")
    steps = [b - a for a, b in itertools.pairwise(vfr.times)]
    assert len(set(steps)) > 3
    assert all(s > 0 for s in steps)
    ntsc = cos_fixture_video.info(
        name="ntsc.mp4", duration=1, fps=Fraction(30000, 1001), size=(96, 64)
    )
    assert ntsc.times[1] == Fraction(1001, 30000)
    ts = cos_fixture_video.info(
        name="ntsc.ts", duration=1, fps=Fraction(30000, 1001), size=(96, 64)
    )
    assert ts.times == ntsc.times
    assert abs(ts.start - Fraction(7, 5)) <= Fraction(1001, 60000)  # rounded to a frame


@pytest.mark.parametrize(
    ("name", "codec"),
    [("x.mp4", "hevc"), ("x.webm", "av1"), ("x.mov", "h264"), ("x.mkv", "vp9"), ("x.ts", "hevc")],
)
def test_codecs_and_containers(cos_fixture_video: FixtureVideos, name: str, codec: str) -> None:
    info = cos_fixture_video.info(name=name, codec=codec, duration=0.5, size=(96, 64), audio=True)
    with av.open(str(info.path)) as container:
        assert container.streams.video[0].codec_context.name in (codec, "libdav1d")
        assert len(container.streams.audio) == 1
    assert (info.start > 0) == name.endswith(".ts")


def test_texture_keeps_the_pattern_readable(cos_fixture_video: FixtureVideos) -> None:
    # make_fixture verifies every frame by default; this just exercises the texture path.
    info = cos_fixture_video.info(name="texture.mp4", duration=1, size=(256, 144), texture=True)
    assert info.frame_count == 25


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="suffix"):
        make_fixture(tmp_path / "x.avi")
    with pytest.raises(ValueError, match="WebM"):
        make_fixture(tmp_path / "x.webm", codec="h264")
    with pytest.raises(ValueError, match="rotate"):
        make_fixture(tmp_path / "x.mp4", rotate=45)
    with pytest.raises(ValueError, match="display matrix"):
        make_fixture(tmp_path / "x.ts", rotate=90)
    with pytest.raises(ValueError, match="frames"):
        make_fixture(tmp_path / "x.mp4", duration=0)
    with pytest.raises(ValueError, match="codec"):
        make_fixture(tmp_path / "x.mp4", codec="mpeg2")  # type: ignore[arg-type]


def test_audio_fixture_has_no_video(tmp_path: Path) -> None:
    path = make_audio_fixture(tmp_path / "a.m4a", duration=0.5)
    with av.open(str(path)) as container:
        assert not container.streams.video
        assert container.streams.audio


@pytest.mark.parametrize("orientation", ORIENTATIONS, ids=str)
def test_display_matrix_as_ffmpeg_shows_it(
    cos_fixture_video: FixtureVideos, orientation: Orientation
) -> None:
    """ffmpeg's own autorotation is the reference for what the written matrix means."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    info = cos_fixture_video.info(
        name="oriented.mp4",
        duration=0.2,
        size=(160, 120),
        rotate=orientation.rotation,
        flip=orientation.mirrored,
    )
    png = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(info.path),
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    shown = Image.open(io.BytesIO(png))
    assert read_orientation(shown) == orientation
    assert shown.size == info.display_size
    assert read_frame_index(shown) == 0


@pytest.mark.parametrize(
    ("name", "fps", "unit"),
    [("a.mkv", 30, "1/1000"), ("a.webm", 24, "1/1000"), ("a.ts", Fraction(24000, 1001), "1/90000")],
)
def test_a_rate_the_container_cannot_time_exactly_is_refused_before_writing(
    tmp_path: Path, name: str, fps: Fraction | int, unit: str
) -> None:
    codec = "vp9" if name.endswith(".webm") else "h264"
    with pytest.raises(ValueError, match=f"stores times in {unit} s"):
        make_fixture(tmp_path / name, duration=1, fps=fps, codec=codec)  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_a_fixture_that_fails_its_check_is_not_left_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_check(*args: object, **kwargs: object) -> None:
        raise RuntimeError("frame times read back differ")

    monkeypatch.setattr(writer, "_check_back", failing_check)
    with pytest.raises(RuntimeError, match="differ"):
        make_fixture(tmp_path / "a.mp4", duration=0.2, size=(64, 48))
    assert not list(tmp_path.iterdir())


# -- the clock style (the demo's and the documentation's pictures) -------------------------


def test_clock_style_frames_carry_their_index_in_a_corner_in_any_orientation(
    tmp_path: Path,
) -> None:
    info = make_fixture(tmp_path / "clock.mp4", duration=2, size=(320, 240), style="clock")
    assert info.style == "clock"

    with av.open(str(info.path)) as container:
        frames = [frame.to_image() for frame in container.decode(video=0)]
    assert len(frames) == info.frame_count == 50
    turns = [
        None,
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_180,
        Image.Transpose.ROTATE_270,
        Image.Transpose.FLIP_LEFT_RIGHT,
        Image.Transpose.TRANSPOSE,
    ]
    for index in (0, 7, 38, 49):
        for turn in turns:
            picture = frames[index] if turn is None else frames[index].transpose(turn)
            small = picture.resize((picture.width // 2, picture.height // 2))
            assert read_frame_index(small, style="clock") == index
    # The full-frame reader does not mistake a clock picture for its pattern.
    with pytest.raises(PatternError):
        read_frame_index(frames[38])


def test_the_default_style_is_still_the_full_frame_pattern(tmp_path: Path) -> None:
    info = make_fixture(tmp_path / "plain.mp4", duration=0.4, size=(64, 48))
    assert info.style == "pattern"

    with av.open(str(info.path)) as container:
        first = next(iter(container.decode(video=0))).to_image()
    assert first.convert("RGB").getpixel((2, 2))[0] > 200  # the red marker fills its cell
    assert read_frame_index(first.resize((24, 24))) == 0


def test_an_unknown_style_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="style must be 'pattern' or 'clock'"):
        make_fixture(tmp_path / "x.mp4", style="poster")  # type: ignore[arg-type]
    assert not (tmp_path / "x.mp4").exists()
