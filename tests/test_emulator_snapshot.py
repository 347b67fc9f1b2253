"""GetSnapshot over HTTP, on real videos, through a real uvicorn server."""

from __future__ import annotations

import asyncio
import io
import os
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import httpx2
import pytest
from PIL import Image

from cos_snapshot.emulator import EmulatorSettings, create_app, frames, running_emulator
from cos_snapshot.emulator.frames import SnapshotEngine
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

pytestmark = pytest.mark.cos_emulator(anonymous=True, allow_writes=True)


@pytest.fixture(scope="module")
def video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(duration=4, fps=25, gop=25)


@pytest.fixture
def server(cos_emulator: CosEmulator, video: FixtureInfo) -> str:
    """The emulator (as the test's marker sets it up) holding the video and two non-videos."""
    cos_emulator.put("videos/clip 1+.mp4", video.path)
    cos_emulator.put("notes.mp4", b"not a video, just text")
    cos_emulator.put("empty.mp4", b"")
    return cos_emulator.endpoint_url


VIDEO_URL = "/videos/" + quote("clip 1+.mp4")


def snapshot(server: str, path: str = VIDEO_URL, **params: str) -> httpx2.Response:
    response = httpx2.get(
        f"{server}{path}", params={"ci-process": "snapshot", **params}, timeout=60
    )
    assert response.headers["x-cos-request-id"]
    return response


def frame_of(response: httpx2.Response) -> int:
    assert response.status_code == 200, response.text
    return read_frame_index(Image.open(io.BytesIO(response.content)))


@pytest.mark.parametrize("time_text", ["0", "0.5", "1.04", "2.0399", "3.96", "3.999", "60"])
def test_exactframe_is_the_frame_on_screen(server: str, video: FixtureInfo, time_text: str) -> None:
    response = snapshot(server, time=time_text)
    assert response.headers["content-type"] == "image/jpeg"
    assert frame_of(response) == video.frame_at(Decimal(time_text))


@pytest.mark.parametrize("time_text", ["0.99", "1", "2.5", "100"])
def test_keyframe_is_the_last_keyframe_before(
    server: str, video: FixtureInfo, time_text: str
) -> None:
    response = snapshot(server, time=time_text, mode="keyframe")
    assert frame_of(response) == video.keyframe_at(Decimal(time_text))


def test_time_is_exact_at_a_frame_boundary(server: str) -> None:
    # Frame 1 starts at exactly 0.04 s; a hair before it frame 0 is still on screen.
    assert frame_of(snapshot(server, time="0.04")) == 1
    assert frame_of(snapshot(server, time="0.0399999999999999999999")) == 0
    assert frame_of(snapshot(server, time="4E-2")) == 1


def test_size_and_format(server: str) -> None:
    png = snapshot(server, time="1", width="100", format="png")
    assert png.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(png.content))
    assert (image.format, image.size) == ("PNG", (100, 75))
    stretched = Image.open(io.BytesIO(snapshot(server, time="1", width="50", height="90").content))
    assert stretched.size == (50, 90)


@pytest.mark.parametrize("path", ["/notes.mp4", "/empty.mp4"])
def test_an_object_that_is_not_a_video_is_a_4xx_that_says_so(server: str, path: str) -> None:
    response = snapshot(server, path, time="1")
    assert 400 <= response.status_code < 500
    document = ET.fromstring(response.content)
    assert document.findtext("Code")
    assert document.findtext("Message")
    assert frame_of(snapshot(server, time="1")) == 25  # still serving


@pytest.mark.cos_emulator(anonymous=True, past_end="error")
def test_past_end_error_setting(server: str, video: FixtureInfo) -> None:
    inside = snapshot(server, time="3.9")
    past = snapshot(server, time="10")
    assert frame_of(inside) == video.frame_at(Decimal("3.9"))
    assert past.status_code == 400
    assert ET.fromstring(past.content).findtext("Code")


@pytest.mark.cos_emulator(anonymous=True, exactframe="next")
def test_exactframe_next_setting(server: str, video: FixtureInfo) -> None:
    assert frame_of(snapshot(server, time="1.01")) == video.next_frame_at(Decimal("1.01"))
    assert frame_of(snapshot(server, time="1.04")) == 26


def test_a_replaced_video_is_snapshotted_anew(
    server: str, cos_fixture_video: FixtureVideos
) -> None:
    first = cos_fixture_video.info(duration=1, size=(160, 120))
    second = cos_fixture_video.info(duration=1, size=(192, 108))
    for info in (first, second):
        put = httpx2.put(f"{server}/replaced.mp4", content=info.path.read_bytes())
        assert put.status_code == 200
        image = Image.open(io.BytesIO(snapshot(server, "/replaced.mp4", time="0.5").content))
        assert image.size == info.stored_size


