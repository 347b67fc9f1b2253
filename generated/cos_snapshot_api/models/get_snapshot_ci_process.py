from typing import Literal

GetSnapshotCiProcess = Literal["snapshot"]

GET_SNAPSHOT_CI_PROCESS_VALUES: set[GetSnapshotCiProcess] = {
    "snapshot",
}


def check_get_snapshot_ci_process(value: str) -> GetSnapshotCiProcess:
    if value in GET_SNAPSHOT_CI_PROCESS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_SNAPSHOT_CI_PROCESS_VALUES!r}"
    )
