"""Contains all the data models used in inputs/outputs"""

from .cos_error_document import CosErrorDocument
from .get_bucket_encoding_type import GetBucketEncodingType
from .get_media_info_ci_process import GetMediaInfoCiProcess
from .get_snapshot_ci_process import GetSnapshotCiProcess
from .get_snapshot_format import GetSnapshotFormat
from .get_snapshot_mode import GetSnapshotMode
from .get_snapshot_rotate import GetSnapshotRotate
from .list_bucket_common_prefix import ListBucketCommonPrefix
from .list_bucket_object import ListBucketObject
from .list_bucket_object_owner import ListBucketObjectOwner
from .list_bucket_result_document import ListBucketResultDocument
from .list_bucket_result_document_encoding_type import (
    ListBucketResultDocumentEncodingType,
)
from .list_bucket_result_document_is_truncated import (
    ListBucketResultDocumentIsTruncated,
)
from .media_info_audio import MediaInfoAudio
from .media_info_document import MediaInfoDocument
from .media_info_document_media_info import MediaInfoDocumentMediaInfo
from .media_info_format import MediaInfoFormat
from .media_info_stream import MediaInfoStream
from .media_info_subtitle import MediaInfoSubtitle
from .media_info_video import MediaInfoVideo

__all__ = (
    "CosErrorDocument",
    "GetBucketEncodingType",
    "GetMediaInfoCiProcess",
    "GetSnapshotCiProcess",
    "GetSnapshotFormat",
    "GetSnapshotMode",
    "GetSnapshotRotate",
    "ListBucketCommonPrefix",
    "ListBucketObject",
    "ListBucketObjectOwner",
    "ListBucketResultDocument",
    "ListBucketResultDocumentEncodingType",
    "ListBucketResultDocumentIsTruncated",
    "MediaInfoAudio",
    "MediaInfoDocument",
    "MediaInfoDocumentMediaInfo",
    "MediaInfoFormat",
    "MediaInfoStream",
    "MediaInfoSubtitle",
    "MediaInfoVideo",
)
