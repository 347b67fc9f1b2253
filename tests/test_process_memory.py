"""The emulator is a good guest: only a program that owns its process tunes the allocator
(``tune_process_memory``, called by ``cos-snapshot serve``); an engine, an embedded server and
the pytest fixtures leave the host process's allocator alone. Each check runs in a fresh
process, so what this test process has done does not count."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cos_snapshot.testing import read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos

pytest_plugins = ("pytester",)

# The whole emulator put to work inside a host program: an engine over two videos with no
# decoder budget (so idle decoders are closed, where a tuned engine trims the heap), a
# running_emulator, an EmulatorThread over create_app, and GetSnapshot through each. Then the
# tuning, to show the flag this test reads does record it.
_GUEST = """
import json, sys
from decimal import Decimal
from pathlib import Path

import httpx2

from cos_snapshot.emulator import (
    EmulatorSettings, EmulatorThread, SnapshotEngine, SnapshotParams, create_app,
    running_emulator, tune_process_memory,
)
from cos_snapshot.emulator.frames import heap

root = Path(sys.argv[1])
with SnapshotEngine(decoder_memory_bytes=0, result_cache_bytes=0) as engine:
    for name in ("a.mp4", "b.mp4", "a.mp4"):
        engine.snapshot(root / name, SnapshotParams(Decimal("0.5")))
settings = EmulatorSettings(root=root, anonymous=True)
images = []
with running_emulator(settings) as url:
    images.append(httpx2.get(url + "/a.mp4?ci-process=snapshot&time=0.5").content)
with EmulatorThread(settings, app=create_app(settings)) as url:
    images.append(httpx2.get(url + "/b.mp4?ci-process=snapshot&time=0.5").content)
guest = heap._tuned
in_effect = tune_process_memory()
print(json.dumps({"guest": guest, "after": heap._tuned, "in_effect": in_effect}))
sys.stdout.flush()
sys.stdout.buffer.write(b"".join(len(i).to_bytes(4, "big") + i for i in images))
"""


def test_an_engine_and_the_embedded_servers_do_not_tune_the_process(
    tmp_path: Path, cos_fixture_video: FixtureVideos
) -> None:
    video = cos_fixture_video(duration=1, fps=10, gop=5, size=(64, 48))
    for name in ("a.mp4", "b.mp4"):
        os.link(video, tmp_path / name)
    done = subprocess.run(
        [sys.executable, "-c", _GUEST, str(tmp_path)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    line, rest = done.stdout.split(b"\n", 1)
    assert line == (
        b'{"guest": false, "after": true, "in_effect": '
        + (b"true" if platform.libc_ver()[0] == "glibc" else b"false")
        + b"}"
    )
    images = []
    while rest:
        size = int.from_bytes(rest[:4], "big")
        images.append(rest[4 : 4 + size])
        rest = rest[4 + size :]
    assert [read_frame_index(image) for image in images] == [5, 5]  # real snapshots were made


def test_the_pytest_fixtures_do_not_tune_the_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_guest="""
        from cos_snapshot.emulator.frames import heap

        def test_snapshots_through_the_fixtures(cos_emulator, cos_fixture_video):
            key = cos_emulator.put("v.mp4", cos_fixture_video(duration=1, size=(64, 48)))
            with cos_emulator.client() as client:
                assert client.get_snapshot(key, 0.5).content
            assert heap._tuned is False
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the tuning is glibc's")
def test_serve_tunes_the_process_it_owns(tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "cos_snapshot.cli", "serve", "--root", str(tmp_path),
        "--anonymous", "--port", "0", "--log-level", "debug",
    ]  # fmt: skip
    log = tmp_path.parent / f"{tmp_path.name}-serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "Serving" not in log.read_text():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(15)
    # The line reads the allocator's state as the serving process holds it.
    assert "Process memory: glibc's allocator tuned for serving" in log.read_text()
