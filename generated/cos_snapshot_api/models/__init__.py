"""Contains all the data models used in inputs/outputs"""

from .cancel_media_job_cancel import CancelMediaJobCancel
from .cos_error_document import CosErrorDocument
from .describe_media_jobs_order_by_time import DescribeMediaJobsOrderByTime
from .describe_media_jobs_tag import DescribeMediaJobsTag
from .get_bucket_encoding_type import GetBucketEncodingType
from .get_media_info_ci_process import GetMediaInfoCiProcess
from .get_snapshot_ci_process import GetSnapshotCiProcess
from .get_snapshot_format import GetSnapshotFormat
from .get_snapshot_mode import GetSnapshotMode
from .get_snapshot_rotate import GetSnapshotRotate
from .job_media_result import JobMediaResult
from .job_operation import JobOperation
from .job_operation_job_level import JobOperationJobLevel
from .job_operation_media_info import JobOperationMediaInfo
from .job_output import JobOutput
from .job_output_file import JobOutputFile
from .job_output_file_md_5_info_item import JobOutputFileMd5InfoItem
from .job_output_file_sprite_output_file import JobOutputFileSpriteOutputFile
from .job_request_document import JobRequestDocument
from .job_request_document_call_back_format import JobRequestDocumentCallBackFormat
from .job_request_document_input import JobRequestDocumentInput
from .job_request_document_tag import JobRequestDocumentTag
from .jobs_detail import JobsDetail
from .jobs_detail_input import JobsDetailInput
from .jobs_detail_state import JobsDetailState
from .jobs_response_document import JobsResponseDocument
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
from .snapshot_config import SnapshotConfig
from .snapshot_config_is_check_black import SnapshotConfigIsCheckBlack
from .snapshot_config_is_check_count import SnapshotConfigIsCheckCount
from .snapshot_config_mode import SnapshotConfigMode
from .snapshot_config_snapshot_out_mode import SnapshotConfigSnapshotOutMode
from .sprite_snapshot_config import SpriteSnapshotConfig
from .sprite_snapshot_config_scale_method import SpriteSnapshotConfigScaleMethod

__all__ = (
    "CancelMediaJobCancel",
    "CosErrorDocument",
    "DescribeMediaJobsOrderByTime",
    "DescribeMediaJobsTag",
    "GetBucketEncodingType",
    "GetMediaInfoCiProcess",
    "GetSnapshotCiProcess",
    "GetSnapshotFormat",
    "GetSnapshotMode",
    "GetSnapshotRotate",
    "JobMediaResult",
    "JobOperation",
    "JobOperationJobLevel",
    "JobOperationMediaInfo",
    "JobOutput",
    "JobOutputFile",
    "JobOutputFileMd5InfoItem",
    "JobOutputFileSpriteOutputFile",
    "JobRequestDocument",
    "JobRequestDocumentCallBackFormat",
    "JobRequestDocumentInput",
    "JobRequestDocumentTag",
    "JobsDetail",
    "JobsDetailInput",
    "JobsDetailState",
    "JobsResponseDocument",
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
    "SnapshotConfig",
    "SnapshotConfigIsCheckBlack",
    "SnapshotConfigIsCheckCount",
    "SnapshotConfigMode",
    "SnapshotConfigSnapshotOutMode",
    "SpriteSnapshotConfig",
    "SpriteSnapshotConfigScaleMethod",
)
