from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.media_info_audio import MediaInfoAudio
    from ..models.media_info_subtitle import MediaInfoSubtitle
    from ..models.media_info_video import MediaInfoVideo


T = TypeVar("T", bound="MediaInfoStream")


@_attrs_define
class MediaInfoStream:
    """The streams of the file, one element per stream.

    Attributes:
        video (list[MediaInfoVideo] | Unset): The video streams (usually one).
        audio (list[MediaInfoAudio] | Unset): The audio streams (none, one or more).
        subtitle (list[MediaInfoSubtitle] | Unset): The subtitle streams (none, one or more).
    """

    video: list[MediaInfoVideo] | Unset = UNSET
    audio: list[MediaInfoAudio] | Unset = UNSET
    subtitle: list[MediaInfoSubtitle] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        video: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.video, Unset):
            video = []
            for video_item_data in self.video:
                video_item = video_item_data.to_dict()
                video.append(video_item)

        audio: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.audio, Unset):
            audio = []
            for audio_item_data in self.audio:
                audio_item = audio_item_data.to_dict()
                audio.append(audio_item)

        subtitle: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.subtitle, Unset):
            subtitle = []
            for subtitle_item_data in self.subtitle:
                subtitle_item = subtitle_item_data.to_dict()
                subtitle.append(subtitle_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if video is not UNSET:
            field_dict["Video"] = video
        if audio is not UNSET:
            field_dict["Audio"] = audio
        if subtitle is not UNSET:
            field_dict["Subtitle"] = subtitle

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.media_info_audio import MediaInfoAudio
        from ..models.media_info_subtitle import MediaInfoSubtitle
        from ..models.media_info_video import MediaInfoVideo

        d = dict(src_dict)
        _video = d.pop("Video", UNSET)
        video: list[MediaInfoVideo] | Unset = UNSET
        if _video is not UNSET:
            video = []
            for video_item_data in _video:
                video_item = MediaInfoVideo.from_dict(video_item_data)

                video.append(video_item)

        _audio = d.pop("Audio", UNSET)
        audio: list[MediaInfoAudio] | Unset = UNSET
        if _audio is not UNSET:
            audio = []
            for audio_item_data in _audio:
                audio_item = MediaInfoAudio.from_dict(audio_item_data)

                audio.append(audio_item)

        _subtitle = d.pop("Subtitle", UNSET)
        subtitle: list[MediaInfoSubtitle] | Unset = UNSET
        if _subtitle is not UNSET:
            subtitle = []
            for subtitle_item_data in _subtitle:
                subtitle_item = MediaInfoSubtitle.from_dict(subtitle_item_data)

                subtitle.append(subtitle_item)

        media_info_stream = cls(
            video=video,
            audio=audio,
            subtitle=subtitle,
        )

        media_info_stream.additional_properties = d
        return media_info_stream

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
