from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.snapshot_config_is_check_black import (
    SnapshotConfigIsCheckBlack,
    check_snapshot_config_is_check_black,
)
from ..models.snapshot_config_is_check_count import (
    SnapshotConfigIsCheckCount,
    check_snapshot_config_is_check_count,
)
from ..models.snapshot_config_mode import SnapshotConfigMode, check_snapshot_config_mode
from ..models.snapshot_config_snapshot_out_mode import (
    SnapshotConfigSnapshotOutMode,
    check_snapshot_config_snapshot_out_mode,
)
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sprite_snapshot_config import SpriteSnapshotConfig


T = TypeVar("T", bound="SnapshotConfig")


@_attrs_define
class SnapshotConfig:
    """Which frames, how large, and whether as single images, sprite sheets or both (vendor doc 436/75023). A time is in
    seconds from the start of the video, a plain decimal.

        Attributes:
            mode (SnapshotConfigMode | Unset): `Interval`: from `Start`, one shot every `TimeInterval` seconds, at most
                `Count`. `Average`: `Count` shots spread evenly from `Start` to the end. `KeyFrame`: the keyframes. Default:
                'Interval'.
            start (float | Unset): The first shot's time, 0 to the video's duration. Default: 0.0.
            time_interval (float | Unset): Seconds between shots (`Interval`), (0, 3600].
            count (int | Unset): How many shots, (0, 10000].
            width (int | Unset): The shots' width, [128, 4096]; alone, the height keeps the aspect ratio.
            height (int | Unset): The shots' height, [128, 4096]; alone, the width keeps the aspect ratio.
            is_check_count (SnapshotConfigIsCheckCount | Unset): `true`: an `Interval` that cannot reach `Count` shots falls
                back to `Average`. Default: 'false'.
            is_check_black (SnapshotConfigIsCheckBlack | Unset): `true`: skip black frames (only with `Start` 0), as
                `BlackLevel` and `PixelBlackThreshold` define them. Default: 'false'.
            black_level (int | Unset): A frame is black when at least this percentage of its pixels are black, [30, 100].
            pixel_black_threshold (int | Unset): A pixel is black when its luma is at most this, [0, 255].
            snapshot_out_mode (SnapshotConfigSnapshotOutMode | Unset): Write the shots (`OnlySnapshot`), sprite sheets of
                them (`OnlySprite`), or both. Default: 'OnlySnapshot'.
            sprite_snapshot_config (SpriteSnapshotConfig | Unset): How shots are tiled into sprite sheets (JPEG): `Columns`
                × `Lines` cells a sheet, the next sheet numbered on.
    """

    mode: SnapshotConfigMode | Unset = "Interval"
    start: float | Unset = 0.0
    time_interval: float | Unset = UNSET
    count: int | Unset = UNSET
    width: int | Unset = UNSET
    height: int | Unset = UNSET
    is_check_count: SnapshotConfigIsCheckCount | Unset = "false"
    is_check_black: SnapshotConfigIsCheckBlack | Unset = "false"
    black_level: int | Unset = UNSET
    pixel_black_threshold: int | Unset = UNSET
    snapshot_out_mode: SnapshotConfigSnapshotOutMode | Unset = "OnlySnapshot"
    sprite_snapshot_config: SpriteSnapshotConfig | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode

        start = self.start

        time_interval = self.time_interval

        count = self.count

        width = self.width

        height = self.height

        is_check_count: str | Unset = UNSET
        if not isinstance(self.is_check_count, Unset):
            is_check_count = self.is_check_count

        is_check_black: str | Unset = UNSET
        if not isinstance(self.is_check_black, Unset):
            is_check_black = self.is_check_black

        black_level = self.black_level

        pixel_black_threshold = self.pixel_black_threshold

        snapshot_out_mode: str | Unset = UNSET
        if not isinstance(self.snapshot_out_mode, Unset):
            snapshot_out_mode = self.snapshot_out_mode

        sprite_snapshot_config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.sprite_snapshot_config, Unset):
            sprite_snapshot_config = self.sprite_snapshot_config.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if mode is not UNSET:
            field_dict["Mode"] = mode
        if start is not UNSET:
            field_dict["Start"] = start
        if time_interval is not UNSET:
            field_dict["TimeInterval"] = time_interval
        if count is not UNSET:
            field_dict["Count"] = count
        if width is not UNSET:
            field_dict["Width"] = width
        if height is not UNSET:
            field_dict["Height"] = height
        if is_check_count is not UNSET:
            field_dict["IsCheckCount"] = is_check_count
        if is_check_black is not UNSET:
            field_dict["IsCheckBlack"] = is_check_black
        if black_level is not UNSET:
            field_dict["BlackLevel"] = black_level
        if pixel_black_threshold is not UNSET:
            field_dict["PixelBlackThreshold"] = pixel_black_threshold
        if snapshot_out_mode is not UNSET:
            field_dict["SnapshotOutMode"] = snapshot_out_mode
        if sprite_snapshot_config is not UNSET:
            field_dict["SpriteSnapshotConfig"] = sprite_snapshot_config

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.sprite_snapshot_config import SpriteSnapshotConfig

        d = dict(src_dict)
        _mode = d.pop("Mode", UNSET)
        mode: SnapshotConfigMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = check_snapshot_config_mode(_mode)

        start = d.pop("Start", UNSET)

        time_interval = d.pop("TimeInterval", UNSET)

        count = d.pop("Count", UNSET)

        width = d.pop("Width", UNSET)

        height = d.pop("Height", UNSET)

        _is_check_count = d.pop("IsCheckCount", UNSET)
        is_check_count: SnapshotConfigIsCheckCount | Unset
        if isinstance(_is_check_count, Unset):
            is_check_count = UNSET
        else:
            is_check_count = check_snapshot_config_is_check_count(_is_check_count)

        _is_check_black = d.pop("IsCheckBlack", UNSET)
        is_check_black: SnapshotConfigIsCheckBlack | Unset
        if isinstance(_is_check_black, Unset):
            is_check_black = UNSET
        else:
            is_check_black = check_snapshot_config_is_check_black(_is_check_black)

        black_level = d.pop("BlackLevel", UNSET)

        pixel_black_threshold = d.pop("PixelBlackThreshold", UNSET)

        _snapshot_out_mode = d.pop("SnapshotOutMode", UNSET)
        snapshot_out_mode: SnapshotConfigSnapshotOutMode | Unset
        if isinstance(_snapshot_out_mode, Unset):
            snapshot_out_mode = UNSET
        else:
            snapshot_out_mode = check_snapshot_config_snapshot_out_mode(
                _snapshot_out_mode
            )

        _sprite_snapshot_config = d.pop("SpriteSnapshotConfig", UNSET)
        sprite_snapshot_config: SpriteSnapshotConfig | Unset
        if isinstance(_sprite_snapshot_config, Unset):
            sprite_snapshot_config = UNSET
        else:
            sprite_snapshot_config = SpriteSnapshotConfig.from_dict(
                _sprite_snapshot_config
            )

        snapshot_config = cls(
            mode=mode,
            start=start,
            time_interval=time_interval,
            count=count,
            width=width,
            height=height,
            is_check_count=is_check_count,
            is_check_black=is_check_black,
            black_level=black_level,
            pixel_black_threshold=pixel_black_threshold,
            snapshot_out_mode=snapshot_out_mode,
            sprite_snapshot_config=sprite_snapshot_config,
        )

        snapshot_config.additional_properties = d
        return snapshot_config

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
