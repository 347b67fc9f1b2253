"""Load: 64 AsyncSnapshotClients against a real emulator process with a small queue.

The emulator runs as ``cos-snapshot serve`` in its own process (so its memory is its own) on
loopback, with 2 decode workers and room for 8 waiting snapshots; the rest are told 503
``SlowDown``. For ``COS_SNAPSHOT_LOAD_SECONDS`` (default 20) every client takes snapshots one
after the other. Nothing but 503 may go wrong; every tenth image is checked to show the right
frame. Throughput, p50/p99 latency and the server's memory before and after are printed and
written to ``reports/load.json``. The same with the clients on aiohttp's transport, for a quarter
of the time (``reports/load-aiohttp.json``).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx2
import pytest
from PIL import Image

from cos_snapshot import (
    AsyncSnapshotClient,
    CosError,
    CosServiceError,
    Credentials,
    SnapshotClient,
    Transport,
)
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos

REPORTS = Path(__file__).resolve().parent.parent / "reports"
CRED = Credentials("AKIDLOADTEST000001", "load-test-secret")
CLIENTS = 64
WORKERS = 2
QUEUE_LIMIT = 8
SECONDS = float(os.environ.get("COS_SNAPSHOT_LOAD_SECONDS", "20"))
#: The share of SECONDS the run on aiohttp's transport takes (the same load, a shorter run).
AIOHTTP_SHARE = 0.25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MiB; empty where /proc is missing."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {
        name: round(int(fields[key].split()[0]) / 1024, 1)
        for name, key in (("rss_mib", "VmRSS"), ("peak_rss_mib", "VmHWM"))
        if key in fields
    }


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(name="load.mp4", duration=4, fps=25, gop=25, size=(320, 240))


@pytest.fixture(scope="module")
def server(
    video: FixtureInfo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    root = tmp_path_factory.mktemp("load-root")
    shutil.copy(video.path, root / "clip.mp4")
    log = tmp_path_factory.mktemp("load-log") / "serve.log"
    port = _free_port()
    env = {
        **os.environ,
        "TENCENTCLOUD_SECRET_ID": CRED.secret_id,
        "TENCENTCLOUD_SECRET_KEY": CRED.secret_key,
    }
    command = [
        sys.executable, "-m", "cos_snapshot.cli", "serve", "--root", str(root),
        "--port", str(port), "--workers", str(WORKERS), "--queue-limit", str(QUEUE_LIMIT),
        "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                httpx2.head(url, timeout=1)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.outcomes: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.checked = 0
        self.wrong: list[tuple[str, str, int, int]] = []

    async def on_response(self, response: httpx2.Response) -> None:
        self.statuses[response.status_code] += 1


async def _client_loop(
    url: str, video: FixtureInfo, tally: Tally, until: float, seed: int, transport: Transport
) -> None:
    draws = random.Random(seed)
    hooks = {"event_hooks": {"response": [tally.on_response]}}
    async with AsyncSnapshotClient(
        endpoint_url=url, credentials=CRED, httpx_args=hooks, transport=transport
    ) as client:
        while time.monotonic() < until:
            time_text = f"{draws.uniform(0, 3.99):.2f}"
            mode = draws.choice(["exactframe", "keyframe"])
            started = time.perf_counter()
            try:
                snapshot = await client.get_snapshot("clip.mp4", time_text, mode=mode)  # type: ignore[arg-type]
            except CosServiceError as error:
                tally.outcomes[
                    "503 SlowDown" if error.status == 503 else f"HTTP {error.status}"
                ] += 1
                continue
            except CosError as error:
                tally.outcomes[type(error).__name__] += 1
                continue
            tally.latencies.append(time.perf_counter() - started)
            tally.outcomes["ok"] += 1
            if len(tally.latencies) % 10 == 0:
                at = Decimal(time_text)
                expected = video.frame_at(at) if mode == "exactframe" else video.keyframe_at(at)
                shown = read_frame_index(Image.open(io.BytesIO(snapshot.content)))
                tally.checked += 1
                if shown != expected:
                    tally.wrong.append((time_text, mode, expected, shown))


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@pytest.mark.slow
async def test_64_clients_for_20_seconds_get_only_images_or_slow_down(
    server: tuple[str, subprocess.Popen[bytes]], video: FixtureInfo, transport: Transport
) -> None:
    url, process = server
    with SnapshotClient(endpoint_url=url, credentials=CRED) as warm:
        for mode in ("exactframe", "keyframe"):
            warm.get_snapshot("clip.mp4", "1", mode=mode)  # type: ignore[arg-type]
    before = _memory_mib(process.pid)

    tally = Tally()
    seconds = SECONDS if transport == "httpx2" else SECONDS * AIOHTTP_SHARE
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(
        *(_client_loop(url, video, tally, until, seed, transport) for seed in range(CLIENTS))
    )
    elapsed = time.monotonic() - started
    after = _memory_mib(process.pid)

    assert process.poll() is None, "the emulator died under load"
    with SnapshotClient(endpoint_url=url, credentials=CRED) as client:
        assert client.get_snapshot("clip.mp4", "2").content_type == "image/jpeg"

    ok = tally.outcomes["ok"]
    report = {
        "transport": transport,
        "clients": CLIENTS,
        "seconds": round(elapsed, 2),
        "server": {"workers": WORKERS, "queue_limit": QUEUE_LIMIT, "video": str(video)},
        "calls": dict(tally.outcomes),
        "responses_by_status": {str(k): v for k, v in sorted(tally.statuses.items())},
        "throughput_per_s": round(ok / elapsed, 1),
        "latency_ms": {
            "p50": round(_percentile(tally.latencies, 0.50) * 1000, 1),
            "p99": round(_percentile(tally.latencies, 0.99) * 1000, 1),
        }
        if tally.latencies
        else {},
        "frames_checked": tally.checked,
        "wrong_frames": len(tally.wrong),
        "server_memory_before": before,
        "server_memory_after": after,
    }
    REPORTS.mkdir(exist_ok=True)
    name = "load.json" if transport == "httpx2" else f"load-{transport}.json"
    (REPORTS / name).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nload: {json.dumps(report)}")

    assert ok > 0
    assert set(tally.outcomes) <= {"ok", "503 SlowDown"}, tally.outcomes
    assert set(tally.statuses) <= {200, 503}, tally.statuses
    assert tally.wrong == []
