"""Fixture videos with effects (black intro, fade-in, blur, flash, flat): each effect is in the
decoded pixels exactly where the FixtureInfo says, and nowhere else."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image, ImageFilter, ImageStat

from cos_snapshot._shared.blackframe import is_black
from cos_snapshot.testing import FLAT_COLOUR, Effect, FixtureInfo, make_fixture, read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos
from tests.cli_helpers import run

pytest_plugins = ("pytester",)

EFFECTS: dict[str, Any] = {
    "intro_black": 0.4,
    "fade_in": 0.4,
    "blur": (1.2, 1.8),
    "flash": [2.0, 2.6],
    "flat": [(3.0, 3.4), (3.6, 3.8)],
}


def decoded(info: FixtureInfo) -> list[Image.Image]:
    with av.open(str(info.path)) as container:
        return [frame.to_image() for frame in container.decode(video=0)]


def luma(image: Image.Image) -> tuple[float, float]:
    """Mean and standard deviation of the picture's luma."""
    stat = ImageStat.Stat(image.convert("L"))
    return stat.mean[0], stat.stddev[0]


def laplacian_variance(image: Image.Image) -> float:
    kernel = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)
    filtered = image.convert("L").filter(kernel)
    w, h = filtered.size
    # Pillow leaves the outermost pixels unfiltered: they are no Laplacian.
    return float(ImageStat.Stat(filtered.crop((1, 1, w - 1, h - 1))).var[0])


def kinds(info: FixtureInfo, kind: str) -> set[int]:
    return {i for e in info.effects if e.kind == kind for i in e.frames}


