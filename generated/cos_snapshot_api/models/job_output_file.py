from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_output_file_md_5_info_item import JobOutputFileMd5InfoItem
    from ..models.job_output_file_sprite_output_file import (
        JobOutputFileSpriteOutputFile,
    )


T = TypeVar("T", bound="JobOutputFile")


@_attrs_define
class JobOutputFile:
    """Objects a job wrote: each key is `ObjectPrefix` + one `ObjectName` (numbered from 0 in the vendor's example), in the
    bucket and region named. `SpriteOutputFile` has the same shape, for the sprite sheets.

        Attributes:
            bucket (str | Unset): The bucket written to.
            region (str | Unset): Its region.
            object_prefix (str | Unset): The part of the keys before their names (may be empty).
            object_name (list[str] | Unset): The names of the objects, one element each.
            md_5_info (list[JobOutputFileMd5InfoItem] | Unset): The MD5 of each object, one element each.
            sprite_output_file (JobOutputFileSpriteOutputFile | Unset): The sprite sheets written, with the elements of
                `OutputFile` but this one.
    """

    bucket: str | Unset = UNSET
    region: str | Unset = UNSET
    object_prefix: str | Unset = UNSET
    object_name: list[str] | Unset = UNSET
    md_5_info: list[JobOutputFileMd5InfoItem] | Unset = UNSET
    sprite_output_file: JobOutputFileSpriteOutputFile | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bucket = self.bucket

        region = self.region

        object_prefix = self.object_prefix

        object_name: list[str] | Unset = UNSET
        if not isinstance(self.object_name, Unset):
            object_name = self.object_name

        md_5_info: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.md_5_info, Unset):
            md_5_info = []
            for md_5_info_item_data in self.md_5_info:
                md_5_info_item = md_5_info_item_data.to_dict()
                md_5_info.append(md_5_info_item)

        sprite_output_file: dict[str, Any] | Unset = UNSET
        if not isinstance(self.sprite_output_file, Unset):
            sprite_output_file = self.sprite_output_file.to_dict()

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
        if md_5_info is not UNSET:
            field_dict["Md5Info"] = md_5_info
        if sprite_output_file is not UNSET:
            field_dict["SpriteOutputFile"] = sprite_output_file

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.job_output_file_md_5_info_item import JobOutputFileMd5InfoItem
        from ..models.job_output_file_sprite_output_file import (
            JobOutputFileSpriteOutputFile,
        )

        d = dict(src_dict)
        bucket = d.pop("Bucket", UNSET)

        region = d.pop("Region", UNSET)

        object_prefix = d.pop("ObjectPrefix", UNSET)

        object_name = cast(list[str], d.pop("ObjectName", UNSET))

        _md_5_info = d.pop("Md5Info", UNSET)
        md_5_info: list[JobOutputFileMd5InfoItem] | Unset = UNSET
        if _md_5_info is not UNSET:
            md_5_info = []
            for md_5_info_item_data in _md_5_info:
                md_5_info_item = JobOutputFileMd5InfoItem.from_dict(md_5_info_item_data)

                md_5_info.append(md_5_info_item)

        _sprite_output_file = d.pop("SpriteOutputFile", UNSET)
        sprite_output_file: JobOutputFileSpriteOutputFile | Unset
        if isinstance(_sprite_output_file, Unset):
            sprite_output_file = UNSET
        else:
            sprite_output_file = JobOutputFileSpriteOutputFile.from_dict(
                _sprite_output_file
            )

        job_output_file = cls(
            bucket=bucket,
            region=region,
            object_prefix=object_prefix,
            object_name=object_name,
            md_5_info=md_5_info,
            sprite_output_file=sprite_output_file,
        )

        job_output_file.additional_properties = d
        return job_output_file

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
