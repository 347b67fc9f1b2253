from typing import Literal

JobRequestDocumentCallBackFormat = Literal["JSON", "XML"]

JOB_REQUEST_DOCUMENT_CALL_BACK_FORMAT_VALUES: set[JobRequestDocumentCallBackFormat] = {
    "JSON",
    "XML",
}


def check_job_request_document_call_back_format(
    value: str,
) -> JobRequestDocumentCallBackFormat:
    if value in JOB_REQUEST_DOCUMENT_CALL_BACK_FORMAT_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {JOB_REQUEST_DOCUMENT_CALL_BACK_FORMAT_VALUES!r}"
    )
