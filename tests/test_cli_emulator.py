"""``cos-snapshot make-fixture`` and ``cos-snapshot serve`` as a user runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import av
import httpx2
import pytest

from cos_snapshot import Credentials, SnapshotClient
from cos_snapshot.cli import main
from cos_snapshot.cli._emulator import FIXTURE_SUFFIXES
from cos_snapshot.testing import CONTAINERS, read_frame_index, read_orientation


def test_make_fixture_writes_a_video_whose_frames_show_their_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "made.mp4"
    argv = [
        "make-fixture",
        str(out),
        "--duration",
        "1",
        "--fps",
        "10",
        "--gop",
        "5",
        "--size",
        "96x64",
    ]
    assert main(argv) == 0
    assert "10 frames" in capsys.readouterr().out
    with av.open(str(out)) as container:
        frames = [frame.to_image() for frame in container.decode(video=0)]
    assert [read_frame_index(image) for image in frames] == list(range(10))


def test_make_fixture_json_prints_its_fixture_info_as_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "made.mp4"
    argv = ["--json", "make-fixture", str(out), "--duration", "1", "--fps", "10", "--gop", "5"]
    assert main([*argv, "--size", "96x64"]) == 0
    printed = capsys.readouterr().out
    assert len(printed.splitlines()) == 1
    record = json.loads(printed)
    assert record["path"] == str(out)
    assert (record["width"], record["height"], record["frames"]) == (96, 64, 10)
    assert record["duration"] == "1"
    assert record["keyframes"] == [0, 5]


def test_make_fixture_rejects_a_bad_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["make-fixture", str(tmp_path / "x.mp4"), "--size", "3x"])
    assert info.value.code == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def serve_command(root: Path, port: int, *options: str) -> list[str]:
    """``cos-snapshot serve`` as a user types it, run by this Python."""
    return [
        sys.executable,
        "-m",
        "cos_snapshot.cli",
        "serve",
        "--root",
        str(root),
        "--port",
        str(port),
        *options,
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_signed_snapshots_and_stops_on_sigterm(tmp_path: Path) -> None:
    assert (
        main(
            [
                "make-fixture",
                str(tmp_path / "v" / "rot.mp4"),
                "--duration",
                "1",
                "--rotate",
                "90",
                "--size",
                "160x96",
            ]
        )
        == 0
    )
    port = _free_port()
    creds = Credentials("AKIDservetest", "serve-secret")
    env = {
        **os.environ,
        "TENCENTCLOUD_SECRET_ID": creds.secret_id,
        "TENCENTCLOUD_SECRET_KEY": creds.secret_key,
    }
    proc = subprocess.Popen(
        serve_command(tmp_path, port),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx2.head(url + "/", timeout=1)
                break
            except httpx2.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        with SnapshotClient(endpoint_url=url, credentials=creds) as client:
            snap = client.get_snapshot("v/rot.mp4", 0.5)
        # --size is the stored picture; rotate=auto turns it for display.
        assert (snap.width, snap.height) == (96, 160)
        assert read_frame_index(snap.content) == 12
        assert read_orientation(snap.content).rotation == 90
        unsigned = httpx2.get(url + "/v/rot.mp4", params={"ci-process": "snapshot", "time": "0"})
        assert unsigned.status_code == 403
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    assert proc.returncode is not None
    assert "serve-secret" not in output
    assert f"on http://127.0.0.1:{port} (Ctrl-C to stop)" in output  # it says where it listens


def test_serve_refuses_a_missing_root(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--root", str(tmp_path / "nope"), "--anonymous"]) == 2
    assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["x.avi"], "unknown container suffix '.avi'"),
        (["x.webm", "--codec", "h264"], "WebM holds only VP9 or AV1"),
        (["x.ts", "--rotate", "90"], "MPEG-TS cannot carry a display matrix"),
        (["x.mp4", "--duration", "0"], "duration x fps"),
    ],
)
def test_make_fixture_bad_combinations_are_one_line_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], named: str
) -> None:
    argv = ["make-fixture", str(tmp_path / args[0]), *args[1:]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cos-snapshot: error: make-fixture: ")
    assert named in err
    assert len(err.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize(
    ("flag", "value"), [("--fps", "0"), ("--fps", "abc"), ("--gop", "0"), ("--bframes", "-1")]
)
def test_make_fixture_bad_numbers_are_refused_by_the_parser(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["make-fixture", str(tmp_path / "x.mp4"), flag, value])
    assert info.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err


def test_make_fixture_help_lists_the_containers_it_writes() -> None:
    assert tuple(CONTAINERS) == FIXTURE_SUFFIXES


def test_serve_on_a_port_in_use_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = subprocess.run(
            serve_command(tmp_path, port, "--anonymous"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == (
        f"cos-snapshot: error: [Errno 98] cannot listen on http://127.0.0.1:{port}: "
        "Address already in use"
    )
