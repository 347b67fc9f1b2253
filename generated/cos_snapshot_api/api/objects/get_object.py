from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import quote

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import File, Response


def _quote_object_key(key: str) -> str:
    """The URL path of the object ``key``, percent-encoded as the official COS SDK does.

    One leading ``/`` is dropped, ``/`` is kept as a separator, everything but ``A-Z a-z 0-9 - _
    . ~`` is percent-encoded as UTF-8, and ``./`` becomes ``.%2F`` (the SDK's rule) so that no
    ``.`` or ``..`` segment can be collapsed by httpx2. Beyond the SDK, which loses them, a last
    segment ``.`` or ``..`` has its dots encoded and a ``/`` still leading has its ``/`` encoded
    (httpx2 would read ``//x`` as a host), so that the decoded path is always ``/`` + ``key``
    without its leading ``/``.
    """
    key = key.removeprefix("/")
    if not key:
        raise ValueError("an object key must not be empty or '/'")
    path = quote(key, safe="/-_.~").replace("./", ".%2F")
    if path.startswith("/"):
        path = "%2F" + path[1:]
    head, slash, last = path.rpartition("/")
    if last in (".", ".."):
        path = head + slash + last.replace(".", "%2E")
    return path


def _get_kwargs(
    object_key: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": f"/{_quote_object_key(str(object_key))}#object",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx2.Response
) -> File | str | None:
    if response.status_code == 200:
        response_200 = File(payload=BytesIO(response.content))

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
) -> Response[File | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[File | str]:
    """Read an object's bytes

     The bytes of the object `ObjectKey` as they were stored (GetObject, `GET /<ObjectKey>` without `ci-
    process`). The `#object` of this path only tells the operation apart from GetSnapshot: a fragment is
    never sent.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | str]
    """

    kwargs = _get_kwargs(
        object_key=object_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
) -> File | str | None:
    """Read an object's bytes

     The bytes of the object `ObjectKey` as they were stored (GetObject, `GET /<ObjectKey>` without `ci-
    process`). The `#object` of this path only tells the operation apart from GetSnapshot: a fragment is
    never sent.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | str
    """

    return sync_detailed(
        object_key=object_key,
        client=client,
    ).parsed


async def asyncio_detailed(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[File | str]:
    """Read an object's bytes

     The bytes of the object `ObjectKey` as they were stored (GetObject, `GET /<ObjectKey>` without `ci-
    process`). The `#object` of this path only tells the operation apart from GetSnapshot: a fragment is
    never sent.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | str]
    """

    kwargs = _get_kwargs(
        object_key=object_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
) -> File | str | None:
    """Read an object's bytes

     The bytes of the object `ObjectKey` as they were stored (GetObject, `GET /<ObjectKey>` without `ci-
    process`). The `#object` of this path only tells the operation apart from GetSnapshot: a fragment is
    never sent.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | str
    """

    return (
        await asyncio_detailed(
            object_key=object_key,
            client=client,
        )
    ).parsed