@pytest.mark.cos_emulator(anonymous=True, workers=1, queue_limit=1)
async def test_too_many_waiting_snapshots_are_told_to_slow_down(
    cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos
) -> None:
    # A long GOP at 640x480: an exact frame near its end takes a while to decode.
    long_gop = cos_fixture_video(duration=4, fps=25, gop=100, size=(640, 480))
    cos_emulator.put("long-gop.mp4", long_gop)
    url = cos_emulator.endpoint_url
    async with httpx2.AsyncClient(base_url=url, timeout=60) as client:

        async def one(i: int) -> httpx2.Response:
            params = {"ci-process": "snapshot", "time": f"3.{90 + i % 9}", "format": "png"}
            return await client.get("/long-gop.mp4", params=params)

        started = time.monotonic()
        responses = await asyncio.gather(*(one(i) for i in range(12)))
        elapsed = time.monotonic() - started
    after = await asyncio.to_thread(
        httpx2.get, f"{url}/long-gop.mp4", params={"ci-process": "snapshot", "time": "0"}
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 503}, statuses
    assert 200 in statuses
    assert 503 in statuses, f"no SlowDown in {elapsed:.2f}s: {statuses}"
    slow = next(r for r in responses if r.status_code == 503)
    assert ET.fromstring(slow.content).findtext("Code") == "SlowDown"
    assert slow.headers["retry-after"] == "1"
    assert after.status_code == 200


async def test_waiting_snapshots_of_one_gop_share_a_decode_pass(
    tmp_path: Path, decode_passes: list[object], cos_fixture_video: FixtureVideos
) -> None:
    """Requests beyond ``workers`` wait inside the engine, where they say which frame they
    want, so the pass that decodes their GOP decodes all of their frames."""
    info = cos_fixture_video.info(duration=4, fps=25, gop=100, size=(160, 120))
    os.link(info.path, tmp_path / "gop.mp4")
    frame_numbers = [5, 17, 33, 48, 61, 77, 90, 99]
    passes = decode_passes
    settings = EmulatorSettings(root=tmp_path, anonymous=True, workers=1, queue_limit=16)
    with (
        SnapshotEngine(result_cache_bytes=0, max_decodes=settings.workers) as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        async with httpx2.AsyncClient(base_url=url, timeout=60) as client:
            first = await client.get("/gop.mp4", params={"ci-process": "snapshot", "time": "0"})
            assert first.status_code == 200  # opens the file and builds its packet index
            passes.clear()
            video = next(iter(engine._open.values()))
            video.lock.acquire()  # no pass may start until every request has said what it wants
            try:
                requests = [
                    asyncio.create_task(
                        client.get(
                            "/gop.mp4",
                            params={"ci-process": "snapshot", "time": str(Decimal(n) / 25)},
                        )
                    )
                    for n in frame_numbers
                ]
                deadline = time.monotonic() + 20
                while (
                    sum(video.wanted.values()) < len(frame_numbers) and time.monotonic() < deadline
                ):
                    await asyncio.sleep(0.01)
            finally:
                video.lock.release()
            responses = await asyncio.gather(*requests)
    assert [frame_of(r) for r in responses] == [
        info.frame_at(Decimal(n) / 25) for n in frame_numbers
    ]
    assert len(passes) == 1, passes


class _DeletingEngine(SnapshotEngine):
    """Deletes the video just before taking its snapshot: the race of a snapshot with a
    DELETE of the same key, made certain."""

    def snapshot(self, path: Path, params: frames.SnapshotParams) -> frames.Image:
        path.unlink()
        return super().snapshot(path, params)


def test_a_video_deleted_while_its_snapshot_is_taken_is_no_such_key(
    tmp_path: Path, cos_fixture_video: FixtureVideos
) -> None:
    video = cos_fixture_video(duration=1, size=(96, 64))
    os.link(video, tmp_path / "gone.mp4")  # the engine deletes the link, not the video
    settings = EmulatorSettings(root=tmp_path, anonymous=True, allow_writes=True)
    with (
        _DeletingEngine() as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        response = snapshot(url, "/gone.mp4", time="0.5")
        assert response.status_code == 404
        assert ET.fromstring(response.content).findtext("Code") == "NoSuchKey"
        os.link(video, tmp_path / "again.mp4")
        assert snapshot(url, "/again.mp4", time="0.5").status_code == 404  # deleted too
        put = httpx2.put(f"{url}/kept.mp4", content=b"x")
        assert put.status_code == 200  # still serving
