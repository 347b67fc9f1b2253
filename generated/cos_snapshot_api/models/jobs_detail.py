from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.jobs_detail_state import JobsDetailState, check_jobs_detail_state
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_operation import JobOperation
    from ..models.jobs_detail_input import JobsDetailInput


T = TypeVar("T", bound="JobsDetail")


@_attrs_define
class JobsDetail:
    """One job; every leaf is text.

    Attributes:
        job_id (str): The job's id.
        state (JobsDetailState): Where the job is: `Success`, `Failed` and `Cancel` are final.
        code (str | Unset): `Success`, or the reason the job failed.
        message (str | Unset): A human-readable account of `Code`.
        tag (str | Unset): The kind of job, `Snapshot`.
        progress (str | Unset): Percent done, 0..100 (may be absent).
        creation_time (str | Unset): When the job was submitted, `2019-07-07T12:12:12+0800`.
        start_time (str | Unset): When it started running, written as `CreationTime` (empty before).
        end_time (str | Unset): When it ended, written as `CreationTime` (empty before).
        queue_id (str | Unset): The queue it runs on.
        input_ (JobsDetailInput | Unset): The job's input.
        operation (JobOperation | Unset): What to do: the snapshot settings inline (`Snapshot`) or a template's
            (`TemplateId`, which wins when both are given), where to write (`Output`) and free text echoed back
            (`UserData`). The answer echoes it, with `Snapshot` completed with its defaults and the `MediaInfo` and
            `MediaResult` of the job.
    """

    job_id: str
    state: JobsDetailState
    code: str | Unset = UNSET
    message: str | Unset = UNSET
    tag: str | Unset = UNSET
    progress: str | Unset = UNSET
    creation_time: str | Unset = UNSET
    start_time: str | Unset = UNSET
    end_time: str | Unset = UNSET
    queue_id: str | Unset = UNSET
    input_: JobsDetailInput | Unset = UNSET
    operation: JobOperation | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        state: str = self.state

        code = self.code

        message = self.message

        tag = self.tag

        progress = self.progress

        creation_time = self.creation_time

        start_time = self.start_time

        end_time = self.end_time

        queue_id = self.queue_id

        input_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.input_, Unset):
            input_ = self.input_.to_dict()

        operation: dict[str, Any] | Unset = UNSET
        if not isinstance(self.operation, Unset):
            operation = self.operation.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "JobId": job_id,
                "State": state,
            }
        )
        if code is not UNSET:
            field_dict["Code"] = code
        if message is not UNSET:
            field_dict["Message"] = message
        if tag is not UNSET:
            field_dict["Tag"] = tag
        if progress is not UNSET:
            field_dict["Progress"] = progress
        if creation_time is not UNSET:
            field_dict["CreationTime"] = creation_time
        if start_time is not UNSET:
            field_dict["StartTime"] = start_time
        if end_time is not UNSET:
            field_dict["EndTime"] = end_time
        if queue_id is not UNSET:
            field_dict["QueueId"] = queue_id
        if input_ is not UNSET:
            field_dict["Input"] = input_
        if operation is not UNSET:
            field_dict["Operation"] = operation

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_operation import JobOperation
        from ..models.jobs_detail_input import JobsDetailInput

        d = dict(src_dict)
        job_id = d.pop("JobId")

        state = check_jobs_detail_state(d.pop("State"))

        code = d.pop("Code", UNSET)

        message = d.pop("Message", UNSET)

        tag = d.pop("Tag", UNSET)

        progress = d.pop("Progress", UNSET)

        creation_time = d.pop("CreationTime", UNSET)

        start_time = d.pop("StartTime", UNSET)

        end_time = d.pop("EndTime", UNSET)

        queue_id = d.pop("QueueId", UNSET)

        _input_ = d.pop("Input", UNSET)
        input_: JobsDetailInput | Unset
        if isinstance(_input_, Unset):
            input_ = UNSET
        else:
            input_ = JobsDetailInput.from_dict(_input_)

        _operation = d.pop("Operation", UNSET)
        operation: JobOperation | Unset
        if isinstance(_operation, Unset):
            operation = UNSET
        else:
            operation = JobOperation.from_dict(_operation)

        jobs_detail = cls(
            job_id=job_id,
            state=state,
            code=code,
            message=message,
            tag=tag,
            progress=progress,
            creation_time=creation_time,
            start_time=start_time,
            end_time=end_time,
            queue_id=queue_id,
            input_=input_,
            operation=operation,
        )

        jobs_detail.additional_properties = d
        return jobs_detail

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
