from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_operation_job_level import (
    JobOperationJobLevel,
    check_job_operation_job_level,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_media_result import JobMediaResult
    from ..models.job_operation_media_info import JobOperationMediaInfo
    from ..models.job_output import JobOutput
    from ..models.snapshot_config import SnapshotConfig


T = TypeVar("T", bound="JobOperation")


@_attrs_define
class JobOperation:
    """What to do: the snapshot settings inline (`Snapshot`) or a template's (`TemplateId`, which wins when both are
    given), where to write (`Output`) and free text echoed back (`UserData`). The answer echoes it, with `Snapshot`
    completed with its defaults and the `MediaInfo` and `MediaResult` of the job.

        Attributes:
            output (JobOutput): Where the job writes: the bucket and region (the request's own bucket by default) and the
                names of the shots and sheets, each holding `${Number}` (the vendor's pages also spell it `${number}`), replaced
                by each one's number from 0.
            template_id (str | Unset): A snapshot template's id; wins over `Snapshot`.
            template_name (str | Unset): The template's name (answers only).
            snapshot (SnapshotConfig | Unset): Which frames, how large, and whether as single images, sprite sheets or both
                (vendor doc 436/75023). A time is in seconds from the start of the video, a plain decimal.
            user_data (str | Unset): Free printable ASCII text, at most 1024 characters, echoed in every answer about the
                job.
            job_level (JobOperationJobLevel | Unset): The job's priority: `0` (the default), `1` or `2`, higher first.
            media_info (JobOperationMediaInfo | Unset): The input video's media information, as GetMediaInfo's `MediaInfo`
                (answers only; see `MediaInfoDocument`).
            media_result (JobMediaResult | Unset): What a job wrote (answers only).
    """

    output: JobOutput
    template_id: str | Unset = UNSET
    template_name: str | Unset = UNSET
    snapshot: SnapshotConfig | Unset = UNSET
    user_data: str | Unset = UNSET
    job_level: JobOperationJobLevel | Unset = UNSET
    media_info: JobOperationMediaInfo | Unset = UNSET
    media_result: JobMediaResult | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        output = self.output.to_dict()

        template_id = self.template_id

        template_name = self.template_name

        snapshot: dict[str, Any] | Unset = UNSET
        if not isinstance(self.snapshot, Unset):
            snapshot = self.snapshot.to_dict()

        user_data = self.user_data

        job_level: str | Unset = UNSET
        if not isinstance(self.job_level, Unset):
            job_level = self.job_level

        media_info: dict[str, Any] | Unset = UNSET
        if not isinstance(self.media_info, Unset):
            media_info = self.media_info.to_dict()

        media_result: dict[str, Any] | Unset = UNSET
        if not isinstance(self.media_result, Unset):
            media_result = self.media_result.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Output": output,
            }
        )
        if template_id is not UNSET:
            field_dict["TemplateId"] = template_id
        if template_name is not UNSET:
            field_dict["TemplateName"] = template_name
        if snapshot is not UNSET:
            field_dict["Snapshot"] = snapshot
        if user_data is not UNSET:
            field_dict["UserData"] = user_data
        if job_level is not UNSET:
            field_dict["JobLevel"] = job_level
        if media_info is not UNSET:
            field_dict["MediaInfo"] = media_info
        if media_result is not UNSET:
            field_dict["MediaResult"] = media_result

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_media_result import JobMediaResult
        from ..models.job_operation_media_info import JobOperationMediaInfo
        from ..models.job_output import JobOutput
        from ..models.snapshot_config import SnapshotConfig

        d = dict(src_dict)
        output = JobOutput.from_dict(d.pop("Output"))

        template_id = d.pop("TemplateId", UNSET)

        template_name = d.pop("TemplateName", UNSET)

        _snapshot = d.pop("Snapshot", UNSET)
        snapshot: SnapshotConfig | Unset
        if isinstance(_snapshot, Unset):
            snapshot = UNSET
        else:
            snapshot = SnapshotConfig.from_dict(_snapshot)

        user_data = d.pop("UserData", UNSET)

        _job_level = d.pop("JobLevel", UNSET)
        job_level: JobOperationJobLevel | Unset
        if isinstance(_job_level, Unset):
            job_level = UNSET
        else:
            job_level = check_job_operation_job_level(_job_level)

        _media_info = d.pop("MediaInfo", UNSET)
        media_info: JobOperationMediaInfo | Unset
        if isinstance(_media_info, Unset):
            media_info = UNSET
        else:
            media_info = JobOperationMediaInfo.from_dict(_media_info)

        _media_result = d.pop("MediaResult", UNSET)
        media_result: JobMediaResult | Unset
        if isinstance(_media_result, Unset):
            media_result = UNSET
        else:
            media_result = JobMediaResult.from_dict(_media_result)

        job_operation = cls(
            output=output,
            template_id=template_id,
            template_name=template_name,
            snapshot=snapshot,
            user_data=user_data,
            job_level=job_level,
            media_info=media_info,
            media_result=media_result,
        )

        job_operation.additional_properties = d
        return job_operation

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
