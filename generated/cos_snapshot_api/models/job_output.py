from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobOutput")


@_attrs_define
class JobOutput:
    """Where the job writes: the bucket and region (the request's own bucket by default) and the names of the shots and
    sheets, each holding `${Number}` (the vendor's pages also spell it `${number}`), replaced by each one's number from
    0.

        Attributes:
            region (str | Unset): The output bucket's region, e.g. `ap-guangzhou`.
            bucket (str | Unset): The output bucket, `<BucketName-APPID>`, in the same region.
            object_ (str | Unset): The shots' key pattern, with `${Number}`.
            sprite_object (str | Unset): The sheets' key pattern, with `${Number}`.
    """

    region: str | Unset = UNSET
    bucket: str | Unset = UNSET
    object_: str | Unset = UNSET
    sprite_object: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        region = self.region

        bucket = self.bucket

        object_ = self.object_

        sprite_object = self.sprite_object

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if region is not UNSET:
            field_dict["Region"] = region
        if bucket is not UNSET:
            field_dict["Bucket"] = bucket
        if object_ is not UNSET:
            field_dict["Object"] = object_
        if sprite_object is not UNSET:
            field_dict["SpriteObject"] = sprite_object

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        region = d.pop("Region", UNSET)

        bucket = d.pop("Bucket", UNSET)

        object_ = d.pop("Object", UNSET)

        sprite_object = d.pop("SpriteObject", UNSET)

        job_output = cls(
            region=region,
            bucket=bucket,
            object_=object_,
            sprite_object=sprite_object,
        )

        job_output.additional_properties = d
        return job_output

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
