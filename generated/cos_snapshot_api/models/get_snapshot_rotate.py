from typing import Literal

GetSnapshotRotate = Literal["auto", "off"]

GET_SNAPSHOT_ROTATE_VALUES: set[GetSnapshotRotate] = {
    "auto",
    "off",
}


def check_get_snapshot_rotate(value: str) -> GetSnapshotRotate:
    if value in GET_SNAPSHOT_ROTATE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_SNAPSHOT_ROTATE_VALUES!r}"
    )
