from typing import Literal

JobOperationJobLevel = Literal["0", "1", "2"]

JOB_OPERATION_JOB_LEVEL_VALUES: set[JobOperationJobLevel] = {
    "0",
    "1",
    "2",
}


def check_job_operation_job_level(value: str) -> JobOperationJobLevel:
    if value in JOB_OPERATION_JOB_LEVEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_OPERATION_JOB_LEVEL_VALUES!r}"
    )
