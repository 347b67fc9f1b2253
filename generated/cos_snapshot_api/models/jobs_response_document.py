from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.jobs_detail import JobsDetail


T = TypeVar("T", bound="JobsResponseDocument")


@_attrs_define
class JobsResponseDocument:
    """The answer of CreateMediaJobs, DescribeMediaJob and DescribeMediaJobs: an XML document
    whose root element is `<Response>`, one `JobsDetail` per job (none, one or more),
    `NonExistJobIds` (DescribeMediaJob: the ids the service does not know) and `NextToken`
    (DescribeMediaJobs: where the next page starts; absent or empty on the last). Abridged:

        <Response>
          <JobsDetail>
            <Code>Success</Code>
            <Message/>
            <JobId>s58e9ff4e7f3711ec8b39525400c1f7f9</JobId>
            <Tag>Snapshot</Tag>
            <State>Success</State>
            <Progress>100</Progress>
            <CreationTime>2019-07-07T12:12:12+0800</CreationTime>
            <StartTime>2019-07-07T12:12:13+0800</StartTime>
            <EndTime>2019-07-07T12:12:20+0800</EndTime>
            <QueueId>p2242ab62c7c94486915508540933a2c6</QueueId>
            <Input>
              <Region>ap-guangzhou</Region>
              <Bucket>examplebucket-1250000000</Bucket>
              <Object>videos/a.mp4</Object>
            </Input>
            <Operation>
              <Snapshot>…</Snapshot>
              <Output>…</Output>
              <UserData>my-run-42</UserData>
              <MediaResult>
                <OutputFile>
                  <Bucket>examplebucket-1250000000</Bucket>
                  <Region>ap-guangzhou</Region>
                  <ObjectPrefix>out/a/</ObjectPrefix>
                  <ObjectName>snap-0.jpg</ObjectName>
                  <ObjectName>snap-1.jpg</ObjectName>
                  <Md5Info>
                    <ObjectName>snap-0.jpg</ObjectName>
                    <Md5>0cc175b9c0f1b6a831c399e269772661</Md5>
                  </Md5Info>
                  <SpriteOutputFile>…</SpriteOutputFile>
                </OutputFile>
              </MediaResult>
            </Operation>
          </JobsDetail>
          <NonExistJobIds>s0000000000000000000000000000000</NonExistJobIds>
          <NextToken/>
        </Response>

        Attributes:
            jobs_detail (list[JobsDetail] | Unset): The jobs, one element each.
            non_exist_job_ids (list[str] | Unset): The ids asked for that the service does not know, one element each.
            next_token (str | Unset): The `nextToken` of the next page; absent or empty on the last.
    """

    jobs_detail: list[JobsDetail] | Unset = UNSET
    non_exist_job_ids: list[str] | Unset = UNSET
    next_token: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        jobs_detail: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.jobs_detail, Unset):
            jobs_detail = []
            for jobs_detail_item_data in self.jobs_detail:
                jobs_detail_item = jobs_detail_item_data.to_dict()
                jobs_detail.append(jobs_detail_item)

        non_exist_job_ids: list[str] | Unset = UNSET
        if not isinstance(self.non_exist_job_ids, Unset):
            non_exist_job_ids = self.non_exist_job_ids

        next_token = self.next_token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if jobs_detail is not UNSET:
            field_dict["JobsDetail"] = jobs_detail
        if non_exist_job_ids is not UNSET:
            field_dict["NonExistJobIds"] = non_exist_job_ids
        if next_token is not UNSET:
            field_dict["NextToken"] = next_token

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.jobs_detail import JobsDetail

        d = dict(src_dict)
        _jobs_detail = d.pop("JobsDetail", UNSET)
        jobs_detail: list[JobsDetail] | Unset = UNSET
        if _jobs_detail is not UNSET:
            jobs_detail = []
            for jobs_detail_item_data in _jobs_detail:
                jobs_detail_item = JobsDetail.from_dict(jobs_detail_item_data)

                jobs_detail.append(jobs_detail_item)

        non_exist_job_ids = cast(list[str], d.pop("NonExistJobIds", UNSET))

        next_token = d.pop("NextToken", UNSET)

        jobs_response_document = cls(
            jobs_detail=jobs_detail,
            non_exist_job_ids=non_exist_job_ids,
            next_token=next_token,
        )

        jobs_response_document.additional_properties = d
        return jobs_response_document

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
