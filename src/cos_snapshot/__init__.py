"""cos-snapshot: typed client, local emulator and contract suite for COS GetSnapshot.

Everything a user may import is named in ``__all__``; modules starting with ``_`` are private.
"""

from ._version import __version__  # isort: skip
from ._client import AsyncSnapshotClient, SnapshotClient, endpoint_for
from ._credentials import Credentials
from ._errors import (
    CosClientError,
    CosConnectionError,
    CosError,
    CosInvalidArgumentError,
    CosResponseError,
    CosServiceError,
    CosTimeoutError,
)
from ._mediainfo import AudioStream, MediaInfo, VideoStream
from ._relative_times import resolve_time, times_across, times_every
from ._retry import RetryPolicy
from ._snapshot import Snapshot

__all__ = [
    "AsyncSnapshotClient",
    "AudioStream",
    "CosClientError",
    "CosConnectionError",
    "CosError",
    "CosInvalidArgumentError",
    "CosResponseError",
    "CosServiceError",
    "CosTimeoutError",
    "Credentials",
    "MediaInfo",
    "RetryPolicy",
    "Snapshot",
    "SnapshotClient",
    "VideoStream",
    "__version__",
    "endpoint_for",
    "resolve_time",
    "times_across",
    "times_every",
]
