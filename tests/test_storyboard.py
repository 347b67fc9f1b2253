"""``cos-snapshot storyboard`` and :mod:`cos_snapshot.tools.storyboard` against the real emulator on
loopback, over real fixture videos: every cue, cropped from its sprite, shows the frame the VTT
says (the fixture's own truth: the frame on screen at the cue's start)."""

from __future__ import annotations

import json
import os
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

import cos_snapshot.tools.storyboard as storyboard_module
from cos_snapshot import CosInvalidArgumentError
from cos_snapshot.cli import main
from cos_snapshot.emulator import (
    EmulatorSettings,
    FrameError,
    SnapshotEngine,
    SnapshotParams,
    create_app,
    running_emulator,
)
from cos_snapshot.emulator import Image as FrameImage
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.storyboard import MAX_SPRITE_PIXELS, cue_bounds, plan_sprites, vtt_timestamp

KEY = "videos/board clip.mp4"
LONG_KEY = "videos/long.mp4"
AUDIO_KEY = "sounds/only audio.m4a"
CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d\d\d) --> (\d\d):(\d\d):(\d\d)\.(\d\d\d)")


pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    # 182 frames: 7.28 s, not a multiple of any step used below.
    return cos_fixture_video.info(duration=Fraction(182, 25), fps=25, gop=25, size=(160, 120))


@pytest.fixture(scope="module")
def long_video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    # 1100 s at 1 fps: longer than 200 cues of 5 s.
    return cos_fixture_video.info(duration=1100, fps=1, gop=50, size=(48, 36))


@pytest.fixture
def server(
    cos_emulator: CosEmulator, video: FixtureInfo, long_video: FixtureInfo, audio_only: Path
) -> str:
    """The emulator holding both videos and an audio-only file."""
    cos_emulator.put(KEY, video.path)
    cos_emulator.put(LONG_KEY, long_video.path)
    cos_emulator.put(AUDIO_KEY, audio_only)
    return cos_emulator.endpoint_url


def run(
    capsys: pytest.CaptureFixture[str], server: str, *argv: str, as_json: bool = True
) -> tuple[int, str, str]:
    options = ["--json"] if as_json else []
    code = main([*options, "storyboard", *argv, "--endpoint-url", server, "--anonymous"])
    out, err = capsys.readouterr()
    return code, out, err


def _seconds(parts: tuple[str, ...]) -> Fraction:
    hours, minutes, secs, millis = (int(p) for p in parts)
    return Fraction(hours * 3600 + minutes * 60 + secs) + Fraction(millis, 1000)


def read_vtt(path: Path) -> list[tuple[Fraction, Fraction, str]]:
    """The cues of a WebVTT file, checking its shape line by line."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\n\n")
    blocks = text[len("WEBVTT\n\n") :].rstrip("\n").split("\n\n")
    cues = []
    for block in blocks:
        timing, payload = block.split("\n")
        match = CUE.fullmatch(timing)
        assert match, timing
        cues.append((_seconds(match.groups()[:4]), _seconds(match.groups()[4:]), payload))
    return cues


def check_tiles(
    directory: Path,
    cues: list[tuple[Fraction, Fraction, str]],
    video: FixtureInfo,
    prefix: str = "",
) -> set[str]:
    """Every cue's tile, cropped from its sprite, shows the frame on screen at its start."""
    sprites: dict[str, Image.Image] = {}
    for start, _, payload in cues:
        name, _, fragment = payload.partition("#xywh=")
        assert name.startswith(prefix)
        name = name[len(prefix) :]
        if name not in sprites:
            with Image.open(directory / name) as image:
                sprites[name] = image.convert("RGB")
        x, y, w, h = (int(v) for v in fragment.split(","))
        tile = sprites[name].crop((x, y, x + w, y + h))
        assert read_frame_index(tile) == video.frame_at(start), (payload, start)
    return set(sprites)


