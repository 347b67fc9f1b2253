from typing import Literal

SnapshotConfigIsCheckBlack = Literal["false", "true"]

SNAPSHOT_CONFIG_IS_CHECK_BLACK_VALUES: set[SnapshotConfigIsCheckBlack] = {
    "false",
    "true",
}


def check_snapshot_config_is_check_black(value: str) -> SnapshotConfigIsCheckBlack:
    if value in SNAPSHOT_CONFIG_IS_CHECK_BLACK_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SNAPSHOT_CONFIG_IS_CHECK_BLACK_VALUES!r}"
    )
