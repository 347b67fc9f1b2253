from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_output_file import JobOutputFile


T = TypeVar("T", bound="JobMediaResult")


@_attrs_define
class JobMediaResult:
    """What a job wrote (answers only).

    Attributes:
        output_file (JobOutputFile | Unset): Objects a job wrote: each key is `ObjectPrefix` + one `ObjectName`
            (numbered from 0 in the vendor's example), in the bucket and region named. `SpriteOutputFile` has the same
            shape, for the sprite sheets.
    """

    output_file: JobOutputFile | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        output_file: dict[str, Any] | Unset = UNSET
        if not isinstance(self.output_file, Unset):
            output_file = self.output_file.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if output_file is not UNSET:
            field_dict["OutputFile"] = output_file

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_output_file import JobOutputFile

        d = dict(src_dict)
        _output_file = d.pop("OutputFile", UNSET)
        output_file: JobOutputFile | Unset
        if isinstance(_output_file, Unset):
            output_file = UNSET
        else:
            output_file = JobOutputFile.from_dict(_output_file)

        job_media_result = cls(
            output_file=output_file,
        )

        job_media_result.additional_properties = d
        return job_media_result

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
