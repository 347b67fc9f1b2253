from typing import Literal

SpriteSnapshotConfigScaleMethod = Literal[
    "DirectScale", "MaxWHScale", "MaxWHScaleAndPad"
]

SPRITE_SNAPSHOT_CONFIG_SCALE_METHOD_VALUES: set[SpriteSnapshotConfigScaleMethod] = {
    "DirectScale",
    "MaxWHScale",
    "MaxWHScaleAndPad",
}


def check_sprite_snapshot_config_scale_method(
    value: str,
) -> SpriteSnapshotConfigScaleMethod:
    if value in SPRITE_SNAPSHOT_CONFIG_SCALE_METHOD_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SPRITE_SNAPSHOT_CONFIG_SCALE_METHOD_VALUES!r}"
    )
