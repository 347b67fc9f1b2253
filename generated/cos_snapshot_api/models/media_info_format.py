from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MediaInfoFormat")


@_attrs_define
class MediaInfoFormat:
    """The container; every element is text.

    Attributes:
        num_stream (str | Unset): The number of streams (video, audio and subtitle), e.g. `2`.
        num_program (str | Unset): The number of programs, e.g. `0`.
        format_name (str | Unset): The container format's short name(s), e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
        format_long_name (str | Unset): The container format's long name, e.g. `QuickTime / MOV`.
        start_time (str | Unset): The container's start time in seconds, e.g. `0.000000`.
        duration (str | Unset): The container's duration in seconds, e.g. `129.200000`.
        bitrate (str | Unset): The overall bitrate in kbit/s, e.g. `16869.432000`.
        size (str | Unset): The object's size in bytes, an integer such as `272441346`.
    """

    num_stream: str | Unset = UNSET
    num_program: str | Unset = UNSET
    format_name: str | Unset = UNSET
    format_long_name: str | Unset = UNSET
    start_time: str | Unset = UNSET
    duration: str | Unset = UNSET
    bitrate: str | Unset = UNSET
    size: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        num_stream = self.num_stream

        num_program = self.num_program

        format_name = self.format_name

        format_long_name = self.format_long_name

        start_time = self.start_time

        duration = self.duration

        bitrate = self.bitrate

        size = self.size

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if num_stream is not UNSET:
            field_dict["NumStream"] = num_stream
        if num_program is not UNSET:
            field_dict["NumProgram"] = num_program
        if format_name is not UNSET:
            field_dict["FormatName"] = format_name
        if format_long_name is not UNSET:
            field_dict["FormatLongName"] = format_long_name
        if start_time is not UNSET:
            field_dict["StartTime"] = start_time
        if duration is not UNSET:
            field_dict["Duration"] = duration
        if bitrate is not UNSET:
            field_dict["Bitrate"] = bitrate
        if size is not UNSET:
            field_dict["Size"] = size

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        num_stream = d.pop("NumStream", UNSET)

        num_program = d.pop("NumProgram", UNSET)

        format_name = d.pop("FormatName", UNSET)

        format_long_name = d.pop("FormatLongName", UNSET)

        start_time = d.pop("StartTime", UNSET)

        duration = d.pop("Duration", UNSET)

        bitrate = d.pop("Bitrate", UNSET)

        size = d.pop("Size", UNSET)

        media_info_format = cls(
            num_stream=num_stream,
            num_program=num_program,
            format_name=format_name,
            format_long_name=format_long_name,
            start_time=start_time,
            duration=duration,
            bitrate=bitrate,
            size=size,
        )

        media_info_format.additional_properties = d
        return media_info_format

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
