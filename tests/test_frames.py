"""The frame engine against real videos: every snapshot's frame index is read back from the
picture and compared with what the fixture's own timeline says (no mocks)."""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from cos_snapshot.emulator.frames import (
    FrameError,
    NotAVideoError,
    PastEndError,
    SnapshotEngine,
    SnapshotParams,
)
from cos_snapshot.testing import (
    FixtureInfo,
    Orientation,
    make_audio_fixture,
    read_frame_index,
    read_orientation,
)
from cos_snapshot.testing.pytest_plugin import FixtureVideos

SMALL = (192, 144)
# name -> make_fixture arguments. Two seconds, a keyframe every 12 frames.
VIDEOS: dict[str, dict[str, Any]] = {
    "h264-bframes.mp4": {"codec": "h264", "bframes": 3},
    "hevc-open-gop.mp4": {"codec": "hevc", "bframes": 3, "open_gop": True},
    "vp9.webm": {"codec": "vp9"},
    "av1.mkv": {"codec": "av1"},
    "h264.ts": {"codec": "h264", "bframes": 2},
    "hevc-open-gop.ts": {"codec": "hevc", "bframes": 3, "open_gop": True},
    "h264.mov": {"codec": "h264"},
    "h264-open-gop.mkv": {"codec": "h264", "open_gop": True, "audio": True},
    "vfr.mp4": {"codec": "h264", "vfr": True},
    "vfr.mkv": {"codec": "vp9", "vfr": True},
    "odd-vp9.webm": {"codec": "vp9", "size": (321, 241)},
    "odd-h264.mp4": {"codec": "h264", "size": (321, 241)},
    "rot90.mp4": {"rotate": 90},
    "rot180.mp4": {"rotate": 180},
    "rot270.mov": {"rotate": 270},
    "mirror.mp4": {"flip": True},
    "rot90-mirror.mp4": {"rotate": 90, "flip": True},
    "start-offset.mp4": {"start_offset": 1},
}
ORIENTED = ["rot90.mp4", "rot180.mp4", "rot270.mov", "mirror.mp4", "rot90-mirror.mp4"]


def video(cos_fixture_video: FixtureVideos, name: str) -> FixtureInfo:
    kwargs = {"duration": 2, "fps": 25, "gop": 12, "size": SMALL, **VIDEOS[name]}
    return cos_fixture_video.info(name=name, **kwargs)


@pytest.fixture(scope="module")
def engine() -> Iterator[SnapshotEngine]:
    with SnapshotEngine() as e:
        yield e


@pytest.fixture(scope="module")
def next_engine() -> Iterator[SnapshotEngine]:
    with SnapshotEngine(exactframe="next") as e:
        yield e


TINY = Decimal("1e-20")


def dec(value: Fraction) -> Decimal:
    """The exact Decimal of a fraction whose denominator is 2^a 5^b."""
    d = Decimal(value.numerator) / Decimal(value.denominator)
    assert Fraction(d) == value, value
    return d


