from http import HTTPStatus
from typing import Any

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_bucket_encoding_type import (
    GetBucketEncodingType,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    prefix: str | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    encoding_type: GetBucketEncodingType | Unset = UNSET,
    marker: str | Unset = UNSET,
    max_keys: int | Unset = 1000,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["prefix"] = prefix

    params["delimiter"] = delimiter

    json_encoding_type: str | Unset = UNSET
    if not isinstance(encoding_type, Unset):
        json_encoding_type = encoding_type

    params["encoding-type"] = json_encoding_type

    params["marker"] = marker

    params["max-keys"] = max_keys

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx2.Response
) -> str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 400:
        response_400 = response.text
        return response_400

    if response.status_code == 403:
        response_403 = response.text
        return response_403

    if response.status_code == 404:
        response_404 = response.text
        return response_404

    if 400 <= response.status_code <= 499:
        response_4xx = response.text
        return response_4xx

    if 500 <= response.status_code <= 599:
        response_5xx = response.text
        return response_5xx

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx2.Response
) -> Response[str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    prefix: str | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    encoding_type: GetBucketEncodingType | Unset = UNSET,
    marker: str | Unset = UNSET,
    max_keys: int | Unset = 1000,
) -> Response[str]:
    """List the bucket's keys, a page at a time

     The keys of the bucket in UTF-8 byte order (`a-b` < `a.b` < `a/b` < `a0`), at most `max-keys` to a
    page (GetBucket, also called ListObjects; vendor doc 436/7734), as an XML document described by the
    `ListBucketResultDocument` schema. A page that is not the last says `IsTruncated` true; the next
    page starts after its `NextMarker` (COS sends it whenever a page is truncated; S3-like servers only
    with a `delimiter`, and readers then continue from the greater of the page's last key and last
    common prefix).

    Args:
        prefix (str | Unset): Only keys that start with this text (empty: every key). Compared
            byte for byte, case kept.
        delimiter (str | Unset): Group the keys that hold this text after `prefix`: each group is
            listed once, as a `CommonPrefixes` entry (the key up to and including the delimiter), not
            as objects. Usually `/`, which lists one level of a folder tree.
        encoding_type (GetBucketEncodingType | Unset): `url`: every `Key`, `Prefix`, `Marker`,
            `NextMarker` and common prefix of the answer is percent-encoded (UTF-8), so that keys with
            characters XML cannot carry survive. The only value.
        marker (str | Unset): List the keys after this one (in UTF-8 byte order); the `NextMarker`
            of the page before. Empty: from the first key.
        max_keys (int | Unset): The most entries of a page, objects and common prefixes counted
            together, 1..1000. Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        prefix=prefix,
        delimiter=delimiter,
        encoding_type=encoding_type,
        marker=marker,
        max_keys=max_keys,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    prefix: str | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    encoding_type: GetBucketEncodingType | Unset = UNSET,
    marker: str | Unset = UNSET,
    max_keys: int | Unset = 1000,
) -> str | None:
    """List the bucket's keys, a page at a time

     The keys of the bucket in UTF-8 byte order (`a-b` < `a.b` < `a/b` < `a0`), at most `max-keys` to a
    page (GetBucket, also called ListObjects; vendor doc 436/7734), as an XML document described by the
    `ListBucketResultDocument` schema. A page that is not the last says `IsTruncated` true; the next
    page starts after its `NextMarker` (COS sends it whenever a page is truncated; S3-like servers only
    with a `delimiter`, and readers then continue from the greater of the page's last key and last
    common prefix).

    Args:
        prefix (str | Unset): Only keys that start with this text (empty: every key). Compared
            byte for byte, case kept.
        delimiter (str | Unset): Group the keys that hold this text after `prefix`: each group is
            listed once, as a `CommonPrefixes` entry (the key up to and including the delimiter), not
            as objects. Usually `/`, which lists one level of a folder tree.
        encoding_type (GetBucketEncodingType | Unset): `url`: every `Key`, `Prefix`, `Marker`,
            `NextMarker` and common prefix of the answer is percent-encoded (UTF-8), so that keys with
            characters XML cannot carry survive. The only value.
        marker (str | Unset): List the keys after this one (in UTF-8 byte order); the `NextMarker`
            of the page before. Empty: from the first key.
        max_keys (int | Unset): The most entries of a page, objects and common prefixes counted
            together, 1..1000. Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return sync_detailed(
        client=client,
        prefix=prefix,
        delimiter=delimiter,
        encoding_type=encoding_type,
        marker=marker,
        max_keys=max_keys,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    prefix: str | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    encoding_type: GetBucketEncodingType | Unset = UNSET,
    marker: str | Unset = UNSET,
    max_keys: int | Unset = 1000,
) -> Response[str]:
    """List the bucket's keys, a page at a time

     The keys of the bucket in UTF-8 byte order (`a-b` < `a.b` < `a/b` < `a0`), at most `max-keys` to a
    page (GetBucket, also called ListObjects; vendor doc 436/7734), as an XML document described by the
    `ListBucketResultDocument` schema. A page that is not the last says `IsTruncated` true; the next
    page starts after its `NextMarker` (COS sends it whenever a page is truncated; S3-like servers only
    with a `delimiter`, and readers then continue from the greater of the page's last key and last
    common prefix).

    Args:
        prefix (str | Unset): Only keys that start with this text (empty: every key). Compared
            byte for byte, case kept.
        delimiter (str | Unset): Group the keys that hold this text after `prefix`: each group is
            listed once, as a `CommonPrefixes` entry (the key up to and including the delimiter), not
            as objects. Usually `/`, which lists one level of a folder tree.
        encoding_type (GetBucketEncodingType | Unset): `url`: every `Key`, `Prefix`, `Marker`,
            `NextMarker` and common prefix of the answer is percent-encoded (UTF-8), so that keys with
            characters XML cannot carry survive. The only value.
        marker (str | Unset): List the keys after this one (in UTF-8 byte order); the `NextMarker`
            of the page before. Empty: from the first key.
        max_keys (int | Unset): The most entries of a page, objects and common prefixes counted
            together, 1..1000. Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        prefix=prefix,
        delimiter=delimiter,
        encoding_type=encoding_type,
        marker=marker,
        max_keys=max_keys,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    prefix: str | Unset = UNSET,
    delimiter: str | Unset = UNSET,
    encoding_type: GetBucketEncodingType | Unset = UNSET,
    marker: str | Unset = UNSET,
    max_keys: int | Unset = 1000,
) -> str | None:
    """List the bucket's keys, a page at a time

     The keys of the bucket in UTF-8 byte order (`a-b` < `a.b` < `a/b` < `a0`), at most `max-keys` to a
    page (GetBucket, also called ListObjects; vendor doc 436/7734), as an XML document described by the
    `ListBucketResultDocument` schema. A page that is not the last says `IsTruncated` true; the next
    page starts after its `NextMarker` (COS sends it whenever a page is truncated; S3-like servers only
    with a `delimiter`, and readers then continue from the greater of the page's last key and last
    common prefix).

    Args:
        prefix (str | Unset): Only keys that start with this text (empty: every key). Compared
            byte for byte, case kept.
        delimiter (str | Unset): Group the keys that hold this text after `prefix`: each group is
            listed once, as a `CommonPrefixes` entry (the key up to and including the delimiter), not
            as objects. Usually `/`, which lists one level of a folder tree.
        encoding_type (GetBucketEncodingType | Unset): `url`: every `Key`, `Prefix`, `Marker`,
            `NextMarker` and common prefix of the answer is percent-encoded (UTF-8), so that keys with
            characters XML cannot carry survive. The only value.
        marker (str | Unset): List the keys after this one (in UTF-8 byte order); the `NextMarker`
            of the page before. Empty: from the first key.
        max_keys (int | Unset): The most entries of a page, objects and common prefixes counted
            together, 1..1000. Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return (
        await asyncio_detailed(
            client=client,
            prefix=prefix,
            delimiter=delimiter,
            encoding_type=encoding_type,
            marker=marker,
            max_keys=max_keys,
        )
    ).parsed