def test_every_cue_shows_the_frame_at_its_start_and_the_cues_cover_the_video(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    code, out, _ = run(capsys, server, KEY, "-o", str(out_dir), "--every", "0.5", "--cols", "4")
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert [start for start, _, _ in cues] == [Fraction(i, 2) for i in range(15)]
    assert [end for _, end, _ in cues] == [*(Fraction(i, 2) for i in range(1, 15)), video.end]
    assert video.end == Fraction(728, 100)
    assert check_tiles(out_dir, cues, video) == {"storyboard.jpg"}
    with Image.open(out_dir / "storyboard.jpg") as sprite:
        assert sprite.format == "JPEG"
        assert sprite.size == (4 * 160, 4 * 120)  # 15 tiles, 4 to a row, no gaps
    result = json.loads(out)
    assert len(result["cues"]) == 15
    assert result["cues"][1] == {
        "start": "0.5",
        "end": "1",
        "sprite": "storyboard.jpg",
        "box": [160, 0, 160, 120],
        "payload": "storyboard.jpg#xywh=160,0,160,120",
    }
    assert sorted(p.name for p in out_dir.iterdir()) == ["storyboard.jpg", "storyboard.vtt"]


def test_count_gives_cues_of_equal_length(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    code, _, _ = run(capsys, server, KEY, "-o", str(out_dir), "--count", "7", "--width", "80")
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert [start for start, _, _ in cues] == [Fraction(728 * i, 700) for i in range(7)]
    assert cues[-1][1] == video.end
    check_tiles(out_dir, cues, video)


def test_the_default_is_a_cue_every_5_seconds(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    code, _, _ = run(capsys, server, KEY, "-o", str(out_dir), as_json=False)
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert [(start, end) for start, end, _ in cues] == [(0, 5), (5, video.end)]
    check_tiles(out_dir, cues, video)


def test_a_video_longer_than_200_cues_of_5_seconds_gets_200_of_equal_length(
    server: str, long_video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    code, _, _ = run(capsys, server, LONG_KEY, "-o", str(out_dir), "--width", "48")
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert len(cues) == 200
    assert {end - start for start, end, _ in cues} == {Fraction(11, 2)}
    assert cues[-1][1] == 1100
    check_tiles(out_dir, cues, long_video)


def test_tiles_that_do_not_fit_in_one_sprite_go_to_numbered_sprites(
    server: str,
    video: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two rows of four 160x120 tiles per sprite.
    monkeypatch.setattr(storyboard_module, "MAX_SPRITE_PIXELS", 2 * 4 * 160 * 120)
    out_dir = tmp_path / "board"
    code, out, _ = run(capsys, server, KEY, "-o", str(out_dir), "--every", "0.4", "--cols", "4")
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert len(cues) == 19
    names = check_tiles(out_dir, cues, video)
    assert names == {"storyboard-1.jpg", "storyboard-2.jpg", "storyboard-3.jpg"}
    assert [payload.partition("#")[0] for _, _, payload in cues] == (
        ["storyboard-1.jpg"] * 8 + ["storyboard-2.jpg"] * 8 + ["storyboard-3.jpg"] * 3
    )
    assert cues[8][2] == "storyboard-2.jpg#xywh=0,0,160,120"  # each sprite starts at its corner
    with Image.open(out_dir / "storyboard-3.jpg") as last:
        assert last.size == (4 * 160, 120)  # every sprite as wide as the first
    assert json.loads(out)["sprites"] == [str(out_dir / n) for n in sorted(names)]
    assert not (out_dir / "storyboard.jpg").exists()


def test_the_sprite_rule_uses_the_formats_side_limit_and_the_pixel_limit() -> None:
    # JPEG: 65500 px a side; 16 Mpx in all -> 1000x1000 tiles, 4 a row: 4 rows a sprite.
    layouts = plan_sprites(40, 4, (1000, 1000), "JPEG")
    assert [layout.count for layout in layouts] == [16, 16, 8]
    assert all(layout.gap == 0 and layout.label_height == 0 for layout in layouts)
    # WebP: 16383 px a side: 100 tiles of 160x16383 cannot stack two rows.
    assert [layout.rows for layout in plan_sprites(3, 1, (160, 16383), "WEBP")] == [1, 1, 1]
    assert MAX_SPRITE_PIXELS == 4096 * 4096
    with pytest.raises(ValueError, match="does not fit in a WEBP sprite"):
        plan_sprites(10, 10, (1700, 100), "WEBP")  # a row of 17000 px


def test_url_prefix_and_webp(
    server: str, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    prefix = "https://cdn.example.com/boards/clip"
    argv = (KEY, "-o", str(out_dir), "--count", "5", "--format", "webp", "--url-prefix", prefix)
    code, _, _ = run(capsys, server, *argv)
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert cues[0][2] == f"{prefix}/storyboard.webp#xywh=0,0,160,120"
    assert check_tiles(out_dir, cues, video, prefix=prefix + "/") == {"storyboard.webp"}
    with Image.open(out_dir / "storyboard.webp") as sprite:
        assert sprite.format == "WEBP"


def test_an_interrupted_run_leaves_no_vtt_and_no_sprite(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(storyboard_module, "MAX_SPRITE_PIXELS", 4 * 160 * 120)
    saved: list[object] = []
    real_save = Image.Image.save

    def save_then_interrupt(self: Image.Image, fp: object, *args: object, **kwargs: object) -> None:
        if self.width != 4 * 160:  # the emulator's own encoding of a 160-pixel snapshot
            real_save(self, fp, *args, **kwargs)  # type: ignore[arg-type]
            return
        if saved:  # the second sprite: the first one is complete by now
            raise KeyboardInterrupt
        saved.append(fp)
        real_save(self, fp, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Image.Image, "save", save_then_interrupt)
    out_dir = tmp_path / "board"
    code, _, err = run(capsys, server, KEY, "-o", str(out_dir), "--every", "1", "--cols", "4")
    assert code == 130
    assert "interrupted" in err
    assert saved  # the first sprite was encoded ...
    assert not out_dir.exists()  # ... and nothing written, not even the directory


class _RefusesOneTime:
    """The real frame engine (GetMediaInfo included), except that it refuses the snapshot at
    1 s."""

    def __init__(self, engine: SnapshotEngine) -> None:
        self.engine = engine

    def __getattr__(self, name: str) -> object:
        return getattr(self.engine, name)

    def snapshot(self, path: Path, params: SnapshotParams) -> FrameImage:
        if params.time == 1:
            raise FrameError("refused by the test")
        return self.engine.snapshot(path, params)


def test_a_failed_snapshot_writes_nothing(
    video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert video.frame_at(Decimal(1)) == 25  # the snapshot refused is one the board needs
    root = tmp_path / "root"
    (root / KEY).parent.mkdir(parents=True)
    os.link(video.path, root / KEY)
    settings = EmulatorSettings(root=root, anonymous=True)
    with (
        SnapshotEngine() as engine,
        running_emulator(
            settings,
            app=create_app(settings, engine=_RefusesOneTime(engine)),  # type: ignore[arg-type]
        ) as url,
    ):
        out_dir = tmp_path / "board"
        code, _, err = run(capsys, url, KEY, "-o", str(out_dir), "--every", "0.5")
    assert code == 1, err
    assert f"error: {KEY} at 1 s: HTTP 400 InvalidArgument: refused by the test" in err
    assert len(err.splitlines()) == 1
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("argv", "named"),
    [((), "key"), (("--every", "1"), "--every"), (("--count", "3"), "--count")],
)
@pytest.mark.parametrize(
    ("key", "problem"),
    [("videos/missing.mp4", "HTTP 404 NoSuchKey"), (AUDIO_KEY, "no video stream")],
)
def test_a_key_that_is_missing_or_no_video_is_a_usage_error_naming_it_and_the_option(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    named: str,
    key: str,
    problem: str,
) -> None:
    out_dir = tmp_path / "board"
    code, _, err = run(capsys, server, key, "-o", str(out_dir), *argv)
    assert code == 2
    assert err.startswith(
        f"cos-snapshot: error: {named}: needs the video's duration, but GetMediaInfo of {key!r}"
    )
    assert problem in err
    if not argv:  # the default step is not the user's: no option is named
        assert "every" not in err
        assert "count" not in err
    assert len(err.splitlines()) == 1
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--count", "0"), "--count/-n: must be a whole number from 1 to 200, got '0'"),
        (("--count", "201"), "--count/-n: must be a whole number from 1 to 200"),
        (("--every", "0"), "error: --every: must be more than 0 seconds"),
        (("--every=-5",), "error: --every: must be >= 0"),
        (("--every", "0.0005"), "error: --every: cue times are written to the millisecond"),
        (
            ("--every", "0.01"),
            "error: --every: 0.01 s gives 728 cues over 7.28 s; a storyboard has at most 200",
        ),
        (("--format", "png"), "argument --format: invalid choice"),
        (("--width", "0"), "--width: a storyboard's tiles need a width"),
        (("--width", "5000"), "width: must be between 0 and 4096"),
        (("--cols", "100", "--width", "4000", "--format", "webp"), "does not fit in a WEBP sprite"),
    ],
)
def test_bad_input_is_a_usage_error_and_writes_nothing(
    server: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    message: str,
) -> None:
    out_dir = tmp_path / "board"
    try:
        code, _, err = run(capsys, server, KEY, "-o", str(out_dir), *argv)
    except SystemExit as exit_info:  # argparse: its usage, then one error line
        code, err = exit_info.code, capsys.readouterr().err.splitlines()[-1] + "\n"
    assert code == 2
    assert message in err
    assert len(err.splitlines()) == 1
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [("0", "00:00:00.000"), ("7.28", "00:00:07.280"), ("3725.5", "01:02:05.500")],
)
def test_vtt_timestamps(seconds: str, text: str) -> None:
    assert vtt_timestamp(Decimal(seconds)) == text


def test_cue_bounds_are_rounded_to_the_millisecond_and_contiguous() -> None:
    bounds = cue_bounds(Decimal("10"), count=3)
    assert bounds == [Decimal(0), Decimal("3.333"), Decimal("6.667"), Decimal(10)]
    assert cue_bounds(Decimal("12.04"), every="5") == [0, 5, 10, Decimal("12.04")]


@pytest.mark.parametrize("count", [0, -1, True, 201, 2.0])
def test_a_count_outside_the_storyboards_range_is_refused_naming_it(count: object) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        cue_bounds(Decimal(10), count=count)  # type: ignore[arg-type]
    assert str(caught.value) == f"count: must be a whole number from 1 to 200, got {count!r}"


def test_a_rerun_with_fewer_sprites_removes_the_stale_ones_and_nothing_else(
    server: str,
    video: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = tmp_path / "board"
    monkeypatch.setattr(storyboard_module, "MAX_SPRITE_PIXELS", 2 * 4 * 160 * 120)
    code, _, _ = run(capsys, server, KEY, "-o", str(out_dir), "--every", "0.4", "--cols", "4")
    assert code == 0
    assert (out_dir / "storyboard-3.jpg").exists()
    mine = ["storyboard-old.jpg", "storyboard-1.png", "notes.txt", "poster.jpg"]
    for name in mine:
        (out_dir / name).write_text("the user's")
    monkeypatch.undo()

    code, _, _ = run(capsys, server, KEY, "-o", str(out_dir), "--count", "5")
    assert code == 0
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert check_tiles(out_dir, cues, video) == {"storyboard.jpg"}
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(
        ["storyboard.jpg", "storyboard.vtt", *mine]
    )


@pytest.mark.parametrize("prefix", ["https://cdn/x\n\n00:00.000 --> 99:00.000\nevil.jpg", "a\tb"])
def test_a_url_prefix_with_a_control_character_is_refused_naming_the_option(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], prefix: str
) -> None:
    out_dir = tmp_path / "board"
    code, _, err = run(
        capsys, server, KEY, "-o", str(out_dir), "--count", "5", "--url-prefix", prefix
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "--url-prefix" in err
    assert "would break the WebVTT cues" in err
    assert not out_dir.exists()