def interesting_times(info: FixtureInfo) -> list[Decimal]:
    n = info.frame_count
    picks = {0, 1, 2, n // 2, n - 2, n - 1}
    for k in info.keyframes:
        picks |= {k - 1, k, k + 1}
    times = [Decimal(0), Decimal("1e-300"), info.end and dec(info.end)]
    for i in sorted(p for p in picks if 0 <= p < n):
        t = dec(info.times[i])
        times += [t, t + TINY]
        if t > 0:
            times.append(t - TINY)
        if i + 1 < n:
            times.append(dec((info.times[i] + info.times[i + 1]) / 2))
    end = dec(info.end)
    times += [end - TINY, end + Decimal("0.5"), Decimal("1e6"), Decimal("1e20")]
    return times


def check(
    engine: SnapshotEngine, info: FixtureInfo, time: Decimal, mode: str, expected: int
) -> str | None:
    params = SnapshotParams(time, mode=mode)  # type: ignore[arg-type]
    image = engine.snapshot(info.path, params)
    got = read_frame_index(image.data)
    if got != expected:
        return f"{info.path.name} time={time} mode={mode}: frame {got}, expected {expected}"
    if image.frame_pts != info.times[expected] or image.keyframe != (expected in info.keyframes):
        return f"{info.path.name} time={time}: wrong frame_pts/keyframe {image}"
    return None


@pytest.mark.parametrize("name", list(VIDEOS))
def test_frame_choice(
    cos_fixture_video: FixtureVideos, engine: SnapshotEngine, next_engine: SnapshotEngine, name: str
) -> None:
    info = video(cos_fixture_video, name)
    errors = []
    for t in interesting_times(info):
        errors.append(check(engine, info, t, "exactframe", info.frame_at(t)))
        errors.append(check(engine, info, t, "keyframe", info.keyframe_at(t)))
        errors.append(check(next_engine, info, t, "exactframe", info.next_frame_at(t)))
        errors.append(check(next_engine, info, t, "keyframe", info.keyframe_at(t)))
    errors = [e for e in errors if e]
    assert not errors, "\n".join(errors[:10])


def test_fixture_structures_are_what_they_claim(cos_fixture_video: FixtureVideos) -> None:
    ts = video(cos_fixture_video, "h264.ts")
    assert ts.start > 0  # MPEG-TS starts at a non-zero timestamp
    assert video(cos_fixture_video, "start-offset.mp4").start == 1
    vfr = video(cos_fixture_video, "vfr.mp4")
    steps = {b - a for a, b in zip(vfr.times, vfr.times[1:], strict=False)}
    assert len(steps) > 3
    assert video(cos_fixture_video, "h264-bframes.mp4").keyframes[:3] == (0, 12, 24)


@pytest.mark.parametrize(
    ("text", "index", "next_index"),
    [
        ("1.9199999999999999999", 47, 48),
        ("1.92", 48, 48),
        ("1.92000000000000000001", 48, 49),
        ("1.92E0", 48, 48),
        ("192e-2", 48, 48),
        ("1.16", 29, 29),  # int(1.16 * 12800) is one tick short
        ("0.0399999999999999999999999999999999999", 0, 1),
        ("1e-999999999", 0, 1),
        ("0E-30", 0, 0),
    ],
)
def test_decimal_edges(
    cos_fixture_video: FixtureVideos,
    engine: SnapshotEngine,
    next_engine: SnapshotEngine,
    text: str,
    index: int,
    next_index: int,
) -> None:
    info = video(cos_fixture_video, "h264-bframes.mp4")
    t = Decimal(text)
    assert read_frame_index(engine.snapshot(info.path, SnapshotParams(t)).data) == index
    assert read_frame_index(next_engine.snapshot(info.path, SnapshotParams(t)).data) == next_index


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    frame=st.integers(min_value=0, max_value=49),
    offset=st.sampled_from(["0", "1e-9", "-1e-9", "0.02", "0.0399", "-0.0001"]),
    jitter=st.decimals(min_value=0, max_value=3, places=3),
    use_jitter=st.booleans(),
    mode=st.sampled_from(["exactframe", "keyframe"]),
)
def test_random_times(
    cos_fixture_video: FixtureVideos,
    engine: SnapshotEngine,
    frame: int,
    offset: str,
    jitter: Decimal,
    use_jitter: bool,
    mode: str,
) -> None:
    info = video(cos_fixture_video, "h264-bframes.mp4")
    t = jitter if use_jitter else max(Decimal(0), dec(info.times[frame]) + Decimal(offset))
    expected = info.frame_at(t) if mode == "exactframe" else info.keyframe_at(t)
    image = engine.snapshot(info.path, SnapshotParams(t, mode=mode))  # type: ignore[arg-type]
    assert read_frame_index(image.data) == expected


# --- sizes and orientation ------------------------------------------------------------------


def expected_size(display: tuple[int, int], width: int, height: int) -> tuple[int, int]:
    dw, dh = display
    if width and height:
        return width, height

    def half_up(value: Decimal) -> int:
        return max(1, int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)))

    if width:
        return width, half_up(Decimal(width) * dh / dw)
    if height:
        return half_up(Decimal(height) * dw / dh), height
    return display


SIZES = [(0, 0), (96, 0), (0, 100), (33, 0), (1, 0), (0, 1), (2, 0), (3, 0), (0, 45), (45, 0)]
SIZES += [(64, 16), (32, 24), (24, 32), (4096, 0), (17, 4096)]


