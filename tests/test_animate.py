"""Animated previews (``cos-snapshot animate``, ``make_animation``, ``amake_animation``) against
the shipped emulator over a fixture whose every frame differs: the frames read back are the
frames on screen at their times, the delays add up, the animation loops."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageSequence

from cos_snapshot import CosInvalidArgumentError
from cos_snapshot.cli import main
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.animate import (
    Animation,
    amake_animation,
    animation_format,
    frame_delays,
    make_animation,
)

KEY = "videos/clip.mp4"

pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(duration=4, fps=25, gop=25, size=(160, 120))


@pytest.fixture
def emulator(cos_emulator: CosEmulator, video: FixtureInfo) -> CosEmulator:
    cos_emulator.put(KEY, video.path)
    return cos_emulator


def read_back(path: Path) -> tuple[str, list[int], list[int], Any]:
    """The file's format, each frame's index and duration (ms), and its loop count."""
    with Image.open(path) as image:
        frames = [
            (read_frame_index(frame.convert("RGB")), frame.info["duration"])
            for frame in ImageSequence.Iterator(image)
        ]
        return (
            image.format or "",
            [i for i, _ in frames],
            [d for _, d in frames],
            image.info.get("loop"),
        )


def expected(video: FixtureInfo, times: tuple[str, ...]) -> list[int]:
    return [video.frame_at(Decimal(t)) for t in times]


@pytest.mark.parametrize("suffix", [".webp", ".gif"])
def test_the_frames_are_those_on_screen_at_start_plus_i_over_fps(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path, suffix: str
) -> None:
    output = tmp_path / f"preview{suffix}"
    with emulator.client() as client:
        animation = make_animation(client, KEY, output, start=1, duration=1, fps=10, width=160)
    assert animation.times == tuple(format(Decimal(i) / 10 + 1) for i in range(10))
    image_format, frames, durations, loop = read_back(output)
    assert image_format == {".webp": "WEBP", ".gif": "GIF"}[suffix]
    assert frames == expected(video, animation.times) == [25, 27, 30, 32, 35, 37, 40, 42, 45, 47]
    assert durations == [100] * 10
    assert loop == 0  # forever
    assert animation.size == (160, 120)
    assert output.read_bytes() == animation.content
    assert animation.note is None


def test_gif_delays_round_to_hundredths_carrying_the_error(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path
) -> None:
    output = tmp_path / "thirds.gif"

    async def run() -> Animation:
        async with emulator.async_client() as client:
            return await amake_animation(client, KEY, output, start=0.5, duration=2, fps=3)

    animation = asyncio.run(run())
    _, frames, durations, loop = read_back(output)
    assert frames == expected(video, animation.times)
    assert len(frames) == 6
    assert durations == [330, 340, 330, 330, 340, 330]
    assert sum(durations) == 2000
    assert loop == 0


@pytest.mark.parametrize("suffix", [".webp", ".gif"])
def test_a_frame_shown_twice_in_a_row_is_stored_once_for_both_times(
    cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos, tmp_path: Path, suffix: str
) -> None:
    """Faster than the video (20 fps of a 10 fps video): each frame twice, merged by Pillow."""
    slow = cos_fixture_video.info(duration=2, fps=10, gop=10, size=(64, 48))
    cos_emulator.put("slow.mp4", slow.path)
    output = tmp_path / f"slow{suffix}"
    with cos_emulator.client() as client:
        animation = make_animation(client, "slow.mp4", output, start=0.5, duration=0.5, fps=20)
    assert animation.frames == 10
    _, frames, durations, _ = read_back(output)
    assert frames == [5, 6, 7, 8, 9]
    assert durations == [100] * 5


def test_frame_delays() -> None:
    assert frame_delays(3, 3, 10) == [330, 340, 330]
    assert frame_delays(7, 30, 10) == [30, 40, 30, 30, 40, 30, 30]
    assert sum(frame_delays(300, 30, 10)) == 10_000
    assert frame_delays(3, 3, 1) == [333, 334, 333]
    assert frame_delays(4, 8, 1) == [125] * 4


def test_the_defaults_are_three_seconds_from_the_middle_less_half(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path
) -> None:
    with emulator.client() as client:
        animation = make_animation(client, KEY, tmp_path / "default.webp")
    assert animation.plan.start == Decimal("0.5")  # 2 s - 1.5 s
    assert animation.frames == 24  # 3 s x 8 fps
    assert animation.size[0] == 320
    _, frames, _, _ = read_back(tmp_path / "default.webp")
    assert frames == expected(video, animation.times)


def test_a_start_too_near_the_end_moves_back_to_end_on_the_last_frame(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path
) -> None:
    with emulator.client() as client:
        animation = make_animation(
            client, KEY, tmp_path / "end.gif", start="95%", duration=1, fps=10, width=80
        )
    assert animation.note is not None
    assert "start 95% is too near the end" in animation.note
    assert "3.06 s" in animation.note
    assert animation.times[0] == "3.06"
    assert animation.times[-1] == "3.96"
    _, frames, _, _ = read_back(tmp_path / "end.gif")
    assert frames[-1] == video.frame_count - 1
    assert frames == expected(video, animation.times)


@pytest.mark.parametrize(
    ("arguments", "parameter", "problem"),
    [
        ({"duration": 11}, "duration", "from 0.25 to 10 seconds"),
        ({"duration": "0.2"}, "duration", "from 0.25 to 10 seconds"),
        ({"fps": 31}, "fps", "from 1 to 30"),
        ({"fps": 0}, "fps", "from 1 to 30"),
        ({"width": 641}, "width", "from 1 to 640"),
        ({"start": "auto"}, "start", "not where a stretch of the video starts"),
        ({"start": "soon"}, "start", "is not a time"),
        ({"format": "gif"}, "format", "contradicts"),
    ],
)
def test_bad_arguments_are_refused_naming_them_before_anything_is_sent(
    tmp_path: Path, arguments: dict[str, Any], parameter: str, problem: str
) -> None:
    class Unused:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the client was used: {name}")

    with pytest.raises(CosInvalidArgumentError) as refused:
        make_animation(Unused(), KEY, tmp_path / "x.webp", **arguments)  # type: ignore[arg-type]
    assert refused.value.parameter == parameter
    assert problem in refused.value.problem
    assert list(tmp_path.iterdir()) == []


def test_animation_format() -> None:
    assert animation_format("a.GIF") == "gif"
    assert animation_format("a.webp", "webp") == "webp"
    assert animation_format("preview", "gif") == "gif"
    for name, format in (("a.png", "gif"), ("a.gif", "webp"), ("a.mp4", None)):
        with pytest.raises(CosInvalidArgumentError, match="format"):
            animation_format(name, format)  # type: ignore[arg-type]


def test_a_failed_frame_writes_nothing(
    emulator: CosEmulator, tmp_path: Path, video: FixtureInfo
) -> None:
    """Past the video's media info, a frame that fails leaves the old file as it was."""
    output = tmp_path / "kept.gif"
    output.write_bytes(b"old")
    with emulator.client() as client:
        info = client.get_media_info(KEY)
        (emulator.root / KEY).unlink()  # the frames' requests now fail
        with pytest.raises(Exception, match="NoSuchKey"):
            make_animation(client, KEY, output, start=1, duration=1, fps=4, info=info)
    assert output.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.gif"]


