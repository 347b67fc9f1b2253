"""``auto`` on the videos it must get right (issue: a black intro, a fade-in, a blurred first half,
white flash frames, a picture uniform but for a detailed stretch): the poster ``get --time auto``
and ``batch --times auto`` choose is neither black, blank nor blurred.

Each is judged from the pixels, not by the scorer under test: the poster beside the frame of a
clean video with the same picture at the same time (the clock style draws a frame from its time
alone), fetched at the same size. Not black: its mean luma is near the clean frame's and above
40; not blank: its luma varies as much; not blurred: its edges (Pillow's FIND_EDGES) are at
least half as strong. Where the effect makes a frame plainly bad (black, blur, flash, flat),
the chosen time is also outside it (``FixtureInfo.effect_at``).
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import batch, run
from PIL import Image, ImageFilter, ImageStat

from cos_snapshot.testing import FixtureInfo
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

pytestmark = pytest.mark.cos_emulator(anonymous=True)

DURATION = 4
#: The candidates on a 4 s video: the middles of 8 slices of its first 2.4 s.
CANDIDATES = [Fraction(3, 20) + i * Fraction(3, 10) for i in range(8)]
VIDEO = {"duration": DURATION, "fps": 25, "gop": 25, "size": (320, 240), "style": "clock"}

KINDS: dict[str, dict[str, Any]] = {
    # The first four candidates black.
    "black-intro": {"intro_black": Fraction(6, 5)},
    # The first six candidates under a fade from black (the last of them at 91 %).
    "fade-in": {"fade_in": Fraction(9, 5)},
    # Seven candidates of eight blurred.
    "blurred-first-half": {"blur": (0, 2)},
    # Six candidates of eight white (a flash on each, two frames long).
    "white-flashes": {"flash": CANDIDATES[:6]},
    # Uniform but from 1 s to 1.7 s: three candidates (1.05, 1.35, 1.65) see the detail.
    "detailed-stretch": {"flat": [(0, 1), (Fraction(17, 10), DURATION)]},
}
#: The kinds whose every affected frame is a bad poster (a fade's last frames are fine).
PLAINLY_BAD = {"black-intro", "blurred-first-half", "white-flashes", "detailed-stretch"}


def test_the_kinds_put_at_least_two_candidates_under_their_effect_and_leave_some_clean(
    cos_fixture_video: FixtureVideos,
) -> None:
    # The test videos are what the issue asks for: else the test below proves nothing.
    for name, effects in KINDS.items():
        info = cos_fixture_video.info(name=f"{name}.mp4", **VIDEO, **effects)
        affected = [t for t in CANDIDATES if info.effect_at(t) is not None]
        assert len(affected) >= 4, name
        if name == "detailed-stretch":
            assert len(CANDIDATES) - len(affected) >= 2


@pytest.fixture(scope="module")
def clean(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(name="clean.mp4", **VIDEO)


def picture(content: bytes) -> Image.Image:
    with Image.open(io.BytesIO(content)) as image:
        return image.convert("L")


def edges(image: Image.Image) -> float:
    return float(ImageStat.Stat(image.filter(ImageFilter.FIND_EDGES)).mean[0])


def assert_a_good_poster(poster: Image.Image, reference: Image.Image, what: str) -> None:
    """``poster`` is neither black, blank nor blurred, beside ``reference`` (the clean frame)."""
    mean, reference_mean = ImageStat.Stat(poster).mean[0], ImageStat.Stat(reference).mean[0]
    spread, reference_spread = (
        ImageStat.Stat(poster).stddev[0],
        ImageStat.Stat(reference).stddev[0],
    )
    assert mean > 40, f"{what}: black (mean luma {mean:.1f})"
    assert mean > 0.8 * reference_mean, f"{what}: dark ({mean:.1f} of {reference_mean:.1f})"
    assert spread > 0.7 * reference_spread, (
        f"{what}: blank ({spread:.1f} of {reference_spread:.1f})"
    )
    assert edges(poster) > 0.5 * edges(reference), f"{what}: blurred"


@pytest.mark.parametrize("kind", list(KINDS))
def test_get_time_auto_avoids_the_bad_frames(
    kind: str,
    cos_emulator: CosEmulator,
    cos_fixture_video: FixtureVideos,
    clean: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    info = cos_fixture_video.info(name=f"{kind}.mp4", **VIDEO, **KINDS[kind])
    cos_emulator.put(f"{kind}.mp4", info.path)
    cos_emulator.put("clean.mp4", clean.path)
    output = tmp_path / "poster.jpg"
    server = ("--endpoint-url", cos_emulator.endpoint_url, "--anonymous")
    argv = ("get", f"{kind}.mp4", "--time", "auto", "--width", "320", "-o", str(output))
    code, out, err = run(capsys, "--json", *argv, *server)
    assert code == 0, err
    result = json.loads(out)
    time = Decimal(result["time"])
    assert not result["poster"]["fallback"]
    with cos_emulator.client() as client:
        reference = client.get_snapshot("clean.mp4", time, width=320)
    assert_a_good_poster(picture(output.read_bytes()), picture(reference.content), kind)
    if kind in PLAINLY_BAD:
        assert info.effect_at(time) is None, f"{kind}: {time} s is under {info.effect_at(time)}"


def test_batch_times_auto_avoids_the_bad_frames_of_many_videos(
    cos_emulator: CosEmulator,
    cos_fixture_video: FixtureVideos,
    clean: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    infos = {}
    for kind, effects in KINDS.items():
        infos[kind] = cos_fixture_video.info(name=f"{kind}.mp4", **VIDEO, **effects)
        cos_emulator.put(f"videos/{kind}.mp4", infos[kind].path)
    cos_emulator.put("clean.mp4", clean.path)
    argv = batch(cos_emulator.endpoint_url, "--prefix", "videos/", "--times", "auto")
    code, out, err = run(capsys, "--json", *argv, "--width", "320", "-o", str(tmp_path))
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    items = [r for r in records if r["type"] == "item"]
    assert len(items) == len(KINDS)
    with cos_emulator.client() as client:
        for record in items:
            kind = Path(record["key"]).stem
            assert Path(record["output"]).name == f"{kind}_auto.jpg"
            time = Decimal(record["chosen_time"])
            reference = client.get_snapshot("clean.mp4", time, width=320)
            poster = picture(Path(record["output"]).read_bytes())
            assert_a_good_poster(poster, picture(reference.content), kind)
            if kind in PLAINLY_BAD:
                assert infos[kind].effect_at(time) is None, kind


@pytest.mark.cos_emulator  # signed, as the recipes page sets it up
def test_the_recipe_puts_the_best_poster_of_every_video_into_the_bucket_once(
    cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos, clean: FixtureInfo, tmp_path: Path
) -> None:
    from test_docs_recipes import _blocks, _run_shell, _section  # noqa: PLC0415

    title = "The best poster for every video under a prefix, into the bucket"
    (block,) = _blocks(_section(title), "sh")
    black = cos_fixture_video.info(name="black-intro.mp4", **VIDEO, **KINDS["black-intro"])
    cos_emulator.put("videos/a.mp4", black.path)
    cos_emulator.put("videos/b.mp4", clean.path)
    listing = _run_shell(block, cos_emulator, tmp_path)
    assert "posters/a.jpg" in listing
    assert "posters/b.jpg" in listing

    def items() -> list[dict[str, Any]]:
        lines = (tmp_path / "posters.jsonl").read_text(encoding="utf-8").splitlines()
        return [r for r in map(json.loads, lines) if r["type"] == "item"]

    chosen = {r["key"]: Decimal(r["chosen_time"]) for r in items()}
    assert black.effect_at(chosen["videos/a.mp4"]) is None
    with cos_emulator.client() as client:
        poster = client.get_object("posters/a.jpg")
        reference = client.get_snapshot("videos/b.mp4", chosen["videos/a.mp4"], width=640)
    assert_a_good_poster(picture(poster), picture(reference.content), "recipe")
    # Again: both posters are there, so no frame is asked for (a.mp4 is no video any more).
    cos_emulator.put("videos/a.mp4", b"not a video any more")
    _run_shell(block, cos_emulator, tmp_path)
    assert [r["status"] for r in items()] == ["skipped", "skipped"]
