from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.list_bucket_object_owner import ListBucketObjectOwner


T = TypeVar("T", bound="ListBucketObject")


@_attrs_define
class ListBucketObject:
    """An object of the listing; every element is text.

    Attributes:
        key (str): The object's key (percent-encoded with `encoding-type=url`).
        last_modified (str): When the object was last stored, ISO 8601 in UTC, e.g. `2026-10-28T20:30:00.000Z`.
        e_tag (str): The object's entity tag, quoted; the one HeadObject and GetObject report.
        size (str): The object's size in bytes, an integer such as `1048576`.
        owner (ListBucketObjectOwner | Unset): The account that owns the object.
        storage_class (str | Unset): The object's storage class, e.g. `STANDARD`, `STANDARD_IA`, `ARCHIVE`.
    """

    key: str
    last_modified: str
    e_tag: str
    size: str
    owner: ListBucketObjectOwner | Unset = UNSET
    storage_class: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        last_modified = self.last_modified

        e_tag = self.e_tag

        size = self.size

        owner: dict[str, Any] | Unset = UNSET
        if not isinstance(self.owner, Unset):
            owner = self.owner.to_dict()

        storage_class = self.storage_class

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Key": key,
                "LastModified": last_modified,
                "ETag": e_tag,
                "Size": size,
            }
        )
        if owner is not UNSET:
            field_dict["Owner"] = owner
        if storage_class is not UNSET:
            field_dict["StorageClass"] = storage_class

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.list_bucket_object_owner import ListBucketObjectOwner

        d = dict(src_dict)
        key = d.pop("Key")

        last_modified = d.pop("LastModified")

        e_tag = d.pop("ETag")

        size = d.pop("Size")

        _owner = d.pop("Owner", UNSET)
        owner: ListBucketObjectOwner | Unset
        if isinstance(_owner, Unset):
            owner = UNSET
        else:
            owner = ListBucketObjectOwner.from_dict(_owner)

        storage_class = d.pop("StorageClass", UNSET)

        list_bucket_object = cls(
            key=key,
            last_modified=last_modified,
            e_tag=e_tag,
            size=size,
            owner=owner,
            storage_class=storage_class,
        )

        list_bucket_object.additional_properties = d
        return list_bucket_object

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
