from typing import Literal

GetSnapshotMode = Literal["exactframe", "keyframe"]

GET_SNAPSHOT_MODE_VALUES: set[GetSnapshotMode] = {
    "exactframe",
    "keyframe",
}


def check_get_snapshot_mode(value: str) -> GetSnapshotMode:
    if value in GET_SNAPSHOT_MODE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_SNAPSHOT_MODE_VALUES!r}"
    )
