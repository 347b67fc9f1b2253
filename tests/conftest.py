"""Shared pytest fixtures. Test videos and emulators come from the package's own pytest plugin
(``cos_fixture_video``, ``cos_emulator``: src/cos_snapshot/testing/pytest_plugin.py): settings
by ``@pytest.mark.cos_emulator(...)``, objects by ``cos_emulator.put``. A test starts a server of
its own (``running_emulator``) only to give it another engine or app, another host or log level,
or a root it must build before the app starts; a stand-in service that lies or breaks runs on
``raw_server`` (tests/raw_server.py)."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from raw_server import Handler, RawServer

from cos_snapshot.emulator.frames.video import _OpenVideo
from cos_snapshot.testing import make_audio_fixture

# Hypothesis' per-example deadline is a timing assertion: on a shared, loaded machine a correct
# test fails it. The tests bound their own work instead.
settings.register_profile("cos-snapshot", deadline=None)
settings.load_profile("cos-snapshot")


def pytest_configure(config: pytest.Config) -> None:
    # A run started in the background (`.ci/run &`, nohup) ignores SIGINT, and so would every
    # process it starts: the tests that stop a command with Ctrl-C (SIGINT) would see it run to
    # the end. Python's own handler here; the processes the tests start inherit the default.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``slow`` first (otherwise in their order). ``nox -s tests`` hands whole
    modules to its workers in this order (``--dist loadscope``), so the long modules start
    first and the run does not end with one core busy on one long module and the other idle."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def video_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session-wide scratch directory for hand-made (e.g. broken) files."""
    return tmp_path_factory.mktemp("scratch-videos")


@pytest.fixture(scope="session")
def audio_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An audio-only file (1 s of AAC in MP4, ``.m4a``): not a video. Made once for the
    session, like ``cos_fixture_video``'s videos: copy it, don't change it."""
    return make_audio_fixture(tmp_path_factory.mktemp("audio-only") / "audio.m4a")


@pytest.fixture
def decode_passes(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every decode pass the frame engine makes from now on, as the ``also`` argument it got
    (the other frames that pass was asked to keep for waiting requests)."""
    passes: list[object] = []
    real_decode = _OpenVideo.decode

    def counting_decode(self: _OpenVideo, *args: object, **kwargs: object) -> object:
        passes.append(kwargs.get("also"))
        return real_decode(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_OpenVideo, "decode", counting_decode)
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


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], RawServer]]:
    """``start(handler) -> RawServer``: raw-socket servers on loopback, closed after the test."""
    servers: list[RawServer] = []

    def start(handler: Handler) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
