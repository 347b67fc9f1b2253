"""Shared pytest fixtures. Test videos: generated once per session into a temporary directory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from cos_snapshot.emulator import frames
from cos_snapshot.testing import FixtureInfo, make_fixture

# Hypothesis' per-example deadline is a timing assertion: on a shared, loaded machine a correct
# test fails it. The tests bound their own work instead.
settings.register_profile("cos-snapshot", deadline=None)
settings.load_profile("cos-snapshot")

MakeVideo = Callable[..., FixtureInfo]


@pytest.fixture(scope="session")
def make_video(tmp_path_factory: pytest.TempPathFactory) -> MakeVideo:
    """``make_video(name, **make_fixture_kwargs) -> FixtureInfo``, cached for the session.

    The same name and arguments give the same (already written) file; don't modify it — copy it
    first. Different arguments under the same name get different directories.
    """
    root = tmp_path_factory.mktemp("videos")
    cache: dict[tuple[str, tuple[tuple[str, Any], ...]], FixtureInfo] = {}
    lock = threading.Lock()

    def make(name: str, **kwargs: Any) -> FixtureInfo:
        key = (name, tuple(sorted(kwargs.items())))
        with lock:
            info = cache.get(key)
            if info is None:
                folder = root / str(len(cache))
                info = make_fixture(folder / name, **kwargs)
                cache[key] = info
            return info

    return make


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide scratch directory for hand-made (e.g. broken) files."""
    return tmp_path_factory.mktemp("scratch-videos")


@pytest.fixture
def decode_passes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every decode pass the frame engine makes from now on, as the ``also`` argument it got
    (the other frames that pass was asked to keep for waiting requests)."""
    passes: list[object] = []
    real_decode = frames._OpenVideo.decode

    def counting_decode(self: frames._OpenVideo, *args: object, **kwargs: object) -> object:
        passes.append(kwargs.get("also"))
        return real_decode(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(frames._OpenVideo, "decode", counting_decode)
    return passes


@pytest.fixture(scope="session")
def contract_video_cache(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The variable that points a run of the contract suite at its fixture videos, made once
    for the session: the tests that run ``cos-snapshot contract`` for one behaviour of the
    command share them (the one end-to-end run in tests/test_cli_contract.py makes its own)."""
    from contract_tests._videos import make_videos  # noqa: PLC0415 - only for these tests

    directory = tmp_path_factory.mktemp("contract-videos")
    make_videos(directory)
    return {"COS_CONTRACT_VIDEO_CACHE": str(directory)}


#: The async client's transports; the tests that run on both take the ``transport`` fixture.
TRANSPORTS = ("httpx2", "aiohttp")


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Each of the async client's transports in turn (aiohttp's comes with the ``cli`` extra,
    installed for the tests: it is never skipped)."""
    return str(request.param)
