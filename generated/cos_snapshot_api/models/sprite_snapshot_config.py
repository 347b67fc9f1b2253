from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.sprite_snapshot_config_scale_method import (
    SpriteSnapshotConfigScaleMethod,
    check_sprite_snapshot_config_scale_method,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="SpriteSnapshotConfig")


@_attrs_define
class SpriteSnapshotConfig:
    """How shots are tiled into sprite sheets (JPEG): `Columns` × `Lines` cells a sheet, the next sheet numbered on.

    Attributes:
        color (str): The background colour: an ffmpeg colour name (`black`, `White`) or `#RRGGBB`.
        columns (int): Cells across a sheet, [1, 10000].
        lines (int): Cells down a sheet, [1, 10000].
        cell_width (int | Unset): A cell's width, [8, 4096] (default: the shot's).
        cell_height (int | Unset): A cell's height, [8, 4096] (default: the shot's).
        padding (int | Unset): Pixels between cells, [0, 1024].
        margin (int | Unset): Pixels around the sheet's edge, [0, 1024].
        scale_method (SpriteSnapshotConfigScaleMethod | Unset): How a shot fits its cell: stretched (`DirectScale`),
            scaled within it and padded (`MaxWHScaleAndPad`), or scaled within it (`MaxWHScale`).
    """

    color: str
    columns: int
    lines: int
    cell_width: int | Unset = UNSET
    cell_height: int | Unset = UNSET
    padding: int | Unset = UNSET
    margin: int | Unset = UNSET
    scale_method: SpriteSnapshotConfigScaleMethod | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        color = self.color

        columns = self.columns

        lines = self.lines

        cell_width = self.cell_width

        cell_height = self.cell_height

        padding = self.padding

        margin = self.margin

        scale_method: str | Unset = UNSET
        if not isinstance(self.scale_method, Unset):
            scale_method = self.scale_method

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Color": color,
                "Columns": columns,
                "Lines": lines,
            }
        )
        if cell_width is not UNSET:
            field_dict["CellWidth"] = cell_width
        if cell_height is not UNSET:
            field_dict["CellHeight"] = cell_height
        if padding is not UNSET:
            field_dict["Padding"] = padding
        if margin is not UNSET:
            field_dict["Margin"] = margin
        if scale_method is not UNSET:
            field_dict["ScaleMethod"] = scale_method

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        color = d.pop("Color")

        columns = d.pop("Columns")

        lines = d.pop("Lines")

        cell_width = d.pop("CellWidth", UNSET)

        cell_height = d.pop("CellHeight", UNSET)

        padding = d.pop("Padding", UNSET)

        margin = d.pop("Margin", UNSET)

        _scale_method = d.pop("ScaleMethod", UNSET)
        scale_method: SpriteSnapshotConfigScaleMethod | Unset
        if isinstance(_scale_method, Unset):
            scale_method = UNSET
        else:
            scale_method = check_sprite_snapshot_config_scale_method(_scale_method)

        sprite_snapshot_config = cls(
            color=color,
            columns=columns,
            lines=lines,
            cell_width=cell_width,
            cell_height=cell_height,
            padding=padding,
            margin=margin,
            scale_method=scale_method,
        )

        sprite_snapshot_config.additional_properties = d
        return sprite_snapshot_config

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
