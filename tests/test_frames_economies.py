"""The frame engine's economies: idle decoders are closed (keeping the packet index), scalers
are pooled, and requests waiting for frames of one GOP share a decode pass. None of them
changes which frame comes back."""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest

from cos_snapshot.emulator.frames import SnapshotEngine, SnapshotParams
from cos_snapshot.emulator.frames import video as frames_video
from cos_snapshot.testing import read_frame_index
from cos_snapshot.testing.pytest_plugin import FixtureVideos


def test_decoders_over_budget_are_closed_and_reopen_with_their_index(
    cos_fixture_video: FixtureVideos,
) -> None:
    infos = [
        cos_fixture_video.info(name=f"m{i}.mp4", duration=2, size=(160, 120)) for i in range(3)
    ]
    with SnapshotEngine(decoder_memory_bytes=0, result_cache_bytes=0) as engine:
        for round_ in range(2):
            for info in infos:
                t = Decimal("0.4") + Decimal(round_) / 2
                image = engine.snapshot(info.path, SnapshotParams(t))
                assert read_frame_index(image.data) == info.frame_at(t)
        videos = list(engine._open.values())
        assert all(v.index is not None for v in videos)
        # Only the most recently used one may still hold its container and decoder.
        assert sum(v.container is not None for v in videos) <= 1


def test_decoders_within_budget_stay_open(cos_fixture_video: FixtureVideos) -> None:
    infos = [
        cos_fixture_video.info(name=f"k{i}.mp4", duration=1, size=(160, 120)) for i in range(2)
    ]
    with SnapshotEngine(result_cache_bytes=0) as engine:
        for info in infos:
            engine.snapshot(info.path, SnapshotParams(Decimal("0.5")))
        assert all(v.container is not None for v in engine._open.values())


def test_pooled_scalers_give_each_request_its_own_size(cos_fixture_video: FixtureVideos) -> None:
    info = cos_fixture_video.info(name="scalers.mp4", duration=2, size=(320, 240))
    sizes = [(w, 0) for w in (64, 96, 128, 160, 320)] * 4
    with SnapshotEngine(result_cache_bytes=0) as engine:

        def run(size: tuple[int, int]) -> tuple[int, int, int]:
            image = engine.snapshot(info.path, SnapshotParams(Decimal("1"), width=size[0]))
            return image.width, image.height, read_frame_index(image.data)

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run, sizes))
    for (width, _), (got_w, got_h, index) in zip(sizes, results, strict=True):
        assert (got_w, got_h) == (width, width * 3 // 4)
        assert index == info.frame_at(Decimal("1"))


def test_negative_decoder_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="budgets"):
        SnapshotEngine(decoder_memory_bytes=-1)


def test_waiting_requests_for_one_gop_share_a_decode_pass(
    cos_fixture_video: FixtureVideos, decode_passes: list[object]
) -> None:
    info = cos_fixture_video.info(name="shared-gop.mp4", duration=2, gop=50, size=(160, 120))
    times = [Decimal(i) / 25 for i in (3, 7, 11, 20, 29, 41, 48)]
    passes = decode_passes
    with SnapshotEngine(result_cache_bytes=0) as engine:
        engine.snapshot(info.path, SnapshotParams(Decimal(0)))  # builds the index
        passes.clear()
        video = next(iter(engine._open.values()))
        with ThreadPoolExecutor(len(times)) as pool:
            with video.lock:  # hold the decoder until every request has said what it wants
                futures = [
                    pool.submit(engine.snapshot, info.path, SnapshotParams(t)) for t in times
                ]
                deadline = time.monotonic() + 10
                while sum(video.wanted.values()) < len(times) and time.monotonic() < deadline:
                    time.sleep(0.01)
            images = [f.result() for f in futures]
    assert [read_frame_index(i.data) for i in images] == [info.frame_at(t) for t in times]
    assert len(passes) == 1, passes  # the first request's pass decoded every other frame too


def test_a_file_replaced_between_stat_and_open_is_read_as_the_new_file(
    cos_fixture_video: FixtureVideos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = cos_fixture_video.info(name="replaced-old.mp4", duration=2, fps=25, size=(96, 48))
    new = cos_fixture_video.info(name="replaced-new.mp4", duration=2, fps=10, size=(48, 96))
    path = tmp_path / "v.mp4"
    shutil.copyfile(old.path, path)
    real_open = frames_video.av.open
    replaced: list[str] = []

    def open_after_an_upload(target: str, *args: object, **kwargs: object) -> object:
        if not replaced:  # an upload lands between the engine's stat and its open
            upload = tmp_path / ".upload"
            shutil.copyfile(new.path, upload)
            os.replace(upload, path)
            replaced.append(target)
        return real_open(target, *args, **kwargs)

    monkeypatch.setattr(frames_video.av, "open", open_after_an_upload)
    t = Decimal("0.65")
    with SnapshotEngine() as engine:
        image = engine.snapshot(path, SnapshotParams(t))
        (video,) = engine._open.values()
        st = os.stat(path)
        assert (video.key.size, video.key.ino) == (st.st_size, st.st_ino)
    assert replaced
    assert (image.width, image.height) == new.display_size
    assert read_frame_index(image.data) == new.frame_at(t)
