from typing import Literal

GetSnapshotFormat = Literal["jpg", "png"]

GET_SNAPSHOT_FORMAT_VALUES: set[GetSnapshotFormat] = {
    "jpg",
    "png",
}


def check_get_snapshot_format(value: str) -> GetSnapshotFormat:
    if value in GET_SNAPSHOT_FORMAT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_SNAPSHOT_FORMAT_VALUES!r}"
    )
