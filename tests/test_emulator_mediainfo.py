"""GetMediaInfo (``ci-process=videoinfo``) over HTTP, against fixture videos with known truth.

The truth is what make_fixture wrote (frame times, sizes, rotation, audio) and, for the
rotation, the display matrix FFmpeg attaches to a decoded frame.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import re
import threading
import time
import xml.etree.ElementTree as ET
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx2
import pytest
from PIL import Image
from qcloud_cos.cos_exception import CosServiceError
from sdk_helpers import official_sdk

import cos_snapshot.emulator
from cos_snapshot.cli import main
from cos_snapshot.emulator import EmulatorSettings, create_app, running_emulator
from cos_snapshot.emulator.frames import SnapshotEngine
from cos_snapshot.emulator.frames import engine as frames_engine
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

SIX_DECIMALS = re.compile(r"-?[0-9]+\.[0-9]{6}")
logging.getLogger("qcloud_cos").setLevel(logging.CRITICAL)

#: name → make_fixture arguments; each a different truth to read back.
FIXTURES: dict[str, dict[str, Any]] = {
    "plain.mp4": {"duration": 2, "audio": True},
    "rotated.mp4": {"duration": 1, "rotate": 90, "size": (192, 108)},
    "mirrored.mov": {"duration": 1, "rotate": 270, "flip": True, "bframes": 0},
    "clip.ts": {"duration": 2, "audio": True},
    "clip.mkv": {"duration": Fraction(6, 5), "fps": 50, "gop": 10},
    "vfr.mp4": {"duration": 1, "vfr": True},
}


pytestmark = pytest.mark.cos_emulator(anonymous=True)


@pytest.fixture(scope="module")
def videos(cos_fixture_video: FixtureVideos) -> dict[str, FixtureInfo]:
    return {name: cos_fixture_video.info(name=name, **args) for name, args in FIXTURES.items()}


@pytest.fixture
def server(cos_emulator: CosEmulator, videos: dict[str, FixtureInfo], audio_only: Path) -> str:
    """The emulator (as the test's marker sets it up) holding the videos, a text file and an
    audio-only file."""
    for name, info in videos.items():
        cos_emulator.put(name, info.path)
    cos_emulator.put("notes.mp4", b"not a video, just text")
    cos_emulator.put("audio.m4a", audio_only)
    return cos_emulator.endpoint_url


def media_info(url: str, key: str) -> httpx2.Response:
    response = httpx2.get(f"{url}/{key}", params={"ci-process": "videoinfo"}, timeout=60)
    assert response.headers["x-cos-request-id"]
    return response


def parse(response: httpx2.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml"
    document = ET.fromstring(response.content)
    assert document.tag == "Response"
    return document


def decoded_rotation(path: Path) -> int:
    """The rotation FFmpeg gives the first decoded frame (counter-clockwise degrees)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return int(frame.rotation)


@pytest.mark.parametrize("name", list(FIXTURES))
def test_media_info_matches_the_fixture(
    server: str, videos: dict[str, FixtureInfo], name: str
) -> None:
    info = videos[name]
    document = parse(media_info(server, name))
    video = document.find("MediaInfo/Stream/Video")
    assert video is not None

    def text(element: str) -> str:
        value = video.findtext(element)
        assert value is not None, element
        return value

    duration = Fraction(Decimal(text("Duration")))
    assert SIX_DECIMALS.fullmatch(text("Duration"))
    if FIXTURES[name].get("vfr"):
        # The file cannot say how long make_fixture meant the last frame to last.
        assert info.times[-1] < duration <= info.end
    else:
        assert 0 <= duration - info.end < Fraction(1, 10**6)  # rounded up
        assert Fraction(text("AvgFps")) == Fraction(info.frame_count) / info.end
        assert Fraction(Decimal(text("Fps"))) == FIXTURES[name].get("fps", 25)
    assert int(text("NumFrames")) == info.frame_count
    assert (int(text("Width")), int(text("Height"))) == info.stored_size
    assert Fraction(text("Timebase")) == info.time_base
    assert abs(Fraction(Decimal(text("StartTime"))) - info.start) <= Fraction(1, 2 * 10**6)
    assert text("HasBFrame") == ("0" if FIXTURES[name].get("bframes") == 0 else "1")
    assert text("CodecName") == "h264"
    assert text("PixFormat") == info.pix_fmt
    rotation = Decimal(text("Rotation"))
    assert SIX_DECIMALS.fullmatch(text("Rotation"))
    assert (Fraction(rotation) - decoded_rotation(info.path)) % 360 == 0
    assert -180 < rotation <= 180
    if not info.orientation.mirrored:  # make_fixture turns clockwise; FFmpeg counts the other way
        assert Fraction(rotation) % 360 == (-info.orientation.rotation) % 360
    assert Decimal(text("Bitrate")) > 0
    assert SIX_DECIMALS.fullmatch(text("Bitrate"))

    audio = document.findall("MediaInfo/Stream/Audio")
    assert len(audio) == (1 if info.has_audio else 0)
    for track in audio:
        assert (track.findtext("SampleRate"), track.findtext("Channel")) == ("48000", "1")
        assert track.findtext("CodecName") == "aac"
    assert document.findall("MediaInfo/Stream/Subtitle") == []

    fmt = document.find("MediaInfo/Format")
    assert fmt is not None
    assert fmt.findtext("Size") == str(info.path.stat().st_size)
    assert fmt.findtext("NumStream") == str(1 + len(audio))
    assert info.container in (fmt.findtext("FormatName") or "").split(",") or (
        info.container == "matroska" and fmt.findtext("FormatName") == "matroska,webm"
    )
    for element in ("StartTime", "Duration", "Bitrate"):
        assert SIX_DECIMALS.fullmatch(fmt.findtext(element) or ""), element


@pytest.mark.parametrize(
    "cos_emulator_settings",
    [{"anonymous": True}, {"anonymous": True, "past_end": "error"}],
    ids=["past-end-last", "past-end-error"],
    indirect=True,
)
def test_duration_is_the_snapshot_engines(
    server: str, videos: dict[str, FixtureInfo], cos_emulator_settings: dict[str, Any]
) -> None:
    """``Duration - 1/AvgFps`` is the last frame; ``Duration`` itself is past the end: the
    last frame again by default, an error with ``past_end="error"``."""
    info = videos["clip.mkv"]
    video = parse(media_info(server, "clip.mkv")).find("MediaInfo/Stream/Video")
    assert video is not None
    duration = Fraction(Decimal(video.findtext("Duration") or ""))
    last = duration - 1 / Fraction(video.findtext("AvgFps") or "")
    for at in (last, duration):
        seconds = f"{Decimal(at.numerator) / Decimal(at.denominator):.9f}"
        response = httpx2.get(
            f"{server}/clip.mkv", params={"ci-process": "snapshot", "time": seconds}, timeout=60
        )
        if at == duration and cos_emulator_settings.get("past_end") == "error":
            assert response.status_code == 400, response.text
            continue
        assert response.status_code == 200, response.text
        assert read_frame_index(Image.open(io.BytesIO(response.content))) == info.frame_count - 1


@pytest.mark.parametrize(
    ("key", "status", "code"),
    [
        ("missing.mp4", 404, "NoSuchKey"),
        ("notes.mp4", 400, "InvalidArgument"),
        ("audio.m4a", 400, "InvalidArgument"),
    ],
)
def test_errors_are_those_of_get_snapshot(server: str, key: str, status: int, code: str) -> None:
    response = media_info(server, key)
    assert response.status_code == status
    document = ET.fromstring(response.content)
    assert document.findtext("Code") == code
    if status == 400:
        assert "video" in (document.findtext("Message") or "")
    assert parse(media_info(server, "plain.mp4")) is not None  # still serving


@pytest.mark.cos_emulator(
    anonymous=True, media_size="displayed", rotation_sign="clockwise", stream_bitrate="empty"
)
def test_serve_time_choices_for_size_rotation_sign_and_bitrate(
    server: str, videos: dict[str, FixtureInfo]
) -> None:
    info = videos["rotated.mp4"]
    video = parse(media_info(server, "rotated.mp4")).find("MediaInfo/Stream/Video")
    measured = parse(media_info(server, "rotated.mp4")).findtext("MediaInfo/Format/Bitrate")
    snapshot = httpx2.get(
        f"{server}/rotated.mp4", params={"ci-process": "snapshot", "time": "0"}, timeout=60
    )
    assert video is not None
    shown = (int(video.findtext("Width") or ""), int(video.findtext("Height") or ""))
    assert shown == info.display_size == Image.open(io.BytesIO(snapshot.content)).size
    assert video.findtext("Rotation") == f"{info.orientation.rotation}.000000"
    assert video.findtext("Bitrate") == ""  # the video's own; the container's stays measured
    assert measured


@pytest.mark.cos_emulator  # signed requests only
def test_the_official_sdk_reads_it_unchanged(
    server: str, cos_emulator: CosEmulator, videos: dict[str, FixtureInfo]
) -> None:
    info = videos["plain.mp4"]
    bucket = cos_emulator.bucket
    answer = official_sdk(cos_emulator).get_media_info(Bucket=bucket, Key="plain.mp4")
    with pytest.raises(CosServiceError) as wrong:
        official_sdk(cos_emulator, "not-the-secret").get_media_info(Bucket=bucket, Key="plain.mp4")
    with pytest.raises(CosServiceError) as missing:
        official_sdk(cos_emulator).get_media_info(Bucket=bucket, Key="gone.mp4")
    unsigned = httpx2.get(f"{server}/plain.mp4", params={"ci-process": "videoinfo"})
    (media,) = answer["MediaInfo"]
    video, audio, fmt = media["Stream"]["Video"], media["Stream"]["Audio"], media["Format"]
    assert 0 <= Fraction(Decimal(video["Duration"])) - info.end < Fraction(1, 10**6)
    assert Decimal(fmt["Duration"]) >= Decimal(video["Duration"])
    assert int(video["NumFrames"]) == info.frame_count
    assert (int(video["Width"]), int(video["Height"])) == info.stored_size
    assert Fraction(video["AvgFps"]) == 25
    assert Decimal(video["Fps"]) == 25
    assert Decimal(video["Rotation"]) == 0
    assert int(fmt["Size"]) == info.path.stat().st_size
    assert Decimal(fmt["Bitrate"]) > 0
    assert int(fmt["NumStream"]) == 2
    assert int(audio["SampleRate"]) == 48000
    assert audio["ChannelLayout"] == "mono"
    assert video["RefFrames"] is None  # empty elements come back as None
    assert (wrong.value.get_status_code(), wrong.value.get_error_code()) == (
        403,
        "SignatureDoesNotMatch",
    )
    assert (missing.value.get_status_code(), missing.value.get_error_code()) == (404, "NoSuchKey")
    assert unsigned.status_code == 403


class _CountingEngine(SnapshotEngine):
    """Counts cache lookups of media info, so a test can tell when every request waits."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lookups = 0
        self._count = threading.Lock()

    def _known_media(self, key: Any) -> Any:
        with self._count:
            self.lookups += 1
        return super()._known_media(key)


async def test_concurrent_requests_for_one_file_share_one_probe(
    tmp_path: Path, videos: dict[str, FixtureInfo], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "clip.mp4").write_bytes(videos["plain.mp4"].path.read_bytes())
    release = threading.Event()
    probes: list[str] = []
    real_probe = frames_engine.probe_media

    def held_probe(*args: Any) -> Any:
        probes.append(args[3])
        release.wait(30)
        return real_probe(*args)

    monkeypatch.setattr(frames_engine, "probe_media", held_probe)
    requests = 8
    settings = EmulatorSettings(root=tmp_path, anonymous=True)
    with (
        _CountingEngine() as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        async with httpx2.AsyncClient(base_url=url, timeout=60) as client:
            try:
                tasks = [
                    asyncio.create_task(client.get("/clip.mp4", params={"ci-process": "videoinfo"}))
                    for _ in range(requests)
                ]
                # The first probe holds the file's lock; the others looked in the cache once
                # and wait for the lock (the first looked twice: before and after taking it).
                deadline = time.monotonic() + 30
                while not (len(probes) == 1 and engine.lookups >= requests + 1):
                    assert time.monotonic() < deadline, (probes, engine.lookups)
                    await asyncio.sleep(0.01)
            finally:
                release.set()
            responses = await asyncio.gather(*tasks)
            (tmp_path / "new.mp4").write_bytes(videos["clip.ts"].path.read_bytes())
            (tmp_path / "new.mp4").replace(tmp_path / "clip.mp4")  # a replaced file
            replaced = await client.get("/clip.mp4", params={"ci-process": "videoinfo"})
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert len(probes) == 2  # one for all eight, one for the replaced file
    size = ET.fromstring(replaced.content).findtext("MediaInfo/Format/Size")
    assert size == str(videos["clip.ts"].path.stat().st_size)


def test_media_info_decodes_no_frame(
    cos_emulator: CosEmulator, videos: dict[str, FixtureInfo], decode_passes: list[object]
) -> None:
    url = cos_emulator.endpoint_url
    cos_emulator.put("clip.mp4", videos["plain.mp4"].path)
    assert parse(media_info(url, "clip.mp4")) is not None
    assert decode_passes == []
    snapshot = httpx2.get(f"{url}/clip.mp4", params={"ci-process": "snapshot", "time": "1"})
    assert snapshot.status_code == 200
    assert len(decode_passes) == 1  # the hook does see decodes


def test_serve_flags_choose_size_rotation_sign_and_bitrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[EmulatorSettings] = []
    monkeypatch.setattr(
        cos_snapshot.emulator, "run_server", lambda settings, **_: started.append(settings)
    )
    flags = ["--media-size", "displayed", "--rotation-sign", "clockwise"]
    flags += ["--stream-bitrate", "empty"]
    assert main(["serve", "--root", str(tmp_path), "--anonymous", *flags]) == 0
    assert main(["serve", "--root", str(tmp_path), "--anonymous"]) == 0
    chosen, default = started
    assert (chosen.media_size, chosen.rotation_sign) == ("displayed", "clockwise")
    assert (default.media_size, default.rotation_sign) == ("stored", "counter-clockwise")
    assert (chosen.stream_bitrate, default.stream_bitrate) == ("empty", "measured")


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ".webm"])
@pytest.mark.parametrize(("rotate", "flip"), [(0, False), (90, False), (180, True), (270, True)])
def test_rotation_is_the_display_matrix_ffmpeg_applies(
    cos_fixture_video: FixtureVideos, suffix: str, rotate: int, flip: bool
) -> None:
    codec = "vp9" if suffix == ".webm" else "h264"
    info = cos_fixture_video.info(
        name=f"clip{suffix}", duration=Fraction(1, 5), rotate=rotate, flip=flip, codec=codec
    )
    with SnapshotEngine() as engine:
        media = engine.media_info(info.path)
    assert (media.rotation - decoded_rotation(info.path)) % 360 == 0
    assert -180 < media.rotation <= 180
    assert media.swaps_axes == info.orientation.swaps_axes


def test_codec_names_are_the_codecs_not_the_decoders(cos_fixture_video: FixtureVideos) -> None:
    """FFmpeg decodes AV1 with libdav1d; ffprobe, and the vendor, name the codec ``av1``."""
    info = cos_fixture_video.info(
        name="clip.webm", duration=Fraction(1, 5), size=(64, 48), codec="av1", audio=True
    )
    with SnapshotEngine() as engine:
        media = engine.media_info(info.path)
    assert dict(media.video.fields)["CodecName"] == info.codec == "av1"
    (track,) = media.audio
    assert dict(track.fields)["CodecName"] == info.audio_codec == "opus"


class _SnapshotsOnly:
    """A stand-in engine with only what create_app requires: snapshot() and close()."""

    def __init__(self) -> None:
        self._engine = SnapshotEngine()

    def snapshot(self, path: Path, params: Any) -> Any:
        return self._engine.snapshot(path, params)

    def close(self) -> None:
        self._engine.close()


def test_an_engine_without_media_info_answers_501_and_still_snapshots(
    tmp_path: Path, videos: dict[str, FixtureInfo]
) -> None:
    os.link(videos["plain.mp4"].path, tmp_path / "plain.mp4")
    settings = EmulatorSettings(root=tmp_path, anonymous=True)
    engine = _SnapshotsOnly()
    try:
        with running_emulator(settings, app=create_app(settings, engine=engine)) as url:  # type: ignore[arg-type]
            response = media_info(url, "plain.mp4")
            snapshot = httpx2.get(
                f"{url}/plain.mp4", params={"ci-process": "snapshot", "time": "1"}, timeout=60
            )
    finally:
        engine.close()
    assert response.status_code == 501
    assert ET.fromstring(response.content).findtext("Code") == "NotImplemented"
    info = videos["plain.mp4"]
    assert read_frame_index(Image.open(io.BytesIO(snapshot.content))) == info.frame_at(1)
