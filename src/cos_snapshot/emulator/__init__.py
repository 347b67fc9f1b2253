"""The local COS emulator: GetSnapshot with real frame extraction, GetMediaInfo from the
container and packet index, plus simple object storage.

Objects are the files under a root directory. Requests are checked like COS checks them
(signatures in the header or the query string, STS tokens) and errors are COS XML documents.
"""

from .app import create_app
from .errors import EmulatorError
from .faults import FaultInjector, FaultSpec
from .server import EmulatorThread, run_server, running_emulator
from .settings import EmulatorSettings

__all__ = [
    "EmulatorError",
    "EmulatorSettings",
    "EmulatorThread",
    "FaultInjector",
    "FaultSpec",
    "create_app",
    "run_server",
    "running_emulator",
]
