from typing import Literal

ListBucketResultDocumentEncodingType = Literal["url"]

LIST_BUCKET_RESULT_DOCUMENT_ENCODING_TYPE_VALUES: set[
    ListBucketResultDocumentEncodingType
] = {
    "url",
}


def check_list_bucket_result_document_encoding_type(
    value: str,
) -> ListBucketResultDocumentEncodingType:
    if value in LIST_BUCKET_RESULT_DOCUMENT_ENCODING_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {LIST_BUCKET_RESULT_DOCUMENT_ENCODING_TYPE_VALUES!r}"
    )
