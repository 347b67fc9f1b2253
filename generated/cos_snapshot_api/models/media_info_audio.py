from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MediaInfoAudio")


@_attrs_define
class MediaInfoAudio:
    """An audio stream; every element is text.

    Attributes:
        index (str | Unset): The stream's number in the file, e.g. `1`.
        codec_name (str | Unset): The codec's short name, e.g. `aac`.
        codec_long_name (str | Unset): The codec's long name, e.g. `AAC (Advanced Audio Coding)`.
        codec_time_base (str | Unset): The codec's time base, a fraction such as `1/44100`.
        codec_tag_string (str | Unset): The codec tag as text, e.g. `mp4a`.
        codec_tag (str | Unset): The codec tag as a number, e.g. `0x6134706d`.
        sample_fmt (str | Unset): The sample format, e.g. `fltp`.
        sample_rate (str | Unset): Samples per second, an integer such as `44100`.
        channel (str | Unset): The number of channels, an integer such as `2`.
        channel_layout (str | Unset): The channel layout, e.g. `stereo`.
        timebase (str | Unset): The stream's time base, a fraction such as `1/44100`.
        start_time (str | Unset): The stream's start time in seconds, e.g. `0.000000`.
        duration (str | Unset): The stream's duration in seconds, e.g. `129.196667`.
        bitrate (str | Unset): The stream's bitrate in kbit/s, e.g. `36.400000`.
        language (str | Unset): The stream's language, e.g. `und`.
    """

    index: str | Unset = UNSET
    codec_name: str | Unset = UNSET
    codec_long_name: str | Unset = UNSET
    codec_time_base: str | Unset = UNSET
    codec_tag_string: str | Unset = UNSET
    codec_tag: str | Unset = UNSET
    sample_fmt: str | Unset = UNSET
    sample_rate: str | Unset = UNSET
    channel: str | Unset = UNSET
    channel_layout: str | Unset = UNSET
    timebase: str | Unset = UNSET
    start_time: str | Unset = UNSET
    duration: str | Unset = UNSET
    bitrate: str | Unset = UNSET
    language: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        codec_name = self.codec_name

        codec_long_name = self.codec_long_name

        codec_time_base = self.codec_time_base

        codec_tag_string = self.codec_tag_string

        codec_tag = self.codec_tag

        sample_fmt = self.sample_fmt

        sample_rate = self.sample_rate

        channel = self.channel

        channel_layout = self.channel_layout

        timebase = self.timebase

        start_time = self.start_time

        duration = self.duration

        bitrate = self.bitrate

        language = self.language

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if index is not UNSET:
            field_dict["Index"] = index
        if codec_name is not UNSET:
            field_dict["CodecName"] = codec_name
        if codec_long_name is not UNSET:
            field_dict["CodecLongName"] = codec_long_name
        if codec_time_base is not UNSET:
            field_dict["CodecTimeBase"] = codec_time_base
        if codec_tag_string is not UNSET:
            field_dict["CodecTagString"] = codec_tag_string
        if codec_tag is not UNSET:
            field_dict["CodecTag"] = codec_tag
        if sample_fmt is not UNSET:
            field_dict["SampleFmt"] = sample_fmt
        if sample_rate is not UNSET:
            field_dict["SampleRate"] = sample_rate
        if channel is not UNSET:
            field_dict["Channel"] = channel
        if channel_layout is not UNSET:
            field_dict["ChannelLayout"] = channel_layout
        if timebase is not UNSET:
            field_dict["Timebase"] = timebase
        if start_time is not UNSET:
            field_dict["StartTime"] = start_time
        if duration is not UNSET:
            field_dict["Duration"] = duration
        if bitrate is not UNSET:
            field_dict["Bitrate"] = bitrate
        if language is not UNSET:
            field_dict["Language"] = language

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        index = d.pop("Index", UNSET)

        codec_name = d.pop("CodecName", UNSET)

        codec_long_name = d.pop("CodecLongName", UNSET)

        codec_time_base = d.pop("CodecTimeBase", UNSET)

        codec_tag_string = d.pop("CodecTagString", UNSET)

        codec_tag = d.pop("CodecTag", UNSET)

        sample_fmt = d.pop("SampleFmt", UNSET)

        sample_rate = d.pop("SampleRate", UNSET)

        channel = d.pop("Channel", UNSET)

        channel_layout = d.pop("ChannelLayout", UNSET)

        timebase = d.pop("Timebase", UNSET)

        start_time = d.pop("StartTime", UNSET)

        duration = d.pop("Duration", UNSET)

        bitrate = d.pop("Bitrate", UNSET)

        language = d.pop("Language", UNSET)

        media_info_audio = cls(
            index=index,
            codec_name=codec_name,
            codec_long_name=codec_long_name,
            codec_time_base=codec_time_base,
            codec_tag_string=codec_tag_string,
            codec_tag=codec_tag,
            sample_fmt=sample_fmt,
            sample_rate=sample_rate,
            channel=channel,
            channel_layout=channel_layout,
            timebase=timebase,
            start_time=start_time,
            duration=duration,
            bitrate=bitrate,
            language=language,
        )

        media_info_audio.additional_properties = d
        return media_info_audio

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
