"""Contains all the data models used in inputs/outputs"""

from .cos_error_document import CosErrorDocument
from .get_snapshot_ci_process import GetSnapshotCiProcess
from .get_snapshot_format import GetSnapshotFormat
from .get_snapshot_mode import GetSnapshotMode
from .get_snapshot_rotate import GetSnapshotRotate

__all__ = (
    "CosErrorDocument",
    "GetSnapshotCiProcess",
    "GetSnapshotFormat",
    "GetSnapshotMode",
    "GetSnapshotRotate",
)
