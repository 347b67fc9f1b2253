from typing import Literal

SnapshotConfigMode = Literal["Average", "Interval", "KeyFrame"]

SNAPSHOT_CONFIG_MODE_VALUES: set[SnapshotConfigMode] = {
    "Average",
    "Interval",
    "KeyFrame",
}


def check_snapshot_config_mode(value: str) -> SnapshotConfigMode:
    if value in SNAPSHOT_CONFIG_MODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SNAPSHOT_CONFIG_MODE_VALUES!r}"
    )
