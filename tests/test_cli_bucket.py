"""The command line and the bucket: ``cos://`` places, ``ls``, ``batch --prefix`` and outputs
PUT into the bucket, against the real emulator."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from cli_helpers import batch, frame, run

from cos_snapshot import AsyncSnapshotClient, CosServiceError, SnapshotArgs
from cos_snapshot.cli._common import BucketPath, UsageError, bucket_path
from cos_snapshot.cli._progress import PlainProgress
from cos_snapshot.testing.pytest_plugin import CosEmulator
from cos_snapshot.tools.batch import BatchItem, ItemResult, PlannedItem

BUCKET = "examplebucket-1250000000"


def _args(bucket: str | None = None, endpoint_url: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(bucket=bucket, endpoint_url=endpoint_url)


# -- cos:// places ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bucket", "endpoint", "expected"),
    [
        (f"cos://{BUCKET}/videos/", None, None, BucketPath(BUCKET, "videos/")),
        (f"cos://{BUCKET}", None, None, BucketPath(BUCKET, "")),
        (f"cos://{BUCKET}/", "other-1250000000", None, BucketPath(BUCKET, "")),
        ("cos:///posters/", BUCKET, None, BucketPath(BUCKET, "posters/")),
        ("cos:///posters/", None, "http://127.0.0.1:9000", BucketPath(None, "posters/")),
        ("cos://", BUCKET, None, BucketPath(BUCKET, "")),
        ("videos/", BUCKET, None, BucketPath(BUCKET, "videos/")),
    ],
)
def test_bucket_paths_name_the_bucket_or_take_the_one_in_use(
    text: str, bucket: str | None, endpoint: str | None, expected: BucketPath
) -> None:
    args = _args(bucket, endpoint)
    assert bucket_path(text, args, option="-o") == expected
    assert args.bucket == expected.bucket


def test_no_bucket_and_no_endpoint_names_the_bucket_option() -> None:
    with pytest.raises(UsageError, match="--bucket"):
        bucket_path("cos:///posters/", _args(), option="-o")


def test_a_first_segment_that_is_no_bucket_suggests_the_bucket_in_use() -> None:
    with pytest.raises(UsageError, match="cos:///posters/"):
        bucket_path("cos://posters/", _args(BUCKET), option="-o")


def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("COS_BUCKET", "COS_ENDPOINT_URL", "COS_REGION"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(capsys, "ls", "cos:///videos/", "--anonymous")
    assert code == 2
    assert "--bucket" in err
    code, _, err = run(capsys, "ls", "cos://posters/", "--anonymous", "--bucket", BUCKET)
    assert code == 2
    assert "cos:///posters/" in err


# -- ls --------------------------------------------------------------------------------------


def _ls(emulator: CosEmulator, *argv: str) -> list[str]:
    return ["ls", *argv, "--endpoint-url", emulator.endpoint_url, "--anonymous"]


@pytest.mark.cos_emulator(anonymous=True)
def test_ls_lists_keys_sizes_and_times_under_a_prefix(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    cos_emulator.put("videos/a/intro.mp4", b"x" * 10)
    cos_emulator.put("videos/b/intro.mp4", b"y" * 3)
    cos_emulator.put("videos/top.mp4", b"z")
    cos_emulator.put("other.mp4", b"w")
    code, out, err = run(capsys, *_ls(cos_emulator, "videos/"))
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[-1] for line in lines] == [
        "videos/a/intro.mp4",
        "videos/b/intro.mp4",
        "videos/top.mp4",
    ]
    assert lines[0].split()[2] == "10"
    assert "3 objects under videos/" in err
    code, out, err = run(capsys, *_ls(cos_emulator, "cos:///videos/", "--delimiter", "/"))
    assert code == 0, err
    assert [line.split() for line in out.splitlines()][:2] == [
        ["PRE", "videos/a/"],
        ["PRE", "videos/b/"],
    ]
    assert out.splitlines()[2].endswith("videos/top.mp4")
    code, out, err = run(capsys, *_ls(cos_emulator, "videos/a/", "--json"))
    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["key"], r["size"]) for r in records] == [("videos/a/intro.mp4", 10)]
    assert records[0]["last_modified"].endswith("Z")


@pytest.mark.cos_emulator(anonymous=True)
def test_ls_of_a_prefix_with_no_objects_says_so_and_exits_0(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, *_ls(cos_emulator, "nothing/"))
    assert (code, out) == (0, "")
    assert "0 objects under nothing/" in err


def test_ls_refused_exits_1_with_the_services_message(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    # A signed emulator refuses the unsigned listing.
    code, _, err = run(capsys, *_ls(cos_emulator, "videos/"))
    assert code == 1
    assert "AccessDenied" in err or "403" in err, err


def test_ls_is_a_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        run(capsys, "ls", "--help")
    out, _ = capsys.readouterr()
    assert "cos://" in out
    assert "0 objects under PREFIX" in out


# -- batch --prefix --------------------------------------------------------------------------


@pytest.mark.cos_emulator(anonymous=True)
def test_batch_prefix_takes_every_video_under_it_keeping_paths_and_fails_non_videos_alone(
    cos_emulator: CosEmulator,
    cos_fixture_video: Any,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    video = cos_fixture_video(duration=2, fps=10, gop=10, size=(96, 64))
    for key in ("videos/a/intro.mp4", "videos/b/intro.MP4", "videos/c.mov"):
        cos_emulator.put(key, video.read_bytes())
    cos_emulator.put("videos/broken.mp4", b"not a video")
    cos_emulator.put("videos/notes.txt", b"skipped by --match")
    cos_emulator.put("elsewhere/x.mp4", video.read_bytes())
    out_dir = tmp_path / "posters"
    argv = [
        "batch",
        "--prefix",
        "videos/",
        "--times",
        "50%",
        "-o",
        str(out_dir),
        "--endpoint-url",
        cos_emulator.endpoint_url,
        "--anonymous",
    ]
    code, out, err = run(capsys, *argv)
    assert code == 1, err  # broken.mp4 failed alone
    assert "3 done, 0 skipped, 1 failed of 4 items" in out
    written = sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*.jpg"))
    assert written == ["a/intro_00001.000.jpg", "b/intro_00001.000.jpg", "c_00001.000.jpg"]
    assert {frame(out_dir / name) for name in written} == {10}
    failures = [json.loads(line) for line in (out_dir / "failures.jsonl").read_text().splitlines()]
    assert [row["key"] for row in failures] == ["videos/broken.mp4"]
    code, out, _ = run(capsys, *argv)
    assert "0 done, 3 skipped, 1 failed of 4 items" in out
    code, out, err = run(capsys, *argv, "--match", "*.TXT")
    assert code == 1, err
    assert "0 done, 0 skipped, 1 failed of 1 item" in out
    assert "videos/notes.txt" in (out_dir / "failures.jsonl").read_text()
    code, out, err = run(
        capsys, *[a for a in argv if a != "50%" and a != "--times"], "--count", "2"
    )
    assert code == 1, err
    assert "videos/broken.mp4" in (out_dir / "failures.jsonl").read_text()


@pytest.mark.cos_emulator(anonymous=True)
def test_batch_prefix_with_no_objects_says_so_and_exits_0(
    cos_emulator: CosEmulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _out, err = run(
        capsys,
        "batch",
        "--prefix",
        "cos:///nothing/",
        "--times",
        "1",
        "-o",
        str(tmp_path),
        "--endpoint-url",
        cos_emulator.endpoint_url,
        "--anonymous",
    )
    assert code == 0, err
    assert "0 objects under nothing/" in err


@pytest.fixture
def first_media_info_fails(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The async client's first GetMediaInfo fails (a 503 past the retries), the others are
    asked: the keys asked, in order."""
    real = AsyncSnapshotClient.get_media_info
    asked: list[str] = []

    async def flaky(self: AsyncSnapshotClient, key: str, **kwargs: Any) -> Any:
        asked.append(key)
        if len(asked) == 1:
            raise CosServiceError(503, "SlowDown", "busy")
        return await real(self, key, **kwargs)

    monkeypatch.setattr(AsyncSnapshotClient, "get_media_info", flaky)
    return asked


