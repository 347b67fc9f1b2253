from typing import Literal

SnapshotConfigIsCheckCount = Literal["false", "true"]

SNAPSHOT_CONFIG_IS_CHECK_COUNT_VALUES: set[SnapshotConfigIsCheckCount] = {
    "false",
    "true",
}


def check_snapshot_config_is_check_count(value: str) -> SnapshotConfigIsCheckCount:
    if value in SNAPSHOT_CONFIG_IS_CHECK_COUNT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SNAPSHOT_CONFIG_IS_CHECK_COUNT_VALUES!r}"
    )
