"""pytest fixtures for testing your own code against the emulator (a ``pytest11`` plugin).

Installed with the package and inert unless a test asks for one of its fixtures; it imports
nothing but the standard library and pytest until then.

- ``cos_emulator``: a running emulator (uvicorn on a free loopback port) with an empty object
  space for every test: :class:`CosEmulator` (``endpoint_url``, ``bucket``, ``region``,
  ``credentials``, ``root``, ``put(key, data)``, ``client()``, ``async_client()``). Servers are
  shared by the tests that use the same settings, started on first use and stopped at the end
  of the session.
- ``cos_emulator_settings``: the emulator's settings, as keyword arguments of
  :class:`cos_snapshot.emulator.EmulatorSettings` (``{}``: the documented defaults). Set them
  for a test module, a class or a single test with the marker
  ``@pytest.mark.cos_emulator(**settings)`` (``pytestmark = pytest.mark.cos_emulator(
  anonymous=True)`` for a module), ``@pytest.mark.parametrize`` with ``indirect``, or a fixture
  of the same name, for other readings (``exactframe="next"``, ``past_end="error"``), faults
  (``faults=FaultSpec.parse("503=0.5")``) or ``anonymous=True``.
- ``cos_fixture_video``: ``cos_fixture_video(**make_fixture_arguments)`` writes a video whose
  every frame shows its own index (:func:`cos_snapshot.testing.videos.make_fixture`) and returns its
  path; ``name="clip.ts"`` picks the file name and so the container (default ``fixture.mp4``).
  ``cos_fixture_video.info(...)`` takes the same arguments and returns the
  :class:`~cos_snapshot.testing.videos.FixtureInfo` (frame times, keyframes, sizes) to check
  answers against. Videos made with the same arguments are made once per session (the fixture
  is session-scoped, so module- and session-scoped fixtures can use it too); don't change the
  files, copy them (``cos_emulator.put`` does).
  Effects are arguments like the others: ``cos_fixture_video.info(intro_black=1, fade_in=0.5,
  blur=(2, 3), flash=3.5, flat=(4, 5))`` makes a video with a black intro, a fade-in, a
  blurred stretch, white flash frames and a uniform stretch, and its ``effects`` say where
  (``info.effect_at(time)``).

They need the ``emulator`` extra; without it, requesting one fails the test saying so.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .._shared.extras import needs_extra

if TYPE_CHECKING:
    from .. import AsyncSnapshotClient, Credentials, SnapshotClient
    from .videos import FixtureInfo

__all__ = [
    "CosEmulator",
    "FixtureVideos",
    "cos_emulator",
    "cos_emulator_settings",
    "cos_fixture_video",
]

#: The bucket and region a test emulator answers for.
BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
#: The key pair a test emulator knows (test values, not secrets).
SECRET_ID = "AKIDcosEmulatorFixture000000000000"  # noqa: S105
SECRET_KEY = "cos-emulator-fixture-secret-key"  # noqa: S105


def _require_emulator(fixture: str) -> None:
    message = needs_extra("emulator", f"the {fixture} fixture")
    if message:
        pytest.fail(message, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    """A test module that imports this package's helpers without the extra they need fails
    to collect with the one line that names the extra (not pytest's import traceback)."""
    report = yield
    if report.failed and report.longrepr is not None:
        marker = "MissingExtraError: "
        for line in str(report.longrepr).splitlines():
            if marker in line:
                report.longrepr = line.split(marker, 1)[1]
                break
    return report


class CosEmulator:
    """A running emulator, as a test sees it. Its object space (the files under ``root``) is
    empty at the start of every test."""

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        region: str,
        credentials: Credentials | None,
        root: Path,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.region = region
        #: The key pair the emulator accepts; None if it serves anonymous requests.
        self.credentials = credentials
        self.root = root

    def __repr__(self) -> str:
        return f"CosEmulator({self.endpoint_url!r}, bucket={self.bucket!r})"

    def put(self, key: str, data: bytes | str | os.PathLike[str]) -> str:
        """Store an object: ``data`` is its bytes or the path of a file to copy. Returns the
        key."""
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in key.split("/")):
            raise ValueError(f"not an object key the emulator can store: {key!r}")
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes | bytearray | memoryview):
            target.write_bytes(bytes(data))
        else:
            shutil.copyfile(data, target)
        return key

    def _client_options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        options: dict[str, Any] = {"endpoint_url": self.endpoint_url}
        if self.credentials is None:
            options["anonymous"] = True
        else:
            options["credentials"] = self.credentials
        return {**options, **kwargs}

    def client(self, **kwargs: Any) -> SnapshotClient:
        """A :class:`~cos_snapshot.SnapshotClient` for this emulator; ``kwargs`` go to it."""
        from .. import SnapshotClient  # noqa: PLC0415 - nothing heavy at collection

        return SnapshotClient(**self._client_options(kwargs))

    def async_client(self, **kwargs: Any) -> AsyncSnapshotClient:
        """An :class:`~cos_snapshot.AsyncSnapshotClient` for this emulator."""
        from .. import AsyncSnapshotClient  # noqa: PLC0415

        return AsyncSnapshotClient(**self._client_options(kwargs))