def animate(
    capsys: pytest.CaptureFixture[str], emulator: CosEmulator, *argv: str
) -> tuple[int, str, str]:
    code = main(["animate", *argv, "--endpoint-url", emulator.endpoint_url, "--anonymous"])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_writes_the_animation_and_says_when_the_start_moved(
    emulator: CosEmulator,
    video: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "preview.gif"
    argv = (KEY, "-o", str(output), "--start", "end", "--duration", "0.5", "--fps", "4")
    code, out, err = animate(capsys, emulator, "--json", *argv, "--width", "96")
    assert code == 0, err
    result = json.loads(out)
    assert result["frames"] == 2
    assert result["times"] == ["3.71", "3.96"]
    assert result["delays_ms"] == [250, 250]
    assert result["format"] == "gif"
    assert result["width"] == 96
    assert "moved back to 3.71 s" in result["note"]
    assert f"{KEY}: start end is too near the end" in err
    _, frames, _, _ = read_back(output)
    assert frames == expected(video, tuple(result["times"])) == [92, 99]
    assert Fraction(video.times[frames[-1]]) == video.times[-1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--start", "auto"), "--start: auto (the best poster) is not taken here"),
        (("--duration", "12"), "--duration: must be from 0.25 to 10 seconds"),
        (("--format", "gif"), "--format: gif contradicts"),
        (("-o", "x.png"), "--format: cannot tell from 'x.png'"),
        (("-o", "cos://previews/x.webp"), "'previews' is not a bucket"),
        (("-o", "cos://other-1250000000/x.webp", "--bucket", "one-1250000000"), "one bucket"),
    ],
)
def test_the_command_refuses_bad_options_naming_them(
    emulator: CosEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    output = () if "-o" in argv else ("-o", "x.webp")
    code, _, err = animate(capsys, emulator, KEY, *output, *argv)
    assert code == 2
    assert message in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("option", "value"), [("--fps", "31"), ("--width", "641")])
def test_the_command_bounds_fps_and_width(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        animate(capsys, emulator, KEY, "-o", "x.webp", option, value)
    assert exited.value.code == 2
    assert f"argument {option}: must be a whole number" in capsys.readouterr().err


@pytest.mark.cos_emulator(anonymous=True, allow_writes=True)
def test_the_command_puts_the_animation_into_the_bucket_once(
    emulator: CosEmulator,
    video: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    common = ("--start", "1", "--duration", "0.5", "--fps", "4", "--width", "64")
    local = tmp_path / "local.gif"
    assert animate(capsys, emulator, KEY, "-o", str(local), *common)[0] == 0
    code, out, err = animate(capsys, emulator, KEY, "-o", "cos:///previews/", "--json", *common)
    assert code == 0, err
    assert json.loads(out)["output"] == "cos:///previews/clip_preview.webp"
    code, out, err = animate(capsys, emulator, KEY, "-o", "cos:///previews/a.gif", *common)
    assert code == 0, err
    assert out.startswith("cos:///previews/a.gif: 2 frames of videos/clip.mp4 from 1 s")
    with emulator.client() as client:
        assert client.get_object("previews/a.gif") == local.read_bytes()
        stored = client.head_object("previews/a.gif")
        assert stored is not None
        assert stored.content_type == "image/gif"
        webp = client.get_object("previews/clip_preview.webp")
    (tmp_path / "got.webp").write_bytes(webp)
    _, frames, durations, _ = read_back(tmp_path / "got.webp")
    assert frames == [25, 31]
    assert durations == [250, 250]
    (emulator.root / KEY).unlink()  # a re-run asks one HEAD and nothing of the video
    code, out, err = animate(capsys, emulator, KEY, "-o", "cos:///previews/a.gif", *common)
    assert code == 0, err
    assert "cos:///previews/a.gif: exists, skipped" in out


def test_a_key_that_is_not_there_is_a_usage_error(
    emulator: CosEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = animate(capsys, emulator, "missing.mp4", "-o", str(tmp_path / "x.webp"))
    assert code == 2
    assert "KEY: needs the video's duration" in err
