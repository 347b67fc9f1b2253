from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_request_document_call_back_format import (
    JobRequestDocumentCallBackFormat,
    check_job_request_document_call_back_format,
)
from ..models.job_request_document_tag import (
    JobRequestDocumentTag,
    check_job_request_document_tag,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_operation import JobOperation
    from ..models.job_request_document_input import JobRequestDocumentInput


T = TypeVar("T", bound="JobRequestDocument")


@_attrs_define
class JobRequestDocument:
    """The body of CreateMediaJobs (vendor doc 436/54013): an XML document whose root element is
    `<Request>`. Every leaf is a text element; numbers are written as plain decimals. For
    example, 60 snapshots one a second from the start, 320 wide, and sprite sheets of 10 × 6
    of them:

        <Request>
          <Tag>Snapshot</Tag>
          <Input>
            <Object>videos/a.mp4</Object>
          </Input>
          <Operation>
            <Snapshot>
              <Mode>Interval</Mode>
              <Start>0</Start>
              <TimeInterval>1</TimeInterval>
              <Count>60</Count>
              <Width>320</Width>
              <SnapshotOutMode>SnapshotAndSprite</SnapshotOutMode>
              <SpriteSnapshotConfig>
                <Color>black</Color>
                <Columns>10</Columns>
                <Lines>6</Lines>
              </SpriteSnapshotConfig>
            </Snapshot>
            <Output>
              <Region>ap-guangzhou</Region>
              <Bucket>examplebucket-1250000000</Bucket>
              <Object>out/a/snap-${Number}.jpg</Object>
              <SpriteObject>out/a/sprite-${Number}.jpg</SpriteObject>
            </Output>
            <UserData>my-run-42</UserData>
            <JobLevel>0</JobLevel>
          </Operation>
          <CallBackFormat>XML</CallBackFormat>
        </Request>

        Attributes:
            tag (JobRequestDocumentTag): The kind of job: `Snapshot`.
            input_ (JobRequestDocumentInput): The job's input.
            operation (JobOperation): What to do: the snapshot settings inline (`Snapshot`) or a template's (`TemplateId`,
                which wins when both are given), where to write (`Output`) and free text echoed back (`UserData`). The answer
                echoes it, with `Snapshot` completed with its defaults and the `MediaInfo` and `MediaResult` of the job.
            queue_id (str | Unset): The queue to run the job on (optional in the current docs: the bucket's default queue).
            call_back (str | Unset): A URL the service POSTs the finished job to,
                `<Response><EventName>TaskFinish</EventName><JobsDetail>…` (vendor doc 436/49074); none: the queue's callback
                setting.
            call_back_format (JobRequestDocumentCallBackFormat | Unset): The callback body's format (default `XML`).
            call_back_type (str | Unset): The kind of callback, a number (`1`: the URL of `CallBack`).
    """

    tag: JobRequestDocumentTag
    input_: JobRequestDocumentInput
    operation: JobOperation
    queue_id: str | Unset = UNSET
    call_back: str | Unset = UNSET
    call_back_format: JobRequestDocumentCallBackFormat | Unset = UNSET
    call_back_type: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tag: str = self.tag

        input_ = self.input_.to_dict()

        operation = self.operation.to_dict()

        queue_id = self.queue_id

        call_back = self.call_back

        call_back_format: str | Unset = UNSET
        if not isinstance(self.call_back_format, Unset):
            call_back_format = self.call_back_format

        call_back_type = self.call_back_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Tag": tag,
                "Input": input_,
                "Operation": operation,
            }
        )
        if queue_id is not UNSET:
            field_dict["QueueId"] = queue_id
        if call_back is not UNSET:
            field_dict["CallBack"] = call_back
        if call_back_format is not UNSET:
            field_dict["CallBackFormat"] = call_back_format
        if call_back_type is not UNSET:
            field_dict["CallBackType"] = call_back_type

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_operation import JobOperation
        from ..models.job_request_document_input import JobRequestDocumentInput

        d = dict(src_dict)
        tag = check_job_request_document_tag(d.pop("Tag"))

        input_ = JobRequestDocumentInput.from_dict(d.pop("Input"))

        operation = JobOperation.from_dict(d.pop("Operation"))

        queue_id = d.pop("QueueId", UNSET)

        call_back = d.pop("CallBack", UNSET)

        _call_back_format = d.pop("CallBackFormat", UNSET)
        call_back_format: JobRequestDocumentCallBackFormat | Unset
        if isinstance(_call_back_format, Unset):
            call_back_format = UNSET
        else:
            call_back_format = check_job_request_document_call_back_format(
                _call_back_format
            )

        call_back_type = d.pop("CallBackType", UNSET)

        job_request_document = cls(
            tag=tag,
            input_=input_,
            operation=operation,
            queue_id=queue_id,
            call_back=call_back,
            call_back_format=call_back_format,
            call_back_type=call_back_type,
        )

        job_request_document.additional_properties = d
        return job_request_document

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
