"""The emulator against idle, slow, racing and greedy clients: nothing hangs, nothing is
over-spent, nothing is written that should not be (issue 20).

Real uvicorn servers on loopback; raw sockets for the clients that misbehave at the HTTP level.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from PIL import Image

from cos_snapshot import Credentials
from cos_snapshot._shared.files import temporary_beside
from cos_snapshot.emulator import EmulatorSettings, SnapshotEngine, create_app, running_emulator
from cos_snapshot.emulator import storage as storage_module
from cos_snapshot.emulator.frames import FrameError, SnapshotParams
from cos_snapshot.emulator.frames import engine as engine_module
from cos_snapshot.emulator.frames.index import _Index
from cos_snapshot.emulator.listing import ListRequest
from cos_snapshot.emulator.storage import RESERVED_PREFIX, Storage, weak_etag
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos


def _code(response: httpx2.Response) -> str | None:
    return ET.fromstring(response.content).findtext("Code")


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def _closed_by_server(sock: socket.socket) -> bytes:
    """What the server sends before it closes ``sock`` (waits at most 30 s for the close)."""
    sock.settimeout(30)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


# -- hangs ------------------------------------------------------------------------------------


def test_idle_and_half_sent_connections_are_dropped_after_the_head_timeout(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello")
    settings = EmulatorSettings(
        root=tmp_path, anonymous=True, max_connections=4, request_head_timeout_s=0.5
    )
    with running_emulator(settings) as url:
        idle = [socket.create_connection(_address(url)) for _ in range(2)]
        half = [socket.create_connection(_address(url)) for _ in range(2)]
        for sock in half:
            sock.sendall(b"GET /a.txt HTTP/1.1\r\nHost: x\r\n")  # the head never ends
        try:
            for sock in idle + half:
                assert _closed_by_server(sock) == b""
        finally:
            for sock in idle + half:
                sock.close()
        # Every connection place is free again: a real request is served, not a plain 503.
        assert httpx2.get(f"{url}/a.txt").content == b"hello"


def test_a_body_that_stops_arriving_is_a_request_timeout(tmp_path: Path) -> None:
    settings = EmulatorSettings(
        root=tmp_path, anonymous=True, allow_writes=True, request_body_timeout_s=0.5
    )
    with running_emulator(settings) as url, socket.create_connection(_address(url)) as sock:
        sock.sendall(
            b"PUT /new/dir/slow.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"
        )
        answer = _closed_by_server(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"<Code>RequestTimeout</Code>" in answer
    assert not (tmp_path / "new").exists()  # nothing stored, no empty directory left
    staging = tmp_path / RESERVED_PREFIX  # made by the first upload that gets its body
    assert not staging.exists() or list(staging.iterdir()) == []


@pytest.mark.parametrize("cos_emulator_settings", [{"anonymous": True}], indirect=True)
def test_a_range_of_thousands_of_digits_is_400(cos_emulator: CosEmulator) -> None:
    cos_emulator.put("a.txt", b"0123456789")
    for header in ("bytes=" + "9" * 4301 + "-", "bytes=0-" + "9" * 4301, "bytes=-" + "9" * 20):
        response = httpx2.get(f"{cos_emulator.endpoint_url}/a.txt", headers={"Range": header})
        assert response.status_code == 400, header
        assert _code(response) == "InvalidArgument"
    ranged = httpx2.get(f"{cos_emulator.endpoint_url}/a.txt", headers={"Range": "bytes=-3"})
    assert ranged.content == b"789"


# -- writes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cos_emulator_settings", [{"anonymous": True}], indirect=True)
def test_an_anonymous_emulator_refuses_every_write(cos_emulator: CosEmulator) -> None:
    url = cos_emulator.endpoint_url
    cos_emulator.put("mine.txt", b"the user's own file")  # the fixture's direct put still works
    for method in ("PUT", "DELETE", "POST"):
        for key in ("mine.txt", "new.txt"):
            response = httpx2.request(method, f"{url}/{key}", content=b"overwritten")
            assert response.status_code == 403, (method, key)
            assert _code(response) == "AccessDenied"
            assert "--allow-writes" in (ET.fromstring(response.content).findtext("Message") or "")
    assert (cos_emulator.root / "mine.txt").read_bytes() == b"the user's own file"
    assert not (cos_emulator.root / "new.txt").exists()
    assert httpx2.get(f"{url}/mine.txt").content == b"the user's own file"


@pytest.mark.cos_emulator(anonymous=True, allow_writes=True)
def test_allow_writes_and_read_only(cos_emulator: CosEmulator, tmp_path: Path) -> None:
    url = cos_emulator.endpoint_url
    assert httpx2.put(f"{url}/a.txt", content=b"a").status_code == 200
    assert httpx2.delete(f"{url}/a.txt").status_code == 204
    credentials = Credentials("AKIDreadonly", "read-only-secret")
    signed = EmulatorSettings(root=tmp_path, credentials=(credentials,), read_only=True)
    assert not signed.writable
    assert EmulatorSettings(root=tmp_path, credentials=(credentials,)).writable
    assert not EmulatorSettings(root=tmp_path, anonymous=True).writable
    with pytest.raises(ValueError, match="exclude"):
        EmulatorSettings(root=tmp_path, anonymous=True, allow_writes=True, read_only=True)


def test_staged_uploads_of_a_killed_emulator_are_swept_at_start(tmp_path: Path) -> None:
    staging = tmp_path / RESERVED_PREFIX
    staging.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    ours = temporary_beside(staging / "upload")
    left = ours.with_name(ours.name.replace(f".{os.getpid()}.", f".{gone.stdout.strip()}."))
    left.write_bytes(b"half an upload")
    live = temporary_beside(staging / "upload")  # this process's: a live run's upload
    live.write_bytes(b"in progress")
    create_app(EmulatorSettings(root=tmp_path, anonymous=True))
    assert not left.exists()
    assert live.exists()


@pytest.mark.cos_emulator(anonymous=True, allow_writes=True)
def test_a_failed_put_leaves_no_staged_file_and_no_empty_directory(
    cos_emulator: CosEmulator,
) -> None:
    root, url = cos_emulator.root, cos_emulator.endpoint_url
    (root / "kept").mkdir()
    wrong = base64.b64encode(hashlib.md5(b"other", usedforsecurity=False).digest()).decode()
    for key in ("a/b/c/x.bin", "kept/d/x.bin"):
        response = httpx2.put(f"{url}/{key}", content=b"data", headers={"Content-MD5": wrong})
        assert _code(response) == "BadDigest"
    assert sorted(p.name for p in root.iterdir()) == [RESERVED_PREFIX, "kept"]
    assert list((root / "kept").iterdir()) == []
    assert list((root / RESERVED_PREFIX).iterdir()) == []


# -- ETags ------------------------------------------------------------------------------------


def test_racing_puts_never_poison_the_etag_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first upload's rename is followed, before it returns, by the second's: the first
    must not record its MD5 for the file the second put there."""
    storage = Storage(tmp_path)
    first, second = storage.begin_upload("k.bin"), storage.begin_upload("k.bin")
    first.write(b"first upload")
    second.write(b"second upload")
    real_replace = os.replace
    raced = []

    def replace_then_race(source: Any, target: Any) -> None:
        real_replace(source, target)
        if not raced:
            raced.append(True)
            second.commit()

    monkeypatch.setattr(storage_module.os, "replace", replace_then_race)
    assert first.commit() == f'"{hashlib.md5(b"first upload").hexdigest()}"'
    obj = storage.open("k.bin")
    obj.close()
    assert obj.etag == f'"{hashlib.md5(b"second upload").hexdigest()}"'


