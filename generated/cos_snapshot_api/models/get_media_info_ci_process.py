from typing import Literal

GetMediaInfoCiProcess = Literal["videoinfo"]

GET_MEDIA_INFO_CI_PROCESS_VALUES: set[GetMediaInfoCiProcess] = {
    "videoinfo",
}


def check_get_media_info_ci_process(value: str) -> GetMediaInfoCiProcess:
    if value in GET_MEDIA_INFO_CI_PROCESS_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_MEDIA_INFO_CI_PROCESS_VALUES!r}"
    )