@pytest.mark.parametrize("name", ["h264-bframes.mp4", "rot90.mp4", "rot270.mov", "odd-vp9.webm"])
@pytest.mark.parametrize("rotate", ["auto", "off"])
def test_output_size(
    cos_fixture_video: FixtureVideos, engine: SnapshotEngine, name: str, rotate: str
) -> None:
    info = video(cos_fixture_video, name)
    display = info.display_size if rotate == "auto" else info.stored_size
    for width, height in SIZES:
        params = SnapshotParams(
            Decimal("0.5"),
            width=width,
            height=height,
            rotate=rotate,  # type: ignore[arg-type]
            format="png" if width == 33 else "jpg",
        )
        image = engine.snapshot(info.path, params)
        want = expected_size(display, width, height)
        assert (image.width, image.height) == want, (width, height)
        decoded = PILImage.open(io.BytesIO(image.data))
        assert decoded.size == want
        assert decoded.format == ("PNG" if width == 33 else "JPEG")
        assert image.content_type == ("image/png" if width == 33 else "image/jpeg")
        if min(want) >= 16:
            assert read_frame_index(decoded) == info.frame_at(Decimal("0.5"))


@pytest.mark.parametrize("name", ORIENTED)
def test_orientation(cos_fixture_video: FixtureVideos, engine: SnapshotEngine, name: str) -> None:
    info = video(cos_fixture_video, name)
    for size in [(0, 0), (40, 0), (64, 16)]:
        auto = engine.snapshot(info.path, SnapshotParams(Decimal(1), width=size[0]))
        off = engine.snapshot(info.path, SnapshotParams(Decimal(1), width=size[0], rotate="off"))
        assert read_orientation(auto.data) == info.orientation
        assert read_orientation(off.data) == Orientation()
        assert (auto.width, auto.height) == expected_size(info.display_size, size[0], 0)
        assert (off.width, off.height) == expected_size(info.stored_size, size[0], 0)


def test_too_large_computed_side(cos_fixture_video: FixtureVideos) -> None:
    info = cos_fixture_video.info(
        name="thin.webm", codec="vp9", duration=0.2, size=(16, 400), verify=False
    )
    with SnapshotEngine() as e, pytest.raises(FrameError, match="height") as caught:
        e.snapshot(info.path, SnapshotParams(Decimal(0), width=4096))
    assert caught.value.status == 400
    assert caught.value.code == "InvalidArgument"


# --- errors ---------------------------------------------------------------------------------