@pytest.mark.cos_emulator(anonymous=True)
def test_batch_prefix_count_whose_media_info_failed_once_fails_rather_than_taking_the_end(
    cos_emulator: CosEmulator,
    cos_fixture_video: Any,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    first_media_info_fails: list[str],
) -> None:
    # The GetMediaInfo that plans --count's times fails (a 503 past the retries); the one the
    # run would ask again succeeds. The video must fail, listed for a re-take: one snapshot
    # at its end, reported done, would pass for the three it was to have.
    cos_emulator.put("videos/a.mp4", cos_fixture_video(duration=2, fps=10, gop=10, size=(96, 64)))
    out_dir = tmp_path / "shots"
    argv = batch(
        cos_emulator.endpoint_url, "--prefix", "videos/", "--count", "3", "-o", str(out_dir)
    )
    code, out, err = run(capsys, *argv)
    assert code == 1, err
    assert "0 done, 0 skipped, 1 failed of 1 item" in out
    assert not list(out_dir.rglob("*.jpg"))
    failures = [json.loads(line) for line in (out_dir / "failures.jsonl").read_text().splitlines()]
    assert [(row["key"], row["code"]) for row in failures] == [("videos/a.mp4", "SlowDown")]


def test_progress_of_a_listing_whose_size_is_unknown_counts_without_a_total(
    tmp_path: Path,
) -> None:
    # batch --prefix does not know its total before the listing ends: "[1/0]" would say it
    # has none at all.
    item = BatchItem(0, SnapshotArgs.check("videos/a.mp4", 1), "test")
    result = ItemResult(PlannedItem(item, tmp_path, PurePosixPath("a.jpg")), "done")
    stream = io.StringIO()
    with PlainProgress(stream, 0) as progress:
        progress.update(result)
    assert stream.getvalue().startswith("[1] done ")


