"""``storyboard --server-side`` and ``batch --server-side``: the tools' work done by snapshot
jobs on the emulator, every tile and shot read back against the fixture's own truth."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import frame, run
from PIL import Image
from test_storyboard import check_tiles, read_vtt

import cos_snapshot.cli._batch_jobs as batch_jobs
from cos_snapshot import CosInvalidArgumentError, TimeSelection
from cos_snapshot._shared.files import LineLog
from cos_snapshot.testing import FixtureInfo
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos
from cos_snapshot.tools.batch import JOBS_FILE_NAME, WORK_PREFIX, JobsFile
from cos_snapshot.tools.batch.jobs import job_output_name, job_spec_for

pytestmark = pytest.mark.cos_emulator(anonymous=True, allow_writes=True)

KEY = "videos/clip.mp4"


@pytest.fixture
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    # 182 frames: 7.28 s, not a multiple of any step used below.
    return cos_fixture_video.info(duration=Fraction(182, 25), fps=25, gop=25, size=(160, 120))


@pytest.fixture
def emulator(cos_emulator: CosEmulator, video: FixtureInfo) -> CosEmulator:
    cos_emulator.put(KEY, video.path)
    return cos_emulator


def cli(emulator: CosEmulator, command: str, *argv: str) -> list[str]:
    return [command, *argv, "--endpoint-url", emulator.endpoint_url, "--anonymous"]


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


# -- storyboard --server-side ---------------------------------------------------------------


def test_a_server_side_storyboard_shows_the_frames_its_vtt_says(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    argv = ["-o", str(out_dir), "--every", "0.5", "--cols", "4", "--server-side", "--poll", "0.05"]
    code, out, err = run(capsys, "--json", *cli(emulator, "storyboard", KEY, *argv))
    assert code == 0, err
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert [start for start, _, _ in cues] == [Fraction(i, 2) for i in range(15)]
    assert cues[-1][1] == video.end
    assert check_tiles(out_dir, cues, video) == {"storyboard.jpg"}
    assert json.loads(out)["cues"][5]["box"] == [160, 120, 160, 120]
    assert sorted(p.name for p in out_dir.iterdir()) == ["storyboard.jpg", "storyboard.vtt"]
    # One job made every sprite; it wrote them in the bucket's work place.
    (job,) = (emulator.root / WORK_PREFIX.rstrip("/") / "storyboard").iterdir()
    assert [p.name for p in job.iterdir()] == ["storyboard-0.jpg"]


def test_a_server_side_storyboard_over_several_sprites_and_a_count(
    emulator: CosEmulator,
    video: FixtureInfo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cos_snapshot.tools.storyboard as storyboard_module  # noqa: PLC0415

    # Two rows of three 80x60 tiles per sprite: 7 cues in two sprites.
    monkeypatch.setattr(storyboard_module, "MAX_SPRITE_PIXELS", 2 * 3 * 80 * 60)
    out_dir = tmp_path / "board"
    argv = ["-o", str(out_dir), "--count", "7", "--width", "80", "--cols", "3"]
    code, _, err = run(capsys, *cli(emulator, "storyboard", KEY, *argv, "--server-side"))
    assert code == 0, err
    cues = read_vtt(out_dir / "storyboard.vtt")
    assert [start for start, _, _ in cues] == [Fraction(728 * i, 700) for i in range(7)]
    assert check_tiles(out_dir, cues, video) == {"storyboard-1.jpg", "storyboard-2.jpg"}
    assert cues[6][2] == "storyboard-2.jpg#xywh=0,0,80,60"


def test_a_server_side_storyboard_in_the_bucket_is_left_where_the_job_wrote_it(
    emulator: CosEmulator, video: FixtureInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["-o", "cos:///boards/clip/", "--every", "1", "--server-side", "--poll", "0.05"]
    code, out, err = run(capsys, "--json", *cli(emulator, "storyboard", KEY, *argv))
    assert code == 0, err
    board = emulator.root / "boards/clip"
    cues = read_vtt(board / "storyboard.vtt")
    assert len(cues) == 8
    assert check_tiles(board, cues, video) == {"storyboard-0.jpg"}
    assert json.loads(out)["sprites"] == ["cos:///boards/clip/storyboard-0.jpg"]
    assert not (emulator.root / WORK_PREFIX).exists()


def test_webp_is_refused_with_server_side(
    emulator: CosEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["-o", str(tmp_path / "b"), "--format", "webp", "--server-side"]
    code, _, err = run(capsys, *cli(emulator, "storyboard", KEY, *argv))
    assert code == 2
    assert "--format webp" in err
    assert "jpg" in err
    assert not (tmp_path / "b").exists()


def test_a_server_side_storyboard_of_no_video_fails_without_a_vtt(
    emulator: CosEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put("videos/text.mp4", b"not a video")
    argv = ["-o", str(tmp_path / "b"), "--server-side"]
    code, _, err = run(capsys, *cli(emulator, "storyboard", "videos/text.mp4", *argv))
    assert code == 2, err  # GetMediaInfo tells before any job is submitted
    assert not (tmp_path / "b" / "storyboard.vtt").exists()


# -- batch --server-side --------------------------------------------------------------------


def batch_argv(emulator: CosEmulator, *argv: str) -> list[str]:
    return cli(emulator, "batch", "--server-side", *argv)


def test_count_is_the_middle_of_n_slices_and_a_rerun_collects_nothing_twice(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put("videos/sub/two.mp4", video.path)
    out_dir = tmp_path / "out"
    argv = batch_argv(emulator, "--prefix", "videos/", "--count", "4", "-o", str(out_dir))
    code, out, err = run(capsys, "--json", *argv)
    assert code == 0, err
    results = {r["key"]: r for r in lines(out) if r["type"] == "job"}
    assert {k: r["status"] for k, r in results.items()} == {
        KEY: "done",
        "videos/sub/two.mp4": "done",
    }
    for stem in ("clip", "sub/two"):
        for i in range(4):
            time = Fraction(2 * i + 1, 8) * video.end  # the middle of the i-th of 4 slices
            assert frame(out_dir / f"{stem}_{i}.jpg") == video.frame_at(time), (stem, i)
    assert not (out_dir / "clip_4.jpg").exists()
    jobs_file = out_dir / JOBS_FILE_NAME
    before = jobs_file.read_text()
    assert {r["job_id"] for r in map(json.loads, before.splitlines())} == {
        r["job_id"] for r in results.values()
    }
    # Run again: every video collected already, nothing submitted.
    code, out, err = run(capsys, "--json", *argv)
    assert code == 0, err
    assert {r["status"] for r in lines(out) if r["type"] == "job"} == {"skipped"}
    assert jobs_file.read_text() == before


def test_every_into_the_bucket_and_a_video_that_fails_fails_alone(
    emulator: CosEmulator, video: FixtureInfo, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put("videos/broken.mp4", b"not a video")
    argv = batch_argv(emulator, "--prefix", "videos/", "--every", "3", "-o", "cos:///shots/")
    code, out, err = run(capsys, "--json", *argv)
    assert code == 1, err
    results = {r["key"]: r for r in lines(out) if r["type"] == "job"}
    assert results["videos/broken.mp4"]["status"] == "failed"
    assert results[KEY]["outputs"] == [f"cos:///shots/clip_{i}.jpg" for i in range(3)]
    for i in range(3):  # 0, 3, 6 s: before the end at 7.28 s
        assert frame(emulator.root / f"shots/clip_{i}.jpg") == video.frame_at(3 * i)
    assert Path(JOBS_FILE_NAME).is_file()  # for cos:// outputs, in the current directory


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(batch_jobs, "POLL_S", 0.05)


def test_a_rerun_waits_for_its_jobs_and_submits_again_those_the_service_forgot(
    emulator: CosEmulator, video: FixtureInfo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.put("videos/rerun-b.mp4", video.path)
    out_dir = tmp_path / "out"
    argv = batch_argv(emulator, "videos/clip.mp4", "videos/rerun-b.mp4", "--count", "2")
    code, out, err = run(capsys, "--json", *argv, "-o", str(out_dir))
    assert code == 0, err
    jobs_file = out_dir / JOBS_FILE_NAME
    rows = [json.loads(line) for line in jobs_file.read_text().splitlines()]
    first = {r["key"]: r["job_id"] for r in rows}
    # As if killed before collecting: the clip's job waits in the file, uncollected, and b's
    # is one the service never heard of; a torn last line is skipped.
    spec = next(r["spec"] for r in rows if r["key"] == KEY)
    spec_b = next(r["spec"] for r in rows if r["key"] == "videos/rerun-b.mp4")
    jobs_file.write_text(
        json.dumps({"key": KEY, "job_id": first[KEY], "spec": spec})
        + "\n"
        + json.dumps({"key": "videos/rerun-b.mp4", "job_id": "s0forgotten", "spec": spec_b})
        + '\n{"key": "videos/'
    )
    for path in out_dir.glob("*.jpg"):
        path.unlink()
    code, out, err = run(capsys, "--json", *argv, "-o", str(out_dir))
    assert code == 0, err
    results = {r["key"]: r for r in lines(out) if r["type"] == "job"}
    assert results[KEY]["job_id"] == first[KEY]  # waited for and collected, not submitted
    assert results["videos/rerun-b.mp4"]["job_id"] not in {
        "s0forgotten",
        first["videos/rerun-b.mp4"],
    }
    assert {r["status"] for r in results.values()} == {"done"}
    assert frame(out_dir / "videos/rerun-b_1.jpg") == video.frame_at(Fraction(3, 4) * video.end)
    records = JobsFile(jobs_file).records
    assert records["videos/rerun-b.mp4"].job_id == results["videos/rerun-b.mp4"]["job_id"]
    assert records["videos/rerun-b.mp4"].collected
    assert records[KEY].collected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--times", "0,1"], "--times"),
        (["--count", "2", "--format", "png"], "--format png"),
        (["--count", "2", "--name-template", "{key}.jpg"], "--name-template"),
        ([], "--count N or --every S"),
    ],
)
def test_what_a_job_cannot_do_is_refused(
    emulator: CosEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, _, err = run(capsys, *batch_argv(emulator, KEY, *argv, "-o", str(tmp_path / "o")))
    assert code == 2
    assert message in err
    assert not (tmp_path / "o").exists()


def test_the_line_log_survives_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b"')
    log = LineLog(path)
    log.append(b'{"c": 3}')
    log.close()
    assert path.read_bytes() == b'{"a": 1}\n{"b"\n{"c": 3}\n'
    with pytest.raises(OSError, match="directory"):
        LineLog(tmp_path)


def test_server_side_sprites_are_jpeg(
    emulator: CosEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "board"
    code, _, err = run(
        capsys,
        *cli(emulator, "storyboard", KEY, "-o", str(out_dir), "--server-side", "--poll", "0.05"),
    )
    assert code == 0, err
    with Image.open(out_dir / "storyboard.jpg") as sprite:
        assert sprite.format == "JPEG"
        assert sprite.size == (2 * 160, 120)  # two cues of 5 s, side by side


def test_job_specs_keep_the_batchs_meanings() -> None:
    spec = job_spec_for(TimeSelection(count=4), Decimal("8"), "o/a_${Number}.jpg")
    assert (spec.mode, spec.start, spec.time_interval, spec.count) == ("Interval", 1.0, 2.0, 4)
    spec = job_spec_for(TimeSelection(every="3"), Decimal("7.28"), "o/a_${Number}.jpg")
    assert (spec.start, spec.time_interval, spec.count) == (0.0, 3.0, 3)
    with pytest.raises(CosInvalidArgumentError, match="time"):
        job_spec_for(TimeSelection(("1", "2")), Decimal(8), "o/a_${Number}.jpg")


@pytest.mark.parametrize(
    ("key", "prefix", "name"),
    [
        ("videos/a/intro.mp4", "videos/", "a/intro_${Number}.jpg"),
        ("videos/intro.mp4", "", "videos/intro_${Number}.jpg"),
        ("clip", "", "clip_${Number}.jpg"),
    ],
)
def test_shot_names_keep_the_keys_path(key: str, prefix: str, name: str) -> None:
    assert job_output_name(key, prefix) == name


@pytest.mark.parametrize("key", ["videos/../x.mp4", "videos/", "../x.mp4"])
def test_a_key_that_would_leave_the_output_names_nothing(key: str) -> None:
    with pytest.raises(ValueError, match="cannot name outputs"):
        job_output_name(key, "")


def test_the_emulator_answers_a_job_path_of_50_ids_longer_than_a_key(
    emulator: CosEmulator,
) -> None:
    ids = [f"j{number:032x}" for number in range(50)]  # 1,699 bytes of path: over 850
    with emulator.client() as client:
        found = client.get_jobs(ids)
    assert found.unknown_ids == tuple(ids)
