"""docs/recipes.md works: its shell recipes against the emulator, its async test with pytest."""

from __future__ import annotations

import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from cos_snapshot.testing import read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "docs" / "recipes.md"


def _section(title: str) -> str:
    text = RECIPES.read_text(encoding="utf-8")
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    assert found, f"docs/recipes.md: no section {title!r}"
    return found.group(1)


def _blocks(section: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", section, re.DOTALL | re.MULTILINE)


def _run_shell(block: str, emulator: CosEmulator, cwd: Path) -> str:
    """A recipe's commands in bash, with the environment the page's offline set-up gives them:
    the emulator's endpoint and key pair, no bucket. ``cos-snapshot`` is this interpreter's."""
    assert emulator.credentials is not None
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COS_", "TENCENTCLOUD_"))
    }
    env.update(
        COS_ENDPOINT_URL=emulator.endpoint_url,
        TENCENTCLOUD_SECRET_ID=emulator.credentials.secret_id,
        TENCENTCLOUD_SECRET_KEY=emulator.credentials.secret_key,
    )
    script = (
        "set -euo pipefail\n"
        f'cos-snapshot() {{ {shlex.quote(sys.executable)} -m cos_snapshot "$@"; }}\n' + block
    )
    result = subprocess.run(
        ["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def videos(cos_emulator: CosEmulator, cos_fixture_video: Callable[..., Path]) -> CosEmulator:
    """The emulator holding the two videos the recipes name: 4 s and 6 s at 25 frames/s."""
    cos_emulator.put("videos/a.mp4", cos_fixture_video(duration=4))
    cos_emulator.put("videos/b.mp4", cos_fixture_video(duration=6))
    return cos_emulator


def _frame(path: Path) -> int:
    with Image.open(path) as image:
        return read_frame_index(image)


def test_a_poster_per_video_is_each_video_s_middle(videos: CosEmulator, tmp_path: Path) -> None:
    first, from_a_list = _blocks(_section("A poster per video"), "sh")
    for number, block in enumerate((first, from_a_list)):
        work = tmp_path / str(number)
        work.mkdir()
        _run_shell(block, videos, work)
        posters = work / "posters"
        assert sorted(p.name for p in posters.iterdir()) == ["a.jpg", "b.jpg"]
        # 50 % of 4 s and of 6 s at 25 frames/s: frames 50 and 75.
        assert (_frame(posters / "a.jpg"), _frame(posters / "b.jpg")) == (50, 75)
        with Image.open(posters / "a.jpg") as image:
            assert image.width == 640


def test_a_poster_for_every_video_under_a_prefix_is_stored_beside_it_once(
    videos: CosEmulator, tmp_path: Path
) -> None:
    (block,) = _blocks(
        _section("A poster for every video under a prefix, stored beside them"), "sh"
    )
    first = _run_shell(block, videos, tmp_path)
    assert "2 done, 0 skipped, 0 failed of 2 items" in first
    with videos.client() as client:
        stored = {s.key: s.etag for s in client.iter_objects("videos/")}
        assert sorted(stored) == ["videos/a.jpg", "videos/a.mp4", "videos/b.jpg", "videos/b.mp4"]
        # 50 % of 4 s and of 6 s at 25 frames/s: frames 50 and 75.
        frames = []
        for key in ("videos/a.jpg", "videos/b.jpg"):
            with Image.open(io.BytesIO(client.get_object(key))) as image:
                frames.append(read_frame_index(image))
        assert frames == [50, 75]
        again = _run_shell(block, videos, tmp_path)
        assert "0 done, 2 skipped, 0 failed of 2 items" in again
        assert {s.key: s.etag for s in client.iter_objects("videos/")} == stored


def test_a_storyboard_for_a_player(videos: CosEmulator, tmp_path: Path) -> None:
    (block,) = _blocks(_section("A storyboard for a player"), "sh")
    _run_shell(block, videos, tmp_path)
    board = tmp_path / "site" / "boards" / "a"
    assert sorted(p.name for p in board.iterdir()) == ["storyboard.jpg", "storyboard.vtt"]
    vtt = (board / "storyboard.vtt").read_text(encoding="utf-8")
    # --every 2 on a 4 s video: two cues, the sprite named relative to the VTT.
    assert re.findall(r"^\S+ --> \S+$", vtt, re.MULTILINE) == [
        "00:00:00.000 --> 00:00:02.000",
        "00:00:02.000 --> 00:00:04.000",
    ]
    assert "\nstoryboard.jpg#xywh=0,0," in vtt
    # The page's player snippet points at the file the command wrote.
    (html,) = _blocks(_section("A storyboard for a player"), "html")
    assert 'src: "/boards/a/storyboard.vtt"' in html


def test_the_ci_recipe_gives_the_action_only_inputs_it_has() -> None:
    yaml = pytest.importorskip("yaml")
    (workflow,) = _blocks(_section("The contract suite in CI"), "yaml")
    (step,) = yaml.safe_load(workflow)["jobs"]["contract"]["steps"]
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert step["uses"].startswith("<owner>/cos-snapshot@")
    assert set(step["with"]) <= set(action["inputs"])
    (shell,) = _blocks(_section("The contract suite in CI"), "sh")
    assert "cos-snapshot contract --live" in shell


def _async_recipe() -> str:
    (block,) = _blocks(_section("An async test with the fixtures"), "python")
    assert block.startswith("# test_async_thumbnails.py\n")
    return block


def test_the_async_recipe_passes_with_anyio_s_plugin_alone(pytester: pytest.Pytester) -> None:
    """As in a user's project: no pytest-asyncio (its plugin is turned off), no configuration;
    the anyio marker is enough."""
    pytester.makepyfile(test_async_thumbnails=_async_recipe())
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_async_recipe_can_fail(pytester: pytest.Pytester) -> None:
    """Its assertion reads the frames back: a wrong expectation fails it."""
    recipe = _async_recipe()
    assert "1.5: 37}" in recipe
    pytester.makepyfile(test_async_thumbnails=recipe.replace("1.5: 37}", "1.5: 38}"))
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
