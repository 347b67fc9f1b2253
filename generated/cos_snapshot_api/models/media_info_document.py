from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.media_info_document_media_info import MediaInfoDocumentMediaInfo


T = TypeVar("T", bound="MediaInfoDocument")


@_attrs_define
class MediaInfoDocument:
    """The body of a GetMediaInfo answer (vendor doc 436/55672): an XML document whose root
    element is `<Response>`. Every leaf is a text element; numbers are written as text, as
    below, and an element the service has no value for is empty (`<Profile></Profile>`).
    `Stream` holds one `Video`, `Audio` or `Subtitle` element per stream of that kind (none
    when the file has no such stream). An abridged example (the numbers are the vendor's example
    answer's):

        <Response>
          <MediaInfo>
            <Stream>
              <Video>
                <Index>0</Index>
                <CodecName>h264</CodecName>
                <Profile>High</Profile>
                <Width>1080</Width>
                <Height>1920</Height>
                <HasBFrame>1</HasBFrame>
                <PixFormat>yuvj420p</PixFormat>
                <Fps>30.500000</Fps>
                <AvgFps>30/1</AvgFps>
                <Timebase>1/600</Timebase>
                <StartTime>0.000000</StartTime>
                <Duration>129.200000</Duration>
                <NumFrames>3876</NumFrames>
                <Rotation>0.000000</Rotation>
              </Video>
              <Audio>
                <Index>1</Index>
                <CodecName>aac</CodecName>
                <SampleRate>44100</SampleRate>
                <Channel>2</Channel>
                <ChannelLayout>stereo</ChannelLayout>
              </Audio>
            </Stream>
            <Format>
              <NumStream>2</NumStream>
              <FormatName>mov,mp4,m4a,3gp,3g2,mj2</FormatName>
              <StartTime>0.000000</StartTime>
              <Duration>129.200000</Duration>
              <Bitrate>16869.432000</Bitrate>
              <Size>272441346</Size>
            </Format>
          </MediaInfo>
        </Response>

        Attributes:
            media_info (MediaInfoDocumentMediaInfo): The media information of the object.
    """

    media_info: MediaInfoDocumentMediaInfo
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        media_info = self.media_info.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "MediaInfo": media_info,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.media_info_document_media_info import MediaInfoDocumentMediaInfo

        d = dict(src_dict)
        media_info = MediaInfoDocumentMediaInfo.from_dict(d.pop("MediaInfo"))

        media_info_document = cls(
            media_info=media_info,
        )

        media_info_document.additional_properties = d
        return media_info_document

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
