from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.list_bucket_result_document_encoding_type import (
    ListBucketResultDocumentEncodingType,
    check_list_bucket_result_document_encoding_type,
)
from ..models.list_bucket_result_document_is_truncated import (
    ListBucketResultDocumentIsTruncated,
    check_list_bucket_result_document_is_truncated,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.list_bucket_common_prefix import ListBucketCommonPrefix
    from ..models.list_bucket_object import ListBucketObject


T = TypeVar("T", bound="ListBucketResultDocument")


@_attrs_define
class ListBucketResultDocument:
    """The body of a GetBucket answer (vendor doc 436/7734): an XML document whose root element
    is `<ListBucketResult>`. Every leaf is a text element. With `encoding-type=url` every
    `Key`, `Prefix`, `Marker`, `NextMarker` and `CommonPrefixes/Prefix` is percent-encoded
    UTF-8 (`%20` for a space, `%2B` for a `+`); readers percent-decode them, never
    reading `+` as a space (the official SDK uses `unquote`). The vendor's page spells the
    element that says so `Encoding-Type`, the Go SDK reads `EncodingType`: readers take
    either. `Contents` and `CommonPrefixes` repeat, one element per object or prefix, in
    UTF-8 byte order of their keys; a page holds at most `MaxKeys` of them together.

        <ListBucketResult>
          <Name>examplebucket-1250000000</Name>
          <Encoding-Type>url</Encoding-Type>
          <Prefix>videos%2F</Prefix>
          <Marker></Marker>
          <MaxKeys>2</MaxKeys>
          <Delimiter>%2F</Delimiter>
          <IsTruncated>true</IsTruncated>
          <NextMarker>videos%2Fb.mp4</NextMarker>
          <CommonPrefixes>
            <Prefix>videos%2F2024%2F</Prefix>
          </CommonPrefixes>
          <Contents>
            <Key>videos%2Fb.mp4</Key>
            <LastModified>2026-10-28T20:30:00.000Z</LastModified>
            <ETag>"a0d0b2e5e5f9d6a1b7c3e1f2a3b4c5d6"</ETag>
            <Size>1048576</Size>
            <Owner>
              <ID>1250000000</ID>
              <DisplayName>1250000000</DisplayName>
            </Owner>
            <StorageClass>STANDARD</StorageClass>
          </Contents>
        </ListBucketResult>

        Attributes:
            is_truncated (ListBucketResultDocumentIsTruncated): `true` when more keys follow this page.
            name (str | Unset): The bucket, `<BucketName-APPID>`.
            encoding_type (ListBucketResultDocumentEncodingType | Unset): `url` when the keys and prefixes of the page are
                percent-encoded (the vendor's spelling; some servers write `EncodingType`).
            prefix (str | Unset): The `prefix` asked for (encoded as the keys are).
            marker (str | Unset): The `marker` asked for (encoded as the keys are).
            max_keys (str | Unset): The `max-keys` in effect, an integer such as `1000`.
            delimiter (str | Unset): The `delimiter` asked for (encoded as the keys are).
            next_marker (str | Unset): Where the next page starts: give it as `marker`. COS sends it whenever the page is
                truncated; S3-like servers only with a `delimiter`.
            common_prefixes (list[ListBucketCommonPrefix] | Unset): The groups of keys a `delimiter` made, one element each.
            contents (list[ListBucketObject] | Unset): The objects of the page, one element each.
    """

    is_truncated: ListBucketResultDocumentIsTruncated
    name: str | Unset = UNSET
    encoding_type: ListBucketResultDocumentEncodingType | Unset = UNSET
    prefix: str | Unset = UNSET
    marker: str | Unset = UNSET
    max_keys: str | Unset = UNSET
    delimiter: str | Unset = UNSET
    next_marker: str | Unset = UNSET
    common_prefixes: list[ListBucketCommonPrefix] | Unset = UNSET
    contents: list[ListBucketObject] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        is_truncated: str = self.is_truncated

        name = self.name

        encoding_type: str | Unset = UNSET
        if not isinstance(self.encoding_type, Unset):
            encoding_type = self.encoding_type

        prefix = self.prefix

        marker = self.marker

        max_keys = self.max_keys

        delimiter = self.delimiter

        next_marker = self.next_marker

        common_prefixes: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.common_prefixes, Unset):
            common_prefixes = []
            for common_prefixes_item_data in self.common_prefixes:
                common_prefixes_item = common_prefixes_item_data.to_dict()
                common_prefixes.append(common_prefixes_item)

        contents: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.contents, Unset):
            contents = []
            for contents_item_data in self.contents:
                contents_item = contents_item_data.to_dict()
                contents.append(contents_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "IsTruncated": is_truncated,
            }
        )
        if name is not UNSET:
            field_dict["Name"] = name
        if encoding_type is not UNSET:
            field_dict["Encoding-Type"] = encoding_type
        if prefix is not UNSET:
            field_dict["Prefix"] = prefix
        if marker is not UNSET:
            field_dict["Marker"] = marker
        if max_keys is not UNSET:
            field_dict["MaxKeys"] = max_keys
        if delimiter is not UNSET:
            field_dict["Delimiter"] = delimiter
        if next_marker is not UNSET:
            field_dict["NextMarker"] = next_marker
        if common_prefixes is not UNSET:
            field_dict["CommonPrefixes"] = common_prefixes
        if contents is not UNSET:
            field_dict["Contents"] = contents

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.list_bucket_common_prefix import ListBucketCommonPrefix
        from ..models.list_bucket_object import ListBucketObject

        d = dict(src_dict)
        is_truncated = check_list_bucket_result_document_is_truncated(
            d.pop("IsTruncated")
        )

        name = d.pop("Name", UNSET)

        _encoding_type = d.pop("Encoding-Type", UNSET)
        encoding_type: ListBucketResultDocumentEncodingType | Unset
        if isinstance(_encoding_type, Unset):
            encoding_type = UNSET
        else:
            encoding_type = check_list_bucket_result_document_encoding_type(
                _encoding_type
            )

        prefix = d.pop("Prefix", UNSET)

        marker = d.pop("Marker", UNSET)

        max_keys = d.pop("MaxKeys", UNSET)

        delimiter = d.pop("Delimiter", UNSET)

        next_marker = d.pop("NextMarker", UNSET)

        _common_prefixes = d.pop("CommonPrefixes", UNSET)
        common_prefixes: list[ListBucketCommonPrefix] | Unset = UNSET
        if _common_prefixes is not UNSET:
            common_prefixes = []
            for common_prefixes_item_data in _common_prefixes:
                common_prefixes_item = ListBucketCommonPrefix.from_dict(
                    common_prefixes_item_data
                )

                common_prefixes.append(common_prefixes_item)

        _contents = d.pop("Contents", UNSET)
        contents: list[ListBucketObject] | Unset = UNSET
        if _contents is not UNSET:
            contents = []
            for contents_item_data in _contents:
                contents_item = ListBucketObject.from_dict(contents_item_data)

                contents.append(contents_item)

        list_bucket_result_document = cls(
            is_truncated=is_truncated,
            name=name,
            encoding_type=encoding_type,
            prefix=prefix,
            marker=marker,
            max_keys=max_keys,
            delimiter=delimiter,
            next_marker=next_marker,
            common_prefixes=common_prefixes,
            contents=contents,
        )

        list_bucket_result_document.additional_properties = d
        return list_bucket_result_document

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
