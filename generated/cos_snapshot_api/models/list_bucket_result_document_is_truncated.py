from typing import Literal

ListBucketResultDocumentIsTruncated = Literal["false", "true"]

LIST_BUCKET_RESULT_DOCUMENT_IS_TRUNCATED_VALUES: set[
    ListBucketResultDocumentIsTruncated
] = {
    "false",
    "true",
}


def check_list_bucket_result_document_is_truncated(
    value: str,
) -> ListBucketResultDocumentIsTruncated:
    if value in LIST_BUCKET_RESULT_DOCUMENT_IS_TRUNCATED_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {LIST_BUCKET_RESULT_DOCUMENT_IS_TRUNCATED_VALUES!r}"
    )
