from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobOutputFileSpriteOutputFile")


@_attrs_define
class JobOutputFileSpriteOutputFile:
    """The sprite sheets written, with the elements of `OutputFile` but this one.

    Attributes:
        bucket (str | Unset): The bucket written to.
        region (str | Unset): Its region.
        object_prefix (str | Unset): The part of the keys before their names.
        object_name (list[str] | Unset): The names of the sheets, one element each.
    """

    bucket: str | Unset = UNSET
    region: str | Unset = UNSET
    object_prefix: str | Unset = UNSET
    object_name: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bucket = self.bucket

        region = self.region

        object_prefix = self.object_prefix

        object_name: list[str] | Unset = UNSET
        if not isinstance(self.object_name, Unset):
            object_name = self.object_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if bucket is not UNSET:
            field_dict["Bucket"] = bucket
        if region is not UNSET:
            field_dict["Region"] = region
        if object_prefix is not UNSET:
            field_dict["ObjectPrefix"] = object_prefix
        if object_name is not UNSET:
            field_dict["ObjectName"] = object_name

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        bucket = d.pop("Bucket", UNSET)

        region = d.pop("Region", UNSET)

        object_prefix = d.pop("ObjectPrefix", UNSET)

        object_name = cast(list[str], d.pop("ObjectName", UNSET))

        job_output_file_sprite_output_file = cls(
            bucket=bucket,
            region=region,
            object_prefix=object_prefix,
            object_name=object_name,
        )

        job_output_file_sprite_output_file.additional_properties = d
        return job_output_file_sprite_output_file

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
