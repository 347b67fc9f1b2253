from typing import Literal

JobRequestDocumentTag = Literal["Snapshot"]

JOB_REQUEST_DOCUMENT_TAG_VALUES: set[JobRequestDocumentTag] = {
    "Snapshot",
}


def check_job_request_document_tag(value: str) -> JobRequestDocumentTag:
    if value in JOB_REQUEST_DOCUMENT_TAG_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_REQUEST_DOCUMENT_TAG_VALUES!r}"
    )
