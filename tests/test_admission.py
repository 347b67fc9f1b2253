"""Admission by decode work: only requests that need a decode pass count against the queue.

Over real HTTP (uvicorn on loopback). Decodes are held with locks and events, never with
timing: a request is "in flight" when the engine has seen it. (A cached answer is looked up on
the server's event loop, so it cannot be held there; the decode queue is held full instead.)
"""

from __future__ import annotations

import asyncio
import io
import os
import threading
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2
import pytest
from PIL import Image

from cos_snapshot.emulator import EmulatorSettings, create_app, running_emulator
from cos_snapshot.emulator.frames import SnapshotEngine
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos

#: A guard against a hang, not a measurement: the waits below end on events.
_DEADLINE_S = 30


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(duration=4, fps=25, gop=25, size=(160, 120))


def _frame_of(response: httpx2.Response) -> int:
    assert response.status_code == 200, (response.status_code, response.text)
    return read_frame_index(Image.open(io.BytesIO(response.content)))


def _snap(time_text: str) -> dict[str, str]:
    return {"ci-process": "snapshot", "time": time_text}


async def _until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + _DEADLINE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


class _HeldDecodes(SnapshotEngine):
    """Every decode pass waits for ``release``; ``started`` counts the passes begun."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.release = threading.Event()
        self.started = 0

    def _decode(self, *args: Any, **kwargs: Any) -> Any:
        self.started += 1
        self.release.wait(_DEADLINE_S)
        return super()._decode(*args, **kwargs)


async def test_more_cached_requests_in_flight_than_the_queue_holds_all_get_200(
    tmp_path: Path, video: FixtureInfo
) -> None:
    # The decode queue is full (every admitted request waits for a held decode pass), so a
    # cached request counted against it would be told to slow down.
    (tmp_path / "clip.mp4").write_bytes(video.path.read_bytes())
    settings = EmulatorSettings(root=tmp_path, anonymous=True, workers=1, queue_limit=1)
    uncached = ("0.2", "3.4")  # two frames of different GOPs: workers + queue_limit of them
    in_flight = 4 * len(uncached)
    with (
        _HeldDecodes(max_decodes=settings.workers) as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        async with httpx2.AsyncClient(base_url=url, timeout=60) as client:
            engine.release.set()
            warm = await client.get("/clip.mp4", params=_snap("1.5"))
            assert _frame_of(warm) == video.frame_at(Decimal("1.5"))
            engine.release.clear()
            started = engine.started
            try:
                held = [
                    asyncio.create_task(client.get("/clip.mp4", params=_snap(t))) for t in uncached
                ]
                await _until(
                    lambda: engine.started == started + 1,
                    "the first uncached request to start its decode pass",
                )
                cached = await asyncio.gather(
                    *(client.get("/clip.mp4", params=_snap("1.5")) for _ in range(in_flight))
                )
                answered_early = [t.done() for t in held]
            finally:
                engine.release.set()
            answers = await asyncio.gather(*held)
    statuses = [r.status_code for r in cached]
    assert statuses == [200] * in_flight, statuses
    assert {_frame_of(r) for r in cached} == {video.frame_at(Decimal("1.5"))}
    assert answered_early == [False] * len(uncached)  # the queue was full all along
    assert [_frame_of(r) for r in answers] == [video.frame_at(Decimal(t)) for t in uncached]


async def test_a_full_decode_queue_still_serves_objects_and_cached_answers(
    video: FixtureInfo, tmp_path: Path
) -> None:
    os.link(video.path, tmp_path / "clip.mp4")
    settings = EmulatorSettings(root=tmp_path, anonymous=True, workers=1, queue_limit=1)
    waiting_times = ["1.2", "2.6"]  # two uncached frames: workers + queue_limit of them
    with (
        SnapshotEngine(max_decodes=settings.workers) as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        async with httpx2.AsyncClient(base_url=url, timeout=60) as client:
            first = await client.get("/clip.mp4", params=_snap("0.5"))
            assert _frame_of(first) == video.frame_at(Decimal("0.5"))  # builds the index
            clip = next(iter(engine._open.values()))
            clip.lock.acquire()  # no decode pass may run: the admitted requests wait
            try:
                held = [
                    asyncio.create_task(client.get("/clip.mp4", params=_snap(t)))
                    for t in waiting_times
                ]
                await _until(
                    lambda: sum(clip.wanted.values()) == len(waiting_times),
                    "the uncached requests to wait for a decode",
                )
                overload = await client.get("/clip.mp4", params=_snap("3.3"))
                cached = await client.get("/clip.mp4", params=_snap("0.5"))
                same_frame = await client.get("/clip.mp4", params=_snap("0.51"))
                body = await client.get("/clip.mp4")
                head = await client.head("/clip.mp4")
                part = await client.get("/clip.mp4", headers={"range": "bytes=0-7"})
            finally:
                clip.lock.release()
            answers = await asyncio.gather(*held)

    assert overload.status_code == 503
    assert ET.fromstring(overload.content).findtext("Code") == "SlowDown"
    assert overload.headers["retry-after"] == "1"
    assert overload.headers["x-cos-request-id"]

    assert _frame_of(cached) == video.frame_at(Decimal("0.5"))
    assert _frame_of(same_frame) == video.frame_at(Decimal("0.51"))  # the same frame, cached
    data = video.path.read_bytes()
    assert (body.status_code, body.content) == (200, data)
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(data)))
    assert (part.status_code, part.content) == (206, data[:8])

    assert [_frame_of(r) for r in answers] == [video.frame_at(Decimal(t)) for t in waiting_times]


async def test_uncached_overload_is_told_to_slow_down_and_then_served(
    tmp_path: Path, video: FixtureInfo
) -> None:
    (tmp_path / "clip.mp4").write_bytes(video.path.read_bytes())
    settings = EmulatorSettings(root=tmp_path, anonymous=True, workers=1, queue_limit=2)
    capacity = settings.workers + settings.queue_limit
    times = [f"{Decimal(i) / 10}" for i in range(3 * capacity)]  # all different frames
    with (
        _HeldDecodes(max_decodes=settings.workers) as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        async with httpx2.AsyncClient(base_url=url, timeout=60) as client:
            try:
                tasks = [
                    asyncio.create_task(client.get("/clip.mp4", params=_snap(t))) for t in times
                ]
                # While the first decode is held nothing admitted can finish, so exactly the
                # requests beyond the queue are answered.
                await _until(
                    lambda: (
                        engine.started == 1
                        and sum(t.done() for t in tasks) >= len(tasks) - capacity
                    ),
                    "the requests beyond the queue to be answered",
                )
                refused = [t.result() for t in tasks if t.done()]
            finally:
                engine.release.set()
            responses = await asyncio.gather(*tasks)
    assert len(refused) == len(tasks) - capacity
    for response in refused:
        assert response.status_code == 503
        assert ET.fromstring(response.content).findtext("Code") == "SlowDown"
        assert response.headers["retry-after"] == "1"
    served = [(t, r) for t, r in zip(times, responses, strict=True) if r not in refused]
    assert len(served) == capacity
    for time_text, response in served:
        assert _frame_of(response) == video.frame_at(Decimal(time_text))
