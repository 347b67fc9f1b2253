"""Contains all the data models used in inputs/outputs"""

from .cos_error_document import CosErrorDocument
from .get_media_info_ci_process import GetMediaInfoCiProcess
from .get_snapshot_ci_process import GetSnapshotCiProcess
from .get_snapshot_format import GetSnapshotFormat
from .get_snapshot_mode import GetSnapshotMode
from .get_snapshot_rotate import GetSnapshotRotate
from .media_info_audio import MediaInfoAudio
from .media_info_document import MediaInfoDocument
from .media_info_document_media_info import MediaInfoDocumentMediaInfo
from .media_info_format import MediaInfoFormat
from .media_info_stream import MediaInfoStream
from .media_info_subtitle import MediaInfoSubtitle
from .media_info_video import MediaInfoVideo

__all__ = (
    "CosErrorDocument",
    "GetMediaInfoCiProcess",
    "GetSnapshotCiProcess",
    "GetSnapshotFormat",
    "GetSnapshotMode",
    "GetSnapshotRotate",
    "MediaInfoAudio",
    "MediaInfoDocument",
    "MediaInfoDocumentMediaInfo",
    "MediaInfoFormat",
    "MediaInfoStream",
    "MediaInfoSubtitle",
    "MediaInfoVideo",
)
