"""cos-snapshot: typed client, local emulator and contract suite for COS GetSnapshot.

Everything a user may import is named in ``__all__``; modules starting with ``_`` are private.
The other public modules: :mod:`cos_snapshot.signing` (the pure signer),
:mod:`cos_snapshot.emulator`, :mod:`cos_snapshot.testing.videos` (test videos),
:mod:`cos_snapshot.tools.batch` and :mod:`cos_snapshot.tools.sheet` (the work behind those commands),
:mod:`cos_snapshot.tools.demo` and :mod:`cos_snapshot.cli`. docs/architecture.md draws the layers.
"""

from ._version import __version__  # isort: skip
from ._client.async_client import AsyncSnapshotClient
from ._client.auth import CosAuth, Signer
from ._client.jobs import (
    CosJobNotFoundError,
    CosJobTimeoutError,
    FoundJobs,
    JobPage,
    JobState,
    SnapshotJob,
    SnapshotJobSpec,
    SpriteSpec,
)
from ._client.media_info import AudioStream, MediaInfo, VideoStream
from ._client.objects import ObjectInfo, ObjectPage, ObjectSummary, PutResult
from ._client.options import Transport, endpoint_for
from ._client.params import SnapshotArgs, format_time
from ._client.retry import RetryPolicy
from ._client.snapshot import Snapshot
from ._client.sync_client import SnapshotClient
from ._client.times import (
    AUTO,
    NO_AUTO_FOR_A_START,
    NO_AUTO_IN_A_SHEET,
    NO_AUTO_IN_A_URL,
    TimeSelection,
    check_auto_mode,
    check_relative_time,
    is_auto_time,
    is_relative_time,
    media_info_for,
    parse_time,
    resolve_time,
    times_across,
    times_every,
)
from ._shared.credentials import REFRESH_MARGIN, Credentials, CredentialsProvider, CredentialsSource
from ._shared.errors import (
    CosClientError,
    CosConnectionError,
    CosError,
    CosInvalidArgumentError,
    CosResponseError,
    CosServiceError,
    CosTimeoutError,
)

__all__ = [
    "AUTO",
    "NO_AUTO_FOR_A_START",
    "NO_AUTO_IN_A_SHEET",
    "NO_AUTO_IN_A_URL",
    "REFRESH_MARGIN",
    "AsyncSnapshotClient",
    "AudioStream",
    "CosAuth",
    "CosClientError",
    "CosConnectionError",
    "CosError",
    "CosInvalidArgumentError",
    "CosJobNotFoundError",
    "CosJobTimeoutError",
    "CosResponseError",
    "CosServiceError",
    "CosTimeoutError",
    "Credentials",
    "CredentialsProvider",
    "CredentialsSource",
    "FoundJobs",
    "JobPage",
    "JobState",
    "MediaInfo",
    "ObjectInfo",
    "ObjectPage",
    "ObjectSummary",
    "PutResult",
    "RetryPolicy",
    "Signer",
    "Snapshot",
    "SnapshotArgs",
    "SnapshotClient",
    "SnapshotJob",
    "SnapshotJobSpec",
    "SpriteSpec",
    "TimeSelection",
    "Transport",
    "VideoStream",
    "__version__",
    "check_auto_mode",
    "check_relative_time",
    "endpoint_for",
    "format_time",
    "is_auto_time",
    "is_relative_time",
    "media_info_for",
    "parse_time",
    "resolve_time",
    "times_across",
    "times_every",
]
