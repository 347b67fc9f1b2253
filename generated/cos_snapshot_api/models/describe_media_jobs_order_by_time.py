from typing import Literal

DescribeMediaJobsOrderByTime = Literal["Asc", "Desc"]

DESCRIBE_MEDIA_JOBS_ORDER_BY_TIME_VALUES: set[DescribeMediaJobsOrderByTime] = {
    "Asc",
    "Desc",
}


def check_describe_media_jobs_order_by_time(value: str) -> DescribeMediaJobsOrderByTime:
    if value in DESCRIBE_MEDIA_JOBS_ORDER_BY_TIME_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {DESCRIBE_MEDIA_JOBS_ORDER_BY_TIME_VALUES!r}"
    )
