from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobOutputFileMd5InfoItem")


@_attrs_define
class JobOutputFileMd5InfoItem:
    """
    Attributes:
        object_name (str | Unset): The object's name (as in `ObjectName`).
        md_5 (str | Unset): The hex MD5 of its bytes.
    """

    object_name: str | Unset = UNSET
    md_5: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_name = self.object_name

        md_5 = self.md_5

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if object_name is not UNSET:
            field_dict["ObjectName"] = object_name
        if md_5 is not UNSET:
            field_dict["Md5"] = md_5

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        object_name = d.pop("ObjectName", UNSET)

        md_5 = d.pop("Md5", UNSET)

        job_output_file_md_5_info_item = cls(
            object_name=object_name,
            md_5=md_5,
        )

        job_output_file_md_5_info_item.additional_properties = d
        return job_output_file_md_5_info_item

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