def test_etags_never_read_a_placed_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HEAD, GET and listings of a file placed on disk report the ETag of its identity: no
    byte of it is read for one (a first HEAD of a 2 GB file used to hash it whole)."""
    (tmp_path / "big.bin").write_bytes(os.urandom(1 << 16))
    storage = Storage(tmp_path)

    def no_reading(*args: object) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(os, "pread", no_reading)
    monkeypatch.setattr(os, "read", no_reading)
    obj = storage.open("big.bin")
    obj.close()
    (listed,) = storage.list_page(ListRequest()).objects
    assert obj.etag == listed.etag == weak_etag((tmp_path / "big.bin").stat())


def test_a_put_s_md5_outlives_the_emulator_and_not_a_rewrite(tmp_path: Path) -> None:
    upload = Storage(tmp_path).begin_upload("k.bin", {"content-type": "video/mp4"})
    upload.write(b"uploaded")
    etag = upload.commit()
    assert etag == f'"{hashlib.md5(b"uploaded").hexdigest()}"'
    restarted = Storage(tmp_path)  # its memory empty: the record on disk answers
    obj = restarted.open("k.bin")
    obj.close()
    assert (obj.etag, obj.headers) == (etag, {"content-type": "video/mp4"})
    (tmp_path / "k.bin").write_bytes(b"rewritten by hand")
    obj = Storage(tmp_path).open("k.bin")
    obj.close()
    assert (obj.etag, obj.headers) == (weak_etag((tmp_path / "k.bin").stat()), {})


# -- memory and admission ---------------------------------------------------------------------


@pytest.fixture
def two_videos(cos_fixture_video: FixtureVideos, tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "a.mp4"
    b = tmp_path / "b.mp4"
    a.write_bytes(cos_fixture_video(name="a.mp4", duration=1, size=(96, 64)).read_bytes())
    b.write_bytes(cos_fixture_video(name="b.mp4", duration=2, size=(96, 64)).read_bytes())
    return a, b


def test_the_index_cache_is_bounded_in_bytes(two_videos: tuple[Path, Path]) -> None:
    a, b = two_videos
    params = SnapshotParams(time=Decimal("0.5"))
    with SnapshotEngine(index_cache_bytes=20_000) as engine:
        engine.snapshot(a, params)
        first = engine._open.weight
        assert 0 < first <= 20_000
        engine.snapshot(b, params)  # its index and a's do not fit together
        assert [video.key.path for video in engine._open.values()] == [os.fspath(b)]
        assert engine._open.weight <= 20_000
        engine.media_info(a)  # GetMediaInfo builds an index too, and counts it
        assert [video.key.path for video in engine._open.values()] == [os.fspath(a)]


def test_index_builds_take_a_decode_place(
    two_videos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    building = 0
    most = 0
    lock = threading.Lock()
    real_build = _Index.build.__func__  # type: ignore[attr-defined]

    def counted_build(cls: type[_Index], container: Any, stream: Any) -> _Index:
        nonlocal building, most
        with lock:
            building += 1
            most = max(most, building)
        try:
            time.sleep(0.3)  # a long file: the other build would start meanwhile
            return real_build(cls, container, stream)  # type: ignore[no-any-return]
        finally:
            with lock:
                building -= 1

    monkeypatch.setattr(_Index, "build", classmethod(counted_build))
    with SnapshotEngine(max_decodes=1) as engine:
        params = SnapshotParams(time=Decimal("0.5"))
        works: list[Callable[[], object]] = [
            lambda: engine.snapshot(two_videos[0], params),
            lambda: engine.media_info(two_videos[1]),
        ]
        threads = [threading.Thread(target=work) for work in works]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert most == 1


@pytest.mark.cos_emulator(anonymous=True, workers=1, queue_limit=0)
def test_get_media_info_is_admitted_like_decode_work(
    cos_emulator: CosEmulator, two_videos: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    entered = threading.Event()
    release = threading.Event()
    real_probe = engine_module.probe_media

    def first_probe_waits(*args: Any) -> Any:
        if not entered.is_set():
            entered.set()
            assert release.wait(30)
        return real_probe(*args)

    monkeypatch.setattr(engine_module, "probe_media", first_probe_waits)
    for video in two_videos:
        cos_emulator.put(video.name, video)
    url = cos_emulator.endpoint_url
    answers: list[httpx2.Response] = []
    first = threading.Thread(
        target=lambda: answers.append(httpx2.get(f"{url}/a.mp4?ci-process=videoinfo"))
    )
    first.start()
    try:
        assert entered.wait(30)
        crowded = httpx2.get(f"{url}/b.mp4?ci-process=videoinfo", timeout=30)
        assert crowded.status_code == 503
        assert _code(crowded) == "SlowDown"
        assert crowded.headers["retry-after"] == "1"
    finally:
        release.set()
        first.join()
    assert answers[0].status_code == 200
    # Known answers need no place: asked again while the queue is full, they are served.
    assert httpx2.get(f"{url}/a.mp4?ci-process=videoinfo").status_code == 200


def test_a_source_over_the_pixel_cap_is_refused_with_a_4xx(
    two_videos: tuple[Path, Path],
) -> None:
    root = two_videos[0].parent
    settings = EmulatorSettings(root=root, anonymous=True)
    with (
        SnapshotEngine(max_source_pixels=96 * 64 - 1) as engine,
        running_emulator(settings, app=create_app(settings, engine=engine)) as url,
    ):
        refused = httpx2.get(f"{url}/a.mp4?ci-process=snapshot&time=0.5")
        assert refused.status_code == 400
        message = ET.fromstring(refused.content).findtext("Message") or ""
        assert "96 x 64 = 6,144 pixels" in message
        assert "at most 6,143" in message
        # GetMediaInfo decodes nothing: it still answers.
        assert httpx2.get(f"{url}/a.mp4?ci-process=videoinfo").status_code == 200
    with pytest.raises(FrameError, match="pixels"), SnapshotEngine(max_source_pixels=100) as e:
        e.snapshot(two_videos[1], SnapshotParams(time=Decimal(0)))


@pytest.mark.cos_emulator(anonymous=True)
def test_a_source_wider_than_4096_asked_at_its_own_size_is_fitted_into_4096(
    cos_fixture_video: FixtureVideos, cos_emulator: CosEmulator
) -> None:
    wide = cos_fixture_video.info(
        name="wide.mp4", duration=0.2, fps=10, gop=2, size=(4200, 64), verify=False
    )
    cos_emulator.put("wide.mp4", wide.path)
    url = cos_emulator.endpoint_url
    answer = httpx2.get(f"{url}/wide.mp4?ci-process=snapshot&time=0&format=png")
    assert answer.status_code == 200
    with Image.open(io.BytesIO(answer.content)) as image:
        assert image.size == (4096, 62)  # 64 * 4096 / 4200 = 62.4


# -- serve ------------------------------------------------------------------------------------


def test_serve_with_a_port_out_of_range_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cos_snapshot.cli", "serve", "--root", str(tmp_path),
         "--anonymous", "--port", "99999"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "cos-snapshot: error: --port must be a whole number from 0 to 65535, not 99999"
    ]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    (tmp_path / "a.txt").write_bytes(b"served")
    process = subprocess.Popen(
        [sys.executable, "-m", "cos_snapshot.cli", "serve", "--root", str(tmp_path),
         "--anonymous", "--port", "0", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        process.wait(30)


def test_serve_json_prints_its_url_once_listening(served: subprocess.Popen[str]) -> None:
    assert served.stdout is not None
    ready, _, _ = select.select([served.stdout], [], [], 60)
    assert ready, "serve --json printed nothing"
    line = served.stdout.readline()
    info = json.loads(line)
    assert info["url"].startswith("http://127.0.0.1:")
    assert not info["url"].endswith(":0")
    assert info["writable"] is False
    assert httpx2.get(f"{info['url']}/a.txt", timeout=30).content == b"served"
    refused = httpx2.put(f"{info['url']}/a.txt", content=b"x", timeout=30)
    assert refused.status_code == 403
