from typing import Literal

JobsDetailState = Literal[
    "Cancel", "Failed", "Pause", "Running", "Submitted", "Success"
]

JOBS_DETAIL_STATE_VALUES: set[JobsDetailState] = {
    "Cancel",
    "Failed",
    "Pause",
    "Running",
    "Submitted",
    "Success",
}


def check_jobs_detail_state(value: str) -> JobsDetailState:
    if value in JOBS_DETAIL_STATE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOBS_DETAIL_STATE_VALUES!r}"
    )