class _Servers:
    """The session's emulators, one per distinct settings."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._stack = ExitStack()
        # Compared by value, not by repr: a key pair's repr hides its secret, and two modules'
        # key pairs must not share a server.
        self._running: list[tuple[dict[str, Any], CosEmulator]] = []

    def get(self, settings: dict[str, Any]) -> CosEmulator:
        for known, emulator in self._running:
            if known == settings:
                return emulator
        emulator = self._start(dict(settings))
        self._running.append((dict(settings), emulator))
        return emulator

    def _start(self, options: dict[str, Any]) -> CosEmulator:
        from .. import Credentials  # noqa: PLC0415
        from ..emulator import EmulatorSettings, running_emulator  # noqa: PLC0415

        root = self._factory.mktemp("cos-emulator")
        options.setdefault("bucket", BUCKET)
        if options.get("anonymous"):
            credentials = None
        else:
            options.setdefault("credentials", (Credentials(SECRET_ID, SECRET_KEY),))
            credentials = options["credentials"][0]
        try:
            settings = EmulatorSettings(root=root, **options)
        except (TypeError, ValueError) as error:
            pytest.fail(f"cos_emulator_settings: {error}", pytrace=False)
        url = self._stack.enter_context(running_emulator(settings))
        return CosEmulator(
            endpoint_url=url,
            bucket=options["bucket"],
            region=REGION,
            credentials=credentials,
            root=root,
        )

    def close(self) -> None:
        self._stack.close()


def _empty(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


@pytest.fixture(scope="session")
def _cos_emulator_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Servers]:
    servers = _Servers(tmp_path_factory)
    try:
        yield servers
    finally:
        servers.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cos_emulator(**settings): the cos_emulator fixture's settings for these tests "
        "(keyword arguments of cos_snapshot.emulator.EmulatorSettings)",
    )


@pytest.fixture
def cos_emulator_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Keyword arguments for :class:`cos_snapshot.emulator.EmulatorSettings` (``root`` is the
    fixture's own): an indirect parameter's, else the closest ``cos_emulator`` marker's, else
    none. Override this fixture for other readings, faults or anonymous reads, or mark the
    tests (``@pytest.mark.cos_emulator(anonymous=True)``)."""
    if hasattr(request, "param"):
        settings: dict[str, Any] = request.param
        return settings
    marker = request.node.get_closest_marker("cos_emulator")
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
def cos_emulator(
    request: pytest.FixtureRequest, cos_emulator_settings: dict[str, Any]
) -> Iterator[CosEmulator]:
    """A running emulator with an empty object space (see :class:`CosEmulator`)."""
    _require_emulator("cos_emulator")
    if "root" in cos_emulator_settings:
        pytest.fail("cos_emulator_settings: root is the fixture's own", pytrace=False)
    servers: _Servers = request.getfixturevalue("_cos_emulator_servers")
    emulator = servers.get(cos_emulator_settings)
    _empty(emulator.root)
    try:
        yield emulator
    finally:
        _empty(emulator.root)


class FixtureVideos:
    """The ``cos_fixture_video`` fixture: self-describing videos, each made once per session.

    Call it for a video's path, or use :meth:`info` for what the video holds; both take
    :func:`~cos_snapshot.testing.videos.make_fixture`'s keyword arguments and ``name`` (the file
    name, whose suffix picks the container; default ``fixture.mp4``). Safe to use from several
    threads."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._made: dict[str, FixtureInfo] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FixtureVideos({len(self._made)} made)"

    def __call__(self, *, name: str = "fixture.mp4", **arguments: Any) -> Path:
        """The path of the video ``make_fixture(name, **arguments)`` writes."""
        return self.info(name=name, **arguments).path

    def info(self, *, name: str = "fixture.mp4", **arguments: Any) -> FixtureInfo:
        """What the video holds (its :class:`~cos_snapshot.testing.videos.FixtureInfo`,
        ``path`` included), made on first use."""
        from .videos import make_fixture  # noqa: PLC0415 - the emulator extra

        key = repr((name, sorted(arguments.items())))
        with self._lock:
            if key not in self._made:
                path = self._factory.mktemp("cos-fixture-video") / name
                self._made[key] = make_fixture(path, **arguments)
            return self._made[key]


@pytest.fixture(scope="session")
def cos_fixture_video(tmp_path_factory: pytest.TempPathFactory) -> FixtureVideos:
    """``cos_fixture_video(**make_fixture_arguments)`` → the path of a self-describing video
    (``name=`` sets its file name, default ``fixture.mp4``); ``cos_fixture_video.info(...)`` →
    its :class:`~cos_snapshot.testing.videos.FixtureInfo` (see :class:`FixtureVideos`)."""
    _require_emulator("cos_fixture_video")
    return FixtureVideos(tmp_path_factory)
