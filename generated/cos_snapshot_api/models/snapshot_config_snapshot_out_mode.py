from typing import Literal

SnapshotConfigSnapshotOutMode = Literal[
    "OnlySnapshot", "OnlySprite", "SnapshotAndSprite"
]

SNAPSHOT_CONFIG_SNAPSHOT_OUT_MODE_VALUES: set[SnapshotConfigSnapshotOutMode] = {
    "OnlySnapshot",
    "OnlySprite",
    "SnapshotAndSprite",
}


def check_snapshot_config_snapshot_out_mode(
    value: str,
) -> SnapshotConfigSnapshotOutMode:
    if value in SNAPSHOT_CONFIG_SNAPSHOT_OUT_MODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SNAPSHOT_CONFIG_SNAPSHOT_OUT_MODE_VALUES!r}"
    )
