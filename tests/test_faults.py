"""Fault injection, and the client under faults.

The faults themselves are checked on the wire (raw sockets, real uvicorn). Then 500 snapshot
requests go through a faulty emulator, half through AsyncSnapshotClient and half through
SnapshotClient: each must end with the right frame (read back from the image) or, where the
attempts run out, a typed error; never a wrong or truncated image. The same again with the async
client on aiohttp's transport, for 250 requests (its own half, at the same scale). The counts
are printed and written to ``reports/faults.json`` (``faults-aiohttp.json``).
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Literal

import httpx2
import pytest
from PIL import Image

from cos_snapshot import (
    AsyncSnapshotClient,
    CosConnectionError,
    CosError,
    CosServiceError,
    Credentials,
    RetryPolicy,
    Snapshot,
    SnapshotClient,
    Transport,
)
from cos_snapshot.cli import main
from cos_snapshot.emulator import EmulatorSettings, EmulatorThread, FaultInjector, FaultSpec
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos

REPORTS = Path(__file__).resolve().parent.parent / "reports"
CRED = Credentials("AKIDFAULTTEST00001", "fault-test-secret")
SNAPSHOT_TARGET = "/clip.mp4?ci-process=snapshot&time=1"

# --- the spec ------------------------------------------------------------------------------------


def test_spec_parses_statuses_and_kinds() -> None:
    spec = FaultSpec.parse("503=0.2, reset=0.1,slow=0.1,500=0.05,short=0.01", delay=0.5, seed=7)
    assert spec.statuses == ((500, 0.05), (503, 0.2))
    assert (spec.reset, spec.short, spec.slow, spec.delay, spec.seed) == (0.1, 0.01, 0.1, 0.5, 7)
    assert str(spec) == "500=0.05,503=0.2,reset=0.1,short=0.01,slow=0.1"
    assert FaultSpec.parse(str(spec)).statuses == spec.statuses


@pytest.mark.parametrize(
    ("draw", "fault"),
    [(0.0, "503"), (0.199, "503"), (0.2, "reset"), (0.299, "reset"), (0.3, "slow"), (0.4, None)],
)
def test_one_draw_picks_at_most_one_fault(draw: float, fault: str | None) -> None:
    assert FaultSpec.parse("503=0.2,reset=0.1,slow=0.1").choose(draw) == fault


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("503", "fault=probability"),
        ("503=", "probability"),
        ("503=1.5", "between 0 and 1"),
        ("503=-0.1", "between 0 and 1"),
        ("503=x", "probability"),
        ("200=0.1", "unknown fault"),
        ("600=0.1", "unknown fault"),
        ("499=0.1", "not an HTTP status"),
        ("explode=0.1", "unknown fault"),
        ("503=0.6,reset=0.6", "more than 1"),
        ("reset=0.1,reset=0.2", "twice"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        FaultSpec.parse(text)


def test_serve_refuses_a_bad_faults_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--root", str(tmp_path), "--anonymous", "--faults", "700=0.1"])
    assert code == 2
    assert "--faults" in capsys.readouterr().err


def test_a_seed_repeats_the_same_faults() -> None:
    def pattern(seed: int) -> list[str | None]:
        spec = FaultSpec.parse("503=0.3,reset=0.3", seed=seed)
        draws = random.Random(spec.seed)
        return [spec.choose(draws.random()) for _ in range(50)]

    assert pattern(1) == pattern(1)
    assert pattern(1) != pattern(2)


# --- the faults on the wire ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(name="faults.mp4", duration=4, fps=25, gop=25, size=(160, 120))


@pytest.fixture(scope="module")
def root(video: FixtureInfo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faults-root")
    shutil.copy(video.path, root / "clip.mp4")
    return root


@pytest.fixture
def faulty(root: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, FaultInjector]]:
    """An anonymous emulator injecting the fault named by the test's parameter every time."""
    spec = FaultSpec.parse(request.param, delay=0.5, seed=1)
    thread = EmulatorThread(EmulatorSettings(root=root, anonymous=True, faults=spec))
    with thread as url:
        assert isinstance(thread.app, FaultInjector)
        yield url, thread.app


