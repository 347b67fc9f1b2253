"""``cos-snapshot job``: submit, follow, wait for and cancel snapshot jobs, against the
emulator's jobs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cli_helpers import run

from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

pytestmark = pytest.mark.cos_emulator(anonymous=True, allow_writes=True)


@pytest.fixture
def emulator(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> CosEmulator:
    info = cos_fixture_video.info(duration=4, fps=25, gop=25, size=(320, 240))
    cos_emulator.put("videos/a.mp4", info.path)
    return cos_emulator


def job(emulator: CosEmulator, *argv: str) -> list[str]:
    return ["job", *argv, "--endpoint-url", emulator.endpoint_url, "--anonymous"]


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def test_every_counts_the_shots_from_the_duration_and_waits(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = job(
        emulator,
        "snapshot",
        "videos/a.mp4",
        "--every",
        "1.5",
        "--start",
        "1",
        "--output",
        "out/a/${Number}.jpg",
        "--sprite",
        "2x1",
        "--wait",
        "--poll",
        "0.05",
        "--json",
    )
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    (done,) = lines(out)
    assert done["state"] == "Success"
    # (4 - 1) / 1.5 = 2 shots, numbered from 0; the sprite beside them.
    assert done["outputs"] == ["out/a/0.jpg", "out/a/1.jpg"]
    assert done["sprites"] == ["out/a/sprite-0.jpg"]
    assert (emulator.root / "out/a/1.jpg").is_file()
    assert (emulator.root / "out/a/sprite-0.jpg").is_file()


@pytest.mark.parametrize("start", ["50%", "end"])
def test_start_takes_the_one_time_grammar(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str], start: str
) -> None:
    argv = job(emulator, "snapshot", "videos/a.mp4", "--every", "1", "--start", start)
    output = f"st/{start}/${{Number}}.jpg"
    code, out, err = run(capsys, *argv, "--output", output, "--wait", "--poll", "0.05", "--json")
    assert code == 0, err
    (done,) = lines(out)
    # The fixture video is 4 s long (the first test counts its shots from it): from 0, --every 1
    # would give 4 shots; from 50% (2 s), 2; from the last frame, 1.
    assert len(done["outputs"]) == (2 if start == "50%" else 1)


def test_submit_then_status_list_wait_cancel(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # The emulator keeps its jobs for its life: this test's video is its own, to list by.
    emulator.put("videos/b.mp4", (emulator.root / "videos/a.mp4").read_bytes())
    code, out, err = run(
        capsys,
        *job(emulator, "snapshot", "videos/b.mp4", "--average", "3", "--output", "o/${number}.jpg"),
    )
    assert code == 0, err
    job_id = out.strip()
    code, out, _ = run(capsys, *job(emulator, "wait", job_id, "--poll", "0.05", "--json"))
    assert code == 0
    assert lines(out)[0]["outputs"] == ["o/0.jpg", "o/1.jpg", "o/2.jpg"]
    code, out, err = run(capsys, *job(emulator, "status", job_id, "s0nosuchjob"))
    assert code == 1  # an unknown id
    assert out.startswith(f"{job_id}  Success")
    assert "knows no job s0nosuchjob" in err
    code, out, err = run(
        capsys, *job(emulator, "list", "--state", "Success", "--input", "videos/b.mp4", "--json")
    )
    assert code == 0
    assert [j["id"] for j in lines(out)] == [job_id]
    assert "1 job" in err
    code, out, _ = run(
        capsys, *job(emulator, "list", "--state", "Running", "--input", "videos/b.mp4")
    )
    assert (code, out) == (0, "")
    # The job has ended: the service refuses to cancel it, and the command says so.
    code, out, err = run(capsys, *job(emulator, "cancel", job_id))
    assert (code, out) == (1, "")
    assert "InvalidArgument" in err


def test_a_failed_job_makes_wait_exit_1(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = job(
        emulator, "snapshot", "videos/missing.mp4", "--keyframes", "--output", "o/${Number}.jpg"
    )
    code, out, err = run(capsys, *argv, "--wait", "--poll", "0.05")
    assert code == 1, err
    assert "Failed" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--every", "1", "--output", "o/a.jpg"], "--output: must hold ${Number}"),
        (["--average", "3", "--count", "2", "--output", "o/${Number}.jpg"], "--count goes with"),
        (["--keyframes", "--width", "64", "--output", "o/${Number}.jpg"], "--width"),
        (["--keyframes", "--cell", "8x8", "--output", "o/${Number}.jpg"], "--sprite COLSxROWS"),
        (["--keyframes", "--sprite", "0x2", "--output", "o/${Number}.jpg"], "--sprite"),
        (["--every", "0", "--output", "o/${Number}.jpg"], "--every"),
        (["--every", "1", "--start", "auto", "--output", "o/${Number}.jpg"], "--start: auto"),
        (["--every", "1", "--start", "soon", "--output", "o/${Number}.jpg"], "--start: 'soon'"),
        (["--every", "1", "--start", "100%", "--output", "o/${Number}.jpg"], "--start"),
        (
            [
                "--keyframes",
                "--sprite",
                "2x2",
                "--output",
                "o/${Number}.jpg",
                "--sprite-output",
                "cos://other-1250000000/s/${Number}.jpg",
            ],
            "--sprite-output: must be in the bucket of --output",
        ),
    ],
)
def test_bad_specs_are_usage_errors_naming_the_option(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *job(emulator, "snapshot", "videos/a.mp4", *argv))
    assert code == 2
    assert message in err


def test_an_output_in_another_bucket_names_it_and_the_region(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[bytes] = []
    from cos_snapshot import SnapshotClient  # noqa: PLC0415

    real = SnapshotClient.submit_snapshot_job

    def spy(self: SnapshotClient, key: str, spec: Any) -> Any:
        sent.append(spec)
        return real(self, key, spec)

    monkeypatch.setattr(SnapshotClient, "submit_snapshot_job", spy)
    argv = job(
        emulator,
        "snapshot",
        "videos/a.mp4",
        "--keyframes",
        "--output",
        "cos://other-1250000000/k/${Number}.jpg",
        "--region",
        "ap-beijing",
    )
    run(capsys, *argv)
    (spec,) = sent
    assert (spec.output_bucket, spec.output_region, spec.output) == (
        "other-1250000000",
        "ap-beijing",
        "k/${Number}.jpg",
    )


def test_every_past_the_count_limit_says_where_the_shots_end(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # 4 s every 0.0002 s would be 20,000 shots: the job takes 10,000, which end near 2 s, and
    # the command says so rather than leave the second half of the video without shots.
    argv = job(
        emulator, "snapshot", "videos/a.mp4", "--every", "0.0002", "--output", "x/${Number}.jpg"
    )
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert "20,000 shots" in err
    assert "10,000" in err
    assert "2 s" in err
    # Its 10,000 shots would go on into the next tests' bucket (the server is shared):
    # cancelled, and waited for until it has stopped.
    job_id = out.strip()
    run(capsys, *job(emulator, "cancel", job_id))
    code, out, err = run(capsys, *job(emulator, "wait", job_id, "--poll", "0.05"))
    assert "Cancel" in out + err, out + err


def test_waiting_on_an_output_in_a_bucket_the_emulator_is_not_is_refused_not_success(
    emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # The emulator has one bucket (its root): shots "in" another bucket would land there.
    output = ("--output", "cos://other-1250000000/a/${Number}.jpg")
    argv = job(emulator, "snapshot", "videos/a.mp4", "--keyframes", *output, "--wait")
    code, out, err = run(capsys, *argv)
    assert code != 0, out
    assert "Output/Bucket" in err
    assert not (emulator.root / "a").exists()
