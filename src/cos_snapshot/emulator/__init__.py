"""The local COS emulator: GetSnapshot with real frame extraction, GetMediaInfo from the
container and packet index, snapshot jobs (``POST /jobs``: one forward pass over a video,
shots and sprites written into the bucket; :class:`SnapshotJobRunner` does a job's steps),
plus simple object storage.

Objects are the files under a root directory. Requests are checked like COS checks them
(signatures in the header or the query string, STS tokens) and errors are COS XML documents.

Everything public is named in ``__all__`` below; the submodules are the emulator's own. The
frame engine's interface is public so a stand-in can wrap it (the contract suite's broken
servers do): ``create_app(settings, engine=...)`` takes a :class:`~cos_snapshot.emulator.frames.SnapshotEngine` or any object
whose ``snapshot(path, params: SnapshotParams) -> Image`` gives the frame (raising
:class:`~cos_snapshot.emulator.frames.NotAVideoError`,
:class:`~cos_snapshot.emulator.frames.PastEndError` or another
:class:`~cos_snapshot.emulator.frames.FrameError` when it cannot). Such an object may also offer
``known_snapshot(path, params) -> Image | None`` (an answer known without decoding, which is not
admitted as decode work; it is called on the event loop, so it must not wait for anything) and
``media_info(path)`` (GetMediaInfo; without it GetMediaInfo is 501 ``NotImplemented``).

Nothing here changes the host process, except :func:`tune_process_memory`: an opt-in for a
program that owns its process and serves snapshots from it (``cos-snapshot serve`` and
:func:`run_server` call it). It sets glibc's ``mallopt`` options process-wide (allocations
from 64 KiB up mapped on their own, at most 2 malloc arenas) and lets the frame engine give
free heap pages back (``malloc_trim``) after closing idle decoders, which keeps a server's
memory bounded under a churn of decoders. Idempotent, and a no-op where the C library is not
glibc. :class:`~cos_snapshot.emulator.frames.SnapshotEngine`, :func:`running_emulator`, :class:`EmulatorThread`,
:func:`create_app` and the pytest fixtures never call it: they run inside other programs.
"""

from .app import create_app
from .errors import EmulatorError
from .faults import FaultInjector, FaultSpec
from .frames import (
    FrameError,
    Image,
    NotAVideoError,
    PastEndError,
    SnapshotEngine,
    SnapshotParams,
    tune_process_memory,
)
from .jobs import SnapshotJobRunner
from .server import EmulatorThread, run_server, running_emulator
from .settings import EmulatorSettings

__all__ = [
    "EmulatorError",
    "EmulatorSettings",
    "EmulatorThread",
    "FaultInjector",
    "FaultSpec",
    "FrameError",
    "Image",
    "NotAVideoError",
    "PastEndError",
    "SnapshotEngine",
    "SnapshotJobRunner",
    "SnapshotParams",
    "create_app",
    "run_server",
    "running_emulator",
    "tune_process_memory",
]