def broken_files(cos_fixture_video: FixtureVideos, folder: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    mp4 = video(cos_fixture_video, "h264-bframes.mp4").path.read_bytes()
    mkv = video(cos_fixture_video, "vp9.webm").path.read_bytes()
    files = {
        "text.mp4": b"hello, this is not a video\n" * 20,
        "empty.mp4": b"",
        "truncated.mp4": mp4[: len(mp4) // 2],  # the index (moov) is at the end
        "header-only.webm": mkv[:400],
        "random.bin": bytes((i * 7919) % 251 for i in range(5000)),
    }
    paths = {}
    for name, data in files.items():
        path = folder / name
        path.write_bytes(data)
        paths[name] = path
    paths["audio-only.m4a"] = make_audio_fixture(folder / "audio-only.m4a")
    paths["audio-only.mkv"] = make_audio_fixture(folder / "audio-only.mkv")
    return paths


def test_not_a_video(
    cos_fixture_video: FixtureVideos, video_dir: Path, engine: SnapshotEngine
) -> None:
    for name, path in broken_files(cos_fixture_video, video_dir / "broken").items():
        for attempt in range(2):  # the failure is remembered, and stays the same
            with pytest.raises(NotAVideoError) as caught:
                engine.snapshot(path, SnapshotParams(Decimal(1)))
            assert caught.value.status == 400, name
            assert caught.value.code == "InvalidArgument", name
            assert "video" in str(caught.value), (name, attempt)


def test_missing_file_and_non_files(engine: SnapshotEngine, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        engine.snapshot(tmp_path / "nope.mp4", SnapshotParams(Decimal(1)))
    with pytest.raises(NotAVideoError):
        engine.snapshot(tmp_path, SnapshotParams(Decimal(1)))
    fifo = tmp_path / "fifo.mp4"
    os.mkfifo(fifo)
    with pytest.raises(NotAVideoError):  # and no hang waiting for a writer
        engine.snapshot(fifo, SnapshotParams(Decimal(1)))


def test_truncated_stream_serves_what_is_there(
    cos_fixture_video: FixtureVideos, tmp_path: Path
) -> None:
    info = video(cos_fixture_video, "h264.ts")
    cut = tmp_path / "cut.ts"
    data = info.path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with SnapshotEngine() as e:
        assert read_frame_index(e.snapshot(cut, SnapshotParams(Decimal("0.2"))).data) == 5
        last = read_frame_index(e.snapshot(cut, SnapshotParams(Decimal(100))).data)
    assert 10 < last < info.frame_count - 1


def test_damaged_files_never_crash(cos_fixture_video: FixtureVideos, tmp_path: Path) -> None:
    """Bit flips, cuts and zeroed ranges: an image or NotAVideoError, nothing else."""
    rng = random.Random(11)
    sources = [
        video(cos_fixture_video, n).path.read_bytes() for n in ("h264-bframes.mp4", "h264.ts")
    ]
    sources.append(video(cos_fixture_video, "vp9.webm").path.read_bytes())
    with SnapshotEngine(result_cache_bytes=0) as e:
        for trial in range(40):
            which = trial % 3
            data = bytearray(sources[which])
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            if trial % 4 == 0:
                data = data[: rng.randrange(len(data))]
            if trial % 5 == 0:
                a = rng.randrange(len(data))
                data[a : a + 1000] = bytes(len(data[a : a + 1000]))
            path = tmp_path / f"damaged{trial}{('.mp4', '.ts', '.webm')[which]}"
            path.write_bytes(bytes(data))
            for t in ("0", "0.7", "5"):
                with contextlib.suppress(NotAVideoError):
                    image = e.snapshot(path, SnapshotParams(Decimal(t), mode="exactframe"))
                    assert image.data


def test_past_end_error(cos_fixture_video: FixtureVideos) -> None:
    info = video(cos_fixture_video, "h264-bframes.mp4")
    end = dec(info.end)
    with SnapshotEngine(past_end="error") as e:
        ok = e.snapshot(info.path, SnapshotParams(end - TINY))
        assert read_frame_index(ok.data) == info.frame_count - 1
        for t in [end, end + 1, Decimal("1e30")]:
            for mode in ("exactframe", "keyframe"):
                with pytest.raises(PastEndError, match="time") as caught:
                    e.snapshot(info.path, SnapshotParams(t, mode=mode))  # type: ignore[arg-type]
                assert caught.value.status == 400
                assert caught.value.code == "InvalidArgument"


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"time": Decimal(-1)}, "time"),
        ({"time": Decimal("NaN")}, "time"),
        ({"time": Decimal("Infinity")}, "time"),
        ({"time": 1.5}, "time"),
        ({"time": Decimal(1), "width": 4097}, "width"),
        ({"time": Decimal(1), "height": -1}, "height"),
        ({"time": Decimal(1), "width": True}, "width"),
        ({"time": Decimal(1), "format": "gif"}, "format"),
        ({"time": Decimal(1), "rotate": "AUTO"}, "rotate"),
        ({"time": Decimal(1), "mode": ""}, "mode"),
    ],
)
def test_params_validation(kwargs: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        SnapshotParams(**kwargs)


# --- caches and concurrency -----------------------------------------------------------------


def test_result_cache(cos_fixture_video: FixtureVideos) -> None:
    info = video(cos_fixture_video, "h264-bframes.mp4")
    with SnapshotEngine() as e:
        first = e.snapshot(info.path, SnapshotParams(Decimal("1.0")))
        assert e.snapshot(info.path, SnapshotParams(Decimal("1.00"))) is first
        # another time showing the same frame reuses the encoded picture
        assert e.snapshot(info.path, SnapshotParams(Decimal("1.01"))) is first
        assert e.snapshot(info.path, SnapshotParams(Decimal("1.04"))) is not first


def test_replaced_file_is_reopened(cos_fixture_video: FixtureVideos, tmp_path: Path) -> None:
    a = cos_fixture_video.info(name="a.mp4", duration=1, size=(160, 120))
    b = cos_fixture_video.info(
        name="b.mp4", duration=1, fps=10, size=(160, 120)
    )  # same size, other frames
    target = tmp_path / "v.mp4"
    shutil.copyfile(a.path, target)
    with SnapshotEngine() as e:
        t = Decimal("0.5")
        assert read_frame_index(e.snapshot(target, SnapshotParams(t)).data) == 12
        staged = tmp_path / "staged.mp4"
        shutil.copyfile(b.path, staged)
        st = target.stat()
        os.utime(staged, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        os.replace(staged, target)
        assert read_frame_index(e.snapshot(target, SnapshotParams(t)).data) == 5
        c = cos_fixture_video.info(name="c.webm", codec="vp9", duration=1, size=(96, 64))
        shutil.copyfile(c.path, target)  # rewritten in place, different size
        image = e.snapshot(target, SnapshotParams(t))
        assert (image.width, image.height) == (96, 64)


def _padded_to(data: bytes, size: int) -> bytes:
    """``data`` (an MP4) grown to ``size`` bytes by a trailing ``free`` box, which readers skip."""
    pad = size - len(data)
    assert pad >= 8
    return data + pad.to_bytes(4, "big") + b"free" + bytes(pad - 8)


def test_a_file_rewritten_in_place_with_its_size_and_mtime_kept_is_read_anew(
    cos_fixture_video: FixtureVideos, tmp_path: Path
) -> None:
    # `rsync --inplace --times` or `cp -p` over an existing file: same inode, same byte length,
    # same mtime, other content. Only the change time (which no one can set back) tells the two
    # versions apart.
    first = cos_fixture_video.info(
        name="inplace-a.mp4", duration=1, size=(160, 120)
    ).path.read_bytes()
    second = cos_fixture_video.info(
        name="inplace-b.mp4", duration=1, size=(96, 64)
    ).path.read_bytes()
    size = max(len(first), len(second)) + 64
    target = tmp_path / "v.mp4"
    target.write_bytes(_padded_to(first, size))
    with SnapshotEngine() as e:
        t = Decimal("0.5")
        image = e.snapshot(target, SnapshotParams(t))
        assert (image.width, image.height) == (160, 120)
        before = target.stat()
        with target.open("r+b") as rewritten:
            rewritten.write(_padded_to(second, size))
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = target.stat()
        assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
            before.st_ino,
            before.st_size,
            before.st_mtime_ns,
        )
        assert e.known_snapshot(target, SnapshotParams(t)) is None  # the old answer is gone
        image = e.snapshot(target, SnapshotParams(t))
        assert (image.width, image.height) == (96, 64)


def test_small_container_cache_and_close(cos_fixture_video: FixtureVideos) -> None:
    infos = [video(cos_fixture_video, n) for n in ("h264-bframes.mp4", "vp9.webm", "h264.ts")]
    with SnapshotEngine(max_open_containers=1, result_cache_bytes=0) as e:
        for round_ in range(3):
            for info in infos:
                t = Decimal(round_) / 2 + Decimal("0.3")
                assert read_frame_index(e.snapshot(info.path, SnapshotParams(t)).data) == (
                    info.frame_at(t)
                )
            e.close()  # still usable afterwards


def test_concurrent_requests(cos_fixture_video: FixtureVideos) -> None:
    infos = [
        video(cos_fixture_video, n) for n in ("h264-bframes.mp4", "hevc-open-gop.mp4", "h264.ts")
    ]
    jobs = [
        (infos[i % 3], Decimal(i * 37 % 200) / 100, "keyframe" if i % 4 == 0 else "exactframe")
        for i in range(48)
    ]
    seen: set[int] = set()
    lock = threading.Lock()

    with SnapshotEngine(result_cache_bytes=0, max_open_containers=2) as e:

        def run(job: tuple[FixtureInfo, Decimal, str]) -> bool:
            info, t, mode = job
            image = e.snapshot(info.path, SnapshotParams(t, mode=mode))  # type: ignore[arg-type]
            with lock:
                seen.add(threading.get_ident())
            want = info.keyframe_at(t) if mode == "keyframe" else info.frame_at(t)
            return read_frame_index(image.data) == want

        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run, jobs))
    assert all(results)