def _raw_exchange(url: str, target: str) -> tuple[bytes, OSError | None]:
    """Send a GET and read until the server closes or resets; return the bytes and the error."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    received = bytearray()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except OSError as exc:
            return bytes(received), exc
    return bytes(received), None


def _split(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    headers[":status"] = lines[0].split()[1]
    return headers, body


@pytest.mark.parametrize("faulty", ["reset=1"], indirect=True)
def test_reset_sends_headers_and_half_the_body_then_resets(
    faulty: tuple[str, FaultInjector],
) -> None:
    url, injector = faulty
    raw, error = _raw_exchange(url, SNAPSHOT_TARGET)
    assert isinstance(error, ConnectionResetError)
    headers, body = _split(raw)
    # What arrived before the reset: a 200 promising more than it delivered.
    assert headers[":status"] == "200"
    assert 0 < len(body) < int(headers["content-length"])
    assert injector.counts == {"reset": 1}


@pytest.mark.parametrize("faulty", ["short=1"], indirect=True)
def test_short_is_a_well_formed_response_with_half_an_image(
    faulty: tuple[str, FaultInjector],
) -> None:
    url, _ = faulty
    whole = httpx2.get(f"{url}/clip.mp4", params={"ci-process": "snapshot", "time": "1"})
    assert whole.status_code == 200
    assert int(whole.headers["content-length"]) == len(whole.content)
    assert whole.content.startswith(b"\xff\xd8")
    assert not whole.content.endswith(b"\xff\xd9")  # the JPEG lost its end marker
    with pytest.raises(OSError, match="truncated"):
        Image.open(io.BytesIO(whole.content)).load()


@pytest.mark.parametrize(
    ("faulty", "status", "code"),
    [
        ("503=1", 503, "SlowDown"),
        ("500=1", 500, "InternalError"),
        ("429=1", 429, "SlowDown"),
        ("404=1", 404, "NotFound"),
    ],
    indirect=["faulty"],
)
def test_status_faults_are_cos_error_documents_with_the_request_id(
    faulty: tuple[str, FaultInjector], status: int, code: str
) -> None:
    url, injector = faulty
    response = httpx2.get(f"{url}/clip.mp4", params={"ci-process": "snapshot", "time": "1"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/xml"
    document = ET.fromstring(response.content)
    assert document.findtext("RequestId") == response.headers["x-cos-request-id"]
    assert document.findtext("Code") == code
    assert "fault injected" in (document.findtext("Message") or "")
    assert injector.counts == {str(status): 1}


@pytest.mark.parametrize("faulty", ["slow=1"], indirect=True)
def test_slow_answers_come_whole_after_the_delay(faulty: tuple[str, FaultInjector]) -> None:
    url, _ = faulty
    params = {"ci-process": "snapshot", "time": "1"}
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.get(f"{url}/clip.mp4", params=params, timeout=httpx2.Timeout(5, read=0.1))
    response = httpx2.get(f"{url}/clip.mp4", params=params, timeout=5)
    assert response.status_code == 200
    assert response.content.endswith(b"\xff\xd9")


# --- 500 snapshots through faults ----------------------------------------------------------------

SPEC = "503=0.15,500=0.05,reset=0.1,short=0.05,slow=0.05"
REQUESTS = 500
#: Through the aiohttp transport, only the async client's half of them.
AIOHTTP_REQUESTS = 250
#: A slow answer waits longer than the client's read timeout, so it exercises timeouts.
SLOW_DELAY = 1.0
READ_TIMEOUT = 0.5

Outcome = tuple[Literal["ok"], int] | tuple[Literal["error"], str]


def _calls(video: FixtureInfo) -> list[tuple[str, str, int]]:
    """(time, mode, expected frame index) for each request, the same every run."""
    draws = random.Random(20261121)
    calls = []
    for _ in range(REQUESTS):
        time_text = f"{draws.uniform(0, 4.2):.3f}"  # past the end now and then
        mode = draws.choice(["exactframe", "keyframe"])
        at = Decimal(time_text)
        expected = video.frame_at(at) if mode == "exactframe" else video.keyframe_at(at)
        calls.append((time_text, mode, expected))
    return calls


def _check_image(snapshot: Snapshot) -> int:
    """The frame index of a snapshot that must be a complete JPEG of the whole video size."""
    image = Image.open(io.BytesIO(snapshot.content))
    image.load()  # raises on a truncated image
    assert image.format == "JPEG"
    assert image.size == (160, 120)
    assert snapshot.content.endswith(b"\xff\xd9")
    return read_frame_index(image)


def _typed(error: CosError) -> str:
    if isinstance(error, CosServiceError):
        assert error.status in (500, 503), error
        assert error.code in ("InternalError", "SlowDown"), error
        return f"CosServiceError {error.status} {error.code}"
    assert isinstance(error, CosConnectionError), error  # CosTimeoutError included
    return type(error).__name__


def _client_options(url: str) -> dict[str, object]:
    return {
        "endpoint_url": url,
        "credentials": CRED,
        "timeout": httpx2.Timeout(10.0, read=READ_TIMEOUT),
        "retry": RetryPolicy(max_attempts=3, base_backoff=0.02, max_backoff=0.2, deadline=30),
    }


async def _through_async_client(
    url: str, calls: list[tuple[str, str, int]], transport: Transport
) -> list[Outcome]:
    limit = asyncio.Semaphore(16)

    async def one(client: AsyncSnapshotClient, time_text: str, mode: str) -> Outcome:
        async with limit:
            try:
                snapshot = await client.get_snapshot("clip.mp4", time_text, mode=mode)  # type: ignore[arg-type]
            except CosError as error:
                return ("error", _typed(error))
            return ("ok", _check_image(snapshot))

    options = {**_client_options(url), "transport": transport}
    async with AsyncSnapshotClient(**options) as client:  # type: ignore[arg-type]
        return list(await asyncio.gather(*(one(client, t, m) for t, m, _ in calls)))


def _through_sync_client(url: str, calls: list[tuple[str, str, int]]) -> list[Outcome]:
    with SnapshotClient(**_client_options(url)) as client:  # type: ignore[arg-type]

        def one(call: tuple[str, str, int]) -> Outcome:
            time_text, mode, _ = call
            try:
                snapshot = client.get_snapshot("clip.mp4", time_text, mode=mode)  # type: ignore[arg-type]
            except CosError as error:
                return ("error", _typed(error))
            return ("ok", _check_image(snapshot))

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(one, calls))


@pytest.mark.slow
async def test_500_snapshots_through_faults_end_with_the_right_frame_or_a_typed_error(
    root: Path, video: FixtureInfo, transport: Transport
) -> None:
    spec = FaultSpec.parse(SPEC, delay=SLOW_DELAY, seed=20261121)
    settings = EmulatorSettings(root=root, credentials=(CRED,), faults=spec, queue_limit=64)
    calls = _calls(video)
    # httpx2: half async, half sync; aiohttp (async only): the async half.
    half = len(calls) // 2 if transport == "httpx2" else AIOHTTP_REQUESTS
    calls = calls if transport == "httpx2" else calls[:half]
    thread = EmulatorThread(settings)
    started = time.monotonic()
    with thread as url:
        async_outcomes = await _through_async_client(url, calls[:half], transport)
        sync_outcomes = await asyncio.to_thread(_through_sync_client, url, calls[half:])
        assert isinstance(thread.app, FaultInjector)
        injected = dict(thread.app.counts)
        attempts = thread.app.requests
    elapsed = time.monotonic() - started

    wrong = []
    results: Counter[str] = Counter()
    for (time_text, mode, expected), outcome in zip(
        calls, async_outcomes + sync_outcomes, strict=True
    ):
        if outcome[0] == "ok":
            results["correct image"] += 1
            if outcome[1] != expected:
                wrong.append((time_text, mode, expected, outcome[1]))
        else:
            results[f"typed error: {outcome[1]}"] += 1
    report = {
        "transport": transport,
        "requests": len(calls),
        "spec": str(spec),
        "client": {"max_attempts": 3, "read_timeout_s": READ_TIMEOUT},
        "slow_delay_s": SLOW_DELAY,
        "attempts": attempts,
        "faults_injected": injected,
        "outcomes": dict(results),
        "async": dict(Counter(o[0] for o in async_outcomes)),
        "sync": dict(Counter(o[0] for o in sync_outcomes)),
        "wrong_images": len(wrong),
        "seconds": round(elapsed, 2),
    }
    REPORTS.mkdir(exist_ok=True)
    name = "faults.json" if transport == "httpx2" else f"faults-{transport}.json"
    (REPORTS / name).write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nfaults: {json.dumps(report)}")

    assert wrong == []
    assert sum(results.values()) == len(calls)
    # Every kind of fault happened, and most calls still got their frame.
    assert set(injected) == {"503", "500", "reset", "short", "slow"}
    assert results["correct image"] > len(calls) * 0.8


def test_serve_injects_the_faults_it_is_given(root: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable, "-m", "cos_snapshot.cli", "serve", "--root", str(root), "--anonymous",
        "--port", str(port), "--faults", "503=1", "--fault-seed", "1", "--log-level", "warning",
    ]  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                response = httpx2.get(f"http://127.0.0.1:{port}{SNAPSHOT_TARGET}", timeout=5)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(15)
    assert response.status_code == 503
    assert ET.fromstring(response.content).findtext("Code") == "SlowDown"