@pytest.fixture(scope="module", params=["pattern", "clock"])
def video(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[FixtureInfo, list[Image.Image]]:
    path = tmp_path_factory.mktemp("effects") / "effects.mp4"
    info = make_fixture(path, duration=4, size=(160, 120), style=request.param, **EFFECTS)
    return info, decoded(info)


def test_the_info_lists_the_effects_in_time_order(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, _ = video
    assert [(e.kind, e.start, e.end) for e in info.effects] == [
        ("black", 0, Fraction(2, 5)),
        ("fade-in", Fraction(2, 5), Fraction(4, 5)),
        ("blur", Fraction(6, 5), Fraction(9, 5)),
        ("flash", 2, Fraction(52, 25)),
        ("flash", Fraction(13, 5), Fraction(67, 25)),
        ("flat", 3, Fraction(17, 5)),
        ("flat", Fraction(18, 5), Fraction(19, 5)),
    ]
    assert info.effect_at(Fraction(1, 10)) == info.effects[0]
    assert info.effect_at(Fraction(205, 100)) == info.effects[3]
    assert info.effect_at(1) is None
    assert info.effect_of(info.frame_at(Fraction(39, 10))) is None
    assert "black 0-0.4 s" in str(info)


def test_frames_outside_the_effects_show_their_index(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, frames = video
    clean = [i for i in range(info.frame_count) if info.effect_of(i) is None]
    assert len(clean) == info.frame_count - sum(len(e.frames) for e in info.effects)
    assert [read_frame_index(frames[i], style=info.style) for i in clean] == clean


def test_the_black_intro_is_black_and_nothing_else_is(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, frames = video
    black = {i for i, f in enumerate(frames) if is_black(f.convert("L").histogram())}
    intro = kinds(info, "black")
    assert intro == set(range(10))
    # The first frames of a fade from black are black by the rule too, as in a real video.
    assert intro <= black <= intro | kinds(info, "fade-in")


def test_the_fade_in_ramps_up_to_the_picture(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, frames = video
    (fade,) = (e for e in info.effects if e.kind == "fade-in")
    means = [luma(frames[i])[0] for i in fade.frames]
    after = luma(frames[fade.stop])[0]
    assert means == sorted(means)
    assert len(set(means)) == len(means)
    assert means[0] < after / 5
    assert after * 0.8 < means[-1] < after


def test_blur_lowers_the_sharpness_only_where_it_is(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, frames = video
    blurred = kinds(info, "blur")
    detailed = [i for i in range(info.frame_count) if info.effect_of(i) is None]
    sharpest_blur = max(laplacian_variance(frames[i]) for i in blurred)
    least_sharp_clean = min(laplacian_variance(frames[i]) for i in detailed)
    assert sharpest_blur * 10 < least_sharp_clean
    assert min(luma(frames[i])[1] for i in blurred) > 10  # blurred, not blank


def test_flash_frames_are_white_and_no_others(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, frames = video
    white = {i for i, f in enumerate(frames) if luma(f)[0] > 245}
    assert white == kinds(info, "flash") == {50, 51, 65, 66}


def test_flat_frames_are_uniform_and_no_others(
    video: tuple[FixtureInfo, list[Image.Image]],
) -> None:
    info, frames = video
    expected = luma(Image.new("RGB", (1, 1), FLAT_COLOUR))[0]
    uniform = {i for i, f in enumerate(frames) if luma(f)[1] < 3}
    flat = kinds(info, "flat")
    assert flat == set(range(75, 85)) | set(range(90, 95))
    # Black and white pictures are uniform too; only the flat ones have its colour.
    assert flat <= uniform <= flat | kinds(info, "black") | kinds(info, "flash")
    assert all(abs(luma(frames[i])[0] - expected) < 3 for i in flat)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"intro_black": 1, "fade_in": 1, "blur": (1.5, 2)}, "overlap"),
        ({"flat": (3, 5)}, "ends past the video's end"),
        ({"blur": (2, 1)}, "FROM must be >= 0 and < TO"),
        ({"flat": (1.01, 1.02)}, "covers no frame"),
        ({"flash": 4}, "flash 4 is outside the video"),
        ({"blur": [(1, 2, 3)]}, "blur takes a"),
    ],
)
def test_impossible_effects_are_refused_before_writing(
    tmp_path: Path, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_fixture(tmp_path / "x.mp4", duration=4, size=(64, 48), **arguments)
    assert list(tmp_path.iterdir()) == []


def test_the_plugin_makes_videos_with_effects_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    videos = FixtureVideos(tmp_path_factory)
    info = videos.info(duration=1, size=(64, 48), intro_black=0.2, flash=0.6)
    assert [e.kind for e in info.effects] == ["black", "flash"]
    assert videos.info(duration=1, size=(64, 48), intro_black=0.2, flash=0.6) is info
    assert videos.info(duration=1, size=(64, 48)).effects == ()


def test_make_fixture_cli_writes_a_clock_video_with_effects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clock.mp4"
    code, stdout, stderr = run(
        capsys,
        "make-fixture",
        str(out),
        "--json",
        "--style",
        "clock",
        "--duration",
        "2",
        "--size",
        "96x72",
        "--intro",
        "black:0.2",
        "--fade-in",
        "0.2",
        "--blur",
        "0.8:1",
        "--flash",
        "1.2",
        "--flat",
        "1.4:1.6",
        "--flat",
        "1.8:2",
    )
    assert code == 0, stderr
    record = json.loads(stdout)
    assert record["style"] == "clock"
    assert [(e["kind"], e["start"], e["frames"]) for e in record["effects"]] == [
        ("black", "0", 5),
        ("fade-in", "1/5", 5),
        ("blur", "4/5", 5),
        ("flash", "6/5", 2),
        ("flat", "7/5", 5),
        ("flat", "9/5", 5),
    ]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--intro", "white:1", "must be black:SECONDS"),
        ("--blur", "2", "must be FROM:TO"),
        ("--flat", "1:x", "must be FROM:TO"),
        ("--flash", "-1", "must be a number of seconds"),
        ("--style", "comic", "invalid choice"),
        # One message whatever the value: nan and -1 are no more >= 0 than 0 is > 0.
        ("--fade-in", "0", "must be a number of seconds > 0, got '0'"),
        ("--fade-in", "nan", "must be a number of seconds > 0, got 'nan'"),
        ("--fade-in", "-1", "must be a number of seconds > 0, got '-1'"),
    ],
)
def test_make_fixture_cli_refuses_bad_effects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, "make-fixture", str(tmp_path / "x.mp4"), option, value)
    assert exited.value.code == 2
    stderr = capsys.readouterr().err
    assert option in stderr
    assert message in stderr


def _docs_example() -> str:
    text = (Path(__file__).parent.parent / "docs" / "testing.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```python\n(# test_posters.py\n.*?)^```", text, re.M | re.S)
    return block


@pytest.mark.parametrize(("chosen", "outcome"), [("2.5", "passed"), ("0.5", "failed")])
def test_the_docs_example_judges_a_time_by_the_effects(
    pytester: pytest.Pytester, chosen: str, outcome: str
) -> None:
    """docs/testing.md's example passes, and fails for a time in the black intro."""
    example = _docs_example()
    assert "chosen = 2.5" in example
    pytester.makepyfile(test_posters=example.replace("chosen = 2.5", f"chosen = {chosen}"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(**{outcome: 1})


def test_effect_covers_its_times() -> None:
    effect = Effect("blur", Fraction(1), Fraction(2), 25, 50)
    assert effect.covers(Fraction(1))
    assert not effect.covers(Fraction(2))
    assert effect.frames == range(25, 50)