@pytest.mark.parametrize(
    "argv",
    [
        ["get", "videos/a.mp4", "--time", "1", "-o", "cos:///posters/a.jpg"],
        ["batch", "videos/a.mp4", "--times", "1", "-o", "out", "--failures", "cos:///f.jsonl"],
        ["make-fixture", "cos:///videos/a.mp4"],
    ],
)
def test_outputs_written_on_this_machine_refuse_a_bucket_place(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # Taken as a path, cos:///posters/a.jpg is the local directory "cos:" (a file there, exit 0,
    # while the user looks for it in the bucket).
    monkeypatch.chdir(tmp_path)
    # Refused before anything is sent: the endpoint is no server.
    where = (
        [] if argv[0] == "make-fixture" else ["--endpoint-url", "http://127.0.0.1:9", "--anonymous"]
    )
    code, _out, err = run(capsys, *argv, *where)
    assert code == 2, err
    assert "cos://" in err
    assert not (tmp_path / "cos:").exists()


@pytest.mark.cos_emulator(anonymous=True)
@pytest.mark.parametrize(
    ("option", "value", "column"), [("--count", "3", 3), ("--every", "0.50", "0.5")]
)
def test_batch_prefix_unplanned_video_row_keeps_its_selection_and_the_retake_says_so(
    cos_emulator: CosEmulator,
    cos_fixture_video: Any,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    first_media_info_fails: list[str],
    option: str,
    value: str,
    column: object,
) -> None:
    # The failures row of a video whose --count/--every times were never planned must not
    # read back as one snapshot at its end (the re-take would take 1 frame for N, exit 0).
    cos_emulator.put("videos/a.mp4", cos_fixture_video(duration=2, fps=10, gop=10, size=(96, 64)))
    out_dir = tmp_path / "shots"
    server = ("--endpoint-url", cos_emulator.endpoint_url, "--anonymous")
    code, _, err = run(
        capsys, "batch", "--prefix", "videos/", option, value, "-o", str(out_dir), *server
    )
    assert code == 1, err
    assert first_media_info_fails == [
        "videos/a.mp4"
    ]  # its error is known: not asked again when it runs
    failures = out_dir / "failures.jsonl"
    (row,) = [json.loads(line) for line in failures.read_text().splitlines()]
    assert "time" not in row
    assert row[option.removeprefix("--")] == column
    code, out, err = run(capsys, "batch", "--input", str(failures), "-o", str(out_dir), *server)
    assert code == 1, err
    assert "0 done, 0 skipped, 1 failed of 1 item" in out
    assert not list(out_dir.rglob("*.jpg"))
    (again,) = [json.loads(line) for line in failures.read_text().splitlines()]
    assert f"{option} {column}" in again["error"]
    assert "--prefix" in again["error"]
    reasons = ("error", "code", "http_status")
    assert {k: v for k, v in again.items() if k not in reasons} == {
        k: v for k, v in row.items() if k not in reasons
    }


@pytest.mark.cos_emulator(anonymous=True)
@pytest.mark.parametrize(
    ("prefix", "match", "written"),
    [
        ("videos/", "a.mp4", ["a_00000.500.jpg"]),
        ("videos/a", "a.mp4", ["a_00000.500.jpg"]),  # the folder videos/
        ("videos", "videos/a.mp4", ["videos/a_00000.500.jpg"]),  # the bucket root
        ("vid", "videos/a.mp4", ["videos/a_00000.500.jpg"]),  # not eos/a..., nor /a...
    ],
)
def test_batch_prefix_names_and_match_are_relative_to_the_folder_the_prefix_names(
    cos_emulator: CosEmulator,
    cos_fixture_video: Any,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    prefix: str,
    match: str,
    written: list[str],
) -> None:
    video = cos_fixture_video(duration=2, fps=10, gop=10, size=(96, 64))
    cos_emulator.put("videos/a.mp4", video.read_bytes())
    cos_emulator.put("videos/ab.mp4", video.read_bytes())
    out_dir = tmp_path / "out"
    server = ("--endpoint-url", cos_emulator.endpoint_url, "--anonymous")
    argv = ["batch", "--prefix", prefix, "--times", "0.5", "-o", str(out_dir), *server]
    code, out, err = run(capsys, *argv, "--match", match)
    assert code == 0, err
    assert "1 done, 0 skipped, 0 failed of 1 item" in out
    assert sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*.jpg")) == written
