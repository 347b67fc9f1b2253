from typing import Literal

CancelMediaJobCancel = Literal[""]

CANCEL_MEDIA_JOB_CANCEL_VALUES: set[CancelMediaJobCancel] = {
    "",
}


def check_cancel_media_job_cancel(value: str) -> CancelMediaJobCancel:
    if value in CANCEL_MEDIA_JOB_CANCEL_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CANCEL_MEDIA_JOB_CANCEL_VALUES!r}"
    )
