from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import Response


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
        "method": "head",
        "url": f"/{_quote_object_key(str(object_key))}",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx2.Response
) -> Any | None:
    if response.status_code == 200:
        return None

    if response.status_code == 403:
        return None

    if response.status_code == 404:
        return None

    if 400 <= response.status_code <= 499:
        return None

    if 500 <= response.status_code <= 599:
        return None

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx2.Response
) -> Response[Any]:
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
) -> Response[Any]:
    """Read an object's size, type, ETag and metadata

     The headers GetObject would send for `ObjectKey`, without the body (HeadObject): size, content type,
    ETag, last modification time and the user metadata stored with it (`x-cos-meta-<suffix>` headers,
    which OpenAPI cannot declare by name). A HEAD answer has no body, errors included: a missing key is
    a bare 404.

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
        Response[Any]
    """

    kwargs = _get_kwargs(
        object_key=object_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


async def asyncio_detailed(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Any]:
    """Read an object's size, type, ETag and metadata

     The headers GetObject would send for `ObjectKey`, without the body (HeadObject): size, content type,
    ETag, last modification time and the user metadata stored with it (`x-cos-meta-<suffix>` headers,
    which OpenAPI cannot declare by name). A HEAD answer has no body, errors included: a missing key is
    a bare 404.

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
        Response[Any]
    """

    kwargs = _get_kwargs(
        object_key=object_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)
