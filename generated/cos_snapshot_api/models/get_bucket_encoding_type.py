from typing import Literal

GetBucketEncodingType = Literal["url"]

GET_BUCKET_ENCODING_TYPE_VALUES: set[GetBucketEncodingType] = {
    "url",
}


def check_get_bucket_encoding_type(value: str) -> GetBucketEncodingType:
    if value in GET_BUCKET_ENCODING_TYPE_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {GET_BUCKET_ENCODING_TYPE_VALUES!r}"
    )
