from typing import Literal

DescribeMediaJobsTag = Literal["Snapshot"]

DESCRIBE_MEDIA_JOBS_TAG_VALUES: set[DescribeMediaJobsTag] = {
    "Snapshot",
}


def check_describe_media_jobs_tag(value: str) -> DescribeMediaJobsTag:
    if value in DESCRIBE_MEDIA_JOBS_TAG_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {DESCRIBE_MEDIA_JOBS_TAG_VALUES!r}"
    )
