from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.media_info_format import MediaInfoFormat
    from ..models.media_info_stream import MediaInfoStream


T = TypeVar("T", bound="MediaInfoDocumentMediaInfo")


@_attrs_define
class MediaInfoDocumentMediaInfo:
    """The media information of the object.

    Attributes:
        stream (MediaInfoStream): The streams of the file, one element per stream.
        format_ (MediaInfoFormat): The container; every element is text.
    """

    stream: MediaInfoStream
    format_: MediaInfoFormat
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        stream = self.stream.to_dict()

        format_ = self.format_.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Stream": stream,
                "Format": format_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.media_info_format import MediaInfoFormat
        from ..models.media_info_stream import MediaInfoStream

        d = dict(src_dict)
        stream = MediaInfoStream.from_dict(d.pop("Stream"))

        format_ = MediaInfoFormat.from_dict(d.pop("Format"))

        media_info_document_media_info = cls(
            stream=stream,
            format_=format_,
        )

        media_info_document_media_info.additional_properties = d
        return media_info_document_media_info

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
