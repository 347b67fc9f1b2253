from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MediaInfoVideo")


@_attrs_define
class MediaInfoVideo:
    """A video stream; every element is text.

    Attributes:
        index (str | Unset): The stream's number in the file, e.g. `0`.
        codec_name (str | Unset): The codec's short name, e.g. `h264`.
        codec_long_name (str | Unset): The codec's long name, e.g. `H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10`.
        codec_time_base (str | Unset): The codec's time base, a fraction such as `1/60`.
        codec_tag_string (str | Unset): The codec tag as text, e.g. `avc1`.
        codec_tag (str | Unset): The codec tag as a number, e.g. `0x31637661`.
        color_primaries (str | Unset): The colour primaries, e.g. `bt709`.
        color_range (str | Unset): The colour range, e.g. `tv`.
        color_transfer (str | Unset): The colour transfer characteristic, e.g. `bt709`.
        profile (str | Unset): The codec profile, e.g. `High`.
        width (str | Unset): The width in pixels, an integer such as `1080`. The vendor does not say whether this is the
            stored or the displayed width; the project reads it as the stored picture's (before `Rotation`).
        height (str | Unset): The height in pixels, an integer such as `1920`; stored, as `Width`.
        has_b_frame (str | Unset): `1` if the stream has B-frames, `0` if not.
        ref_frames (str | Unset): The number of reference frames, e.g. `1`.
        sar (str | Unset): The sample (pixel) aspect ratio, such as `1:1`.
        dar (str | Unset): The display aspect ratio, such as `9:16`.
        pix_format (str | Unset): The pixel format, e.g. `yuvj420p`.
        field_order (str | Unset): The field order, e.g. `progressive`.
        level (str | Unset): The codec level, e.g. `40`.
        fps (str | Unset): The frame rate, a decimal such as `30.500000`.
        avg_fps (str | Unset): The average frame rate, a fraction such as `30/1`.
        timebase (str | Unset): The stream's time base, a fraction such as `1/600`.
        start_time (str | Unset): The stream's start time in seconds, e.g. `0.000000`.
        duration (str | Unset): The stream's duration in seconds, e.g. `129.200000`.
        bitrate (str | Unset): The stream's bitrate in kbit/s, e.g. `16829.060000`.
        num_frames (str | Unset): The number of frames, an integer such as `3876`.
        language (str | Unset): The stream's language, e.g. `und`.
        rotation (str | Unset): The rotation in degrees from the stream's display matrix, e.g. `0.000000` or `90.000000`
            (the vendor does not document its sign).
    """

    index: str | Unset = UNSET
    codec_name: str | Unset = UNSET
    codec_long_name: str | Unset = UNSET
    codec_time_base: str | Unset = UNSET
    codec_tag_string: str | Unset = UNSET
    codec_tag: str | Unset = UNSET
    color_primaries: str | Unset = UNSET
    color_range: str | Unset = UNSET
    color_transfer: str | Unset = UNSET
    profile: str | Unset = UNSET
    width: str | Unset = UNSET
    height: str | Unset = UNSET
    has_b_frame: str | Unset = UNSET
    ref_frames: str | Unset = UNSET
    sar: str | Unset = UNSET
    dar: str | Unset = UNSET
    pix_format: str | Unset = UNSET
    field_order: str | Unset = UNSET
    level: str | Unset = UNSET
    fps: str | Unset = UNSET
    avg_fps: str | Unset = UNSET
    timebase: str | Unset = UNSET
    start_time: str | Unset = UNSET
    duration: str | Unset = UNSET
    bitrate: str | Unset = UNSET
    num_frames: str | Unset = UNSET
    language: str | Unset = UNSET
    rotation: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        codec_name = self.codec_name

        codec_long_name = self.codec_long_name

        codec_time_base = self.codec_time_base

        codec_tag_string = self.codec_tag_string

        codec_tag = self.codec_tag

        color_primaries = self.color_primaries

        color_range = self.color_range

        color_transfer = self.color_transfer

        profile = self.profile

        width = self.width

        height = self.height

        has_b_frame = self.has_b_frame

        ref_frames = self.ref_frames

        sar = self.sar

        dar = self.dar

        pix_format = self.pix_format

        field_order = self.field_order

        level = self.level

        fps = self.fps

        avg_fps = self.avg_fps

        timebase = self.timebase

        start_time = self.start_time

        duration = self.duration

        bitrate = self.bitrate

        num_frames = self.num_frames

        language = self.language

        rotation = self.rotation

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
        if color_primaries is not UNSET:
            field_dict["ColorPrimaries"] = color_primaries
        if color_range is not UNSET:
            field_dict["ColorRange"] = color_range
        if color_transfer is not UNSET:
            field_dict["ColorTransfer"] = color_transfer
        if profile is not UNSET:
            field_dict["Profile"] = profile
        if width is not UNSET:
            field_dict["Width"] = width
        if height is not UNSET:
            field_dict["Height"] = height
        if has_b_frame is not UNSET:
            field_dict["HasBFrame"] = has_b_frame
        if ref_frames is not UNSET:
            field_dict["RefFrames"] = ref_frames
        if sar is not UNSET:
            field_dict["Sar"] = sar
        if dar is not UNSET:
            field_dict["Dar"] = dar
        if pix_format is not UNSET:
            field_dict["PixFormat"] = pix_format
        if field_order is not UNSET:
            field_dict["FieldOrder"] = field_order
        if level is not UNSET:
            field_dict["Level"] = level
        if fps is not UNSET:
            field_dict["Fps"] = fps
        if avg_fps is not UNSET:
            field_dict["AvgFps"] = avg_fps
        if timebase is not UNSET:
            field_dict["Timebase"] = timebase
        if start_time is not UNSET:
            field_dict["StartTime"] = start_time
        if duration is not UNSET:
            field_dict["Duration"] = duration
        if bitrate is not UNSET:
            field_dict["Bitrate"] = bitrate
        if num_frames is not UNSET:
            field_dict["NumFrames"] = num_frames
        if language is not UNSET:
            field_dict["Language"] = language
        if rotation is not UNSET:
            field_dict["Rotation"] = rotation

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

        color_primaries = d.pop("ColorPrimaries", UNSET)

        color_range = d.pop("ColorRange", UNSET)

        color_transfer = d.pop("ColorTransfer", UNSET)

        profile = d.pop("Profile", UNSET)

        width = d.pop("Width", UNSET)

        height = d.pop("Height", UNSET)

        has_b_frame = d.pop("HasBFrame", UNSET)

        ref_frames = d.pop("RefFrames", UNSET)

        sar = d.pop("Sar", UNSET)

        dar = d.pop("Dar", UNSET)

        pix_format = d.pop("PixFormat", UNSET)

        field_order = d.pop("FieldOrder", UNSET)

        level = d.pop("Level", UNSET)

        fps = d.pop("Fps", UNSET)

        avg_fps = d.pop("AvgFps", UNSET)

        timebase = d.pop("Timebase", UNSET)

        start_time = d.pop("StartTime", UNSET)

        duration = d.pop("Duration", UNSET)

        bitrate = d.pop("Bitrate", UNSET)

        num_frames = d.pop("NumFrames", UNSET)

        language = d.pop("Language", UNSET)

        rotation = d.pop("Rotation", UNSET)

        media_info_video = cls(
            index=index,
            codec_name=codec_name,
            codec_long_name=codec_long_name,
            codec_time_base=codec_time_base,
            codec_tag_string=codec_tag_string,
            codec_tag=codec_tag,
            color_primaries=color_primaries,
            color_range=color_range,
            color_transfer=color_transfer,
            profile=profile,
            width=width,
            height=height,
            has_b_frame=has_b_frame,
            ref_frames=ref_frames,
            sar=sar,
            dar=dar,
            pix_format=pix_format,
            field_order=field_order,
            level=level,
            fps=fps,
            avg_fps=avg_fps,
            timebase=timebase,
            start_time=start_time,
            duration=duration,
            bitrate=bitrate,
            num_frames=num_frames,
            language=language,
            rotation=rotation,
        )

        media_info_video.additional_properties = d
        return media_info_video

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
