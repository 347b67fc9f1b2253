"""Whole-file writes never replace what they do not own: a device, a FIFO or a symbolic link is
written through (or refused), a failed write leaves the target as it was, and the temporaries
of writers that are gone are swept, never those of a live one."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cos_snapshot import Snapshot
from cos_snapshot._shared.files import (
    STALE_AFTER_S,
    NotWritableError,
    is_temporary,
    replacing,
    sweep_stale,
    temporary_beside,
    write_whole,
)
from cos_snapshot.testing import make_fixture
from cos_snapshot.tools.batch import FailuresFile

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_regular_file_is_replaced_and_no_temporary_is_left(tmp_path: Path) -> None:
    target = tmp_path / "a.jpg"
    target.write_bytes(b"old")
    write_whole(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg"]


def test_a_symlink_is_kept_and_the_file_it_points_to_is_written(tmp_path: Path) -> None:
    real = tmp_path / "real.jpg"
    real.write_bytes(b"old")
    link = tmp_path / "link.jpg"
    link.symlink_to(real)
    write_whole(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"
    with replacing(link) as temporary:
        temporary.write_bytes(b"newer")
    assert link.is_symlink()
    assert real.read_bytes() == b"newer"


def test_a_dangling_symlink_creates_its_destination(tmp_path: Path) -> None:
    link = tmp_path / "link.jpg"
    link.symlink_to(tmp_path / "made.jpg")
    write_whole(link, b"x")
    assert link.is_symlink()
    assert (tmp_path / "made.jpg").read_bytes() == b"x"


def test_dev_null_stays_a_device(tmp_path: Path) -> None:
    devnull = Path(os.devnull)
    write_whole(devnull, b"x" * 100)
    with replacing(devnull) as temporary:
        temporary.write_bytes(b"y")
    Snapshot.from_bytes(PNG).save(devnull)
    assert devnull.is_char_device()
    assert not any(is_temporary(p.name) for p in Path("/dev").iterdir())


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_whole(fifo, b"through the pipe")
    reader.join(timeout=10)
    assert got == [b"through the pipe"]
    assert fifo.is_fifo()


def test_a_directory_is_refused_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "out.jpg"
    target.mkdir()
    with pytest.raises(NotWritableError, match=r"out\.jpg is a directory"):
        write_whole(target, b"x")
    with pytest.raises(NotWritableError, match="is a directory"), replacing(target):
        pass
    assert target.is_dir()


def test_a_failed_write_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "sheet.jpg"
    target.write_bytes(b"before")

    def fail_halfway(temporary: Path) -> None:
        temporary.write_bytes(b"half")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"), replacing(target) as temporary:
        fail_halfway(temporary)
    assert target.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.jpg"]


def test_temporaries_carry_the_writers_process_id(tmp_path: Path) -> None:
    name = temporary_beside(tmp_path / "a.mp4", keep_suffix=True).name
    assert is_temporary(name)
    assert f".{os.getpid()}." in name
    assert name.endswith(".partial.mp4")


def _temporary_of_a_process_that_is_gone(directory: Path) -> Path:
    """A temporary left by a writer killed before it could rename it."""
    directory.mkdir(parents=True, exist_ok=True)
    script = (
        "import sys\nfrom pathlib import Path\n"
        "from cos_snapshot._shared.files import temporary_beside\n"
        "t = temporary_beside(Path(sys.argv[1]) / 'a.jpg')\nt.write_bytes(b'half')\n"
        "print(t)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(directory)], capture_output=True, text=True, check=True
    ).stdout
    return Path(out.strip())


def test_a_writer_sweeps_the_temporaries_of_dead_writers_not_of_live_ones(
    tmp_path: Path,
) -> None:
    live = temporary_beside(tmp_path / "b.jpg")  # (this first call sweeps the empty directory)
    live.write_bytes(b"mine, in progress")
    dead = _temporary_of_a_process_that_is_gone(tmp_path)
    other = tmp_path / "notes.partial"  # not ours: never touched
    other.write_bytes(b"x")
    assert sweep_stale(tmp_path) == [dead]
    assert live.exists()
    assert other.exists()


def test_an_old_temporary_is_swept_whoever_wrote_it(tmp_path: Path) -> None:
    old = temporary_beside(tmp_path / "a.jpg")  # our own, but a day old
    old.write_bytes(b"x")
    now = time.time()
    assert sweep_stale(tmp_path, now=now) == []
    assert sweep_stale(tmp_path, now=now + STALE_AFTER_S + 1) == [old]


def test_the_first_write_into_a_directory_sweeps_it(tmp_path: Path) -> None:
    dead = _temporary_of_a_process_that_is_gone(tmp_path / "fresh")
    write_whole(tmp_path / "fresh" / "poster.jpg", b"x")
    assert not dead.exists()
    assert sorted(p.name for p in (tmp_path / "fresh").iterdir()) == ["poster.jpg"]


def test_a_failures_file_at_dev_null_leaves_the_device(tmp_path: Path) -> None:
    with FailuresFile(Path(os.devnull)):
        pass
    assert Path(os.devnull).is_char_device()


def test_make_fixture_over_an_existing_file_keeps_it_when_it_fails(tmp_path: Path) -> None:
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"the user's video")
    with pytest.raises(ValueError, match="codec"):
        make_fixture(target, duration=0.2, size=(64, 48), codec="nope")  # type: ignore[arg-type]
    assert target.read_bytes() == b"the user's video"
    made = make_fixture(target, duration=0.2, size=(64, 48))
    assert made.path == target
    assert target.read_bytes() != b"the user's video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]
