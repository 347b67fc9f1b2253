from http import HTTPStatus
from typing import Any

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import File, Response


def _get_kwargs(
    *,
    body: File,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/jobs",
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/xml; charset=utf-8"

    _kwargs["headers"] = headers
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
    body: File,
) -> Response[str]:
    """Submit a snapshot job

     Submit one job (CreateMediaJobs, vendor doc 436/54013) that takes snapshots of the video
    `Input/Object` and writes them, and sprite sheets of them, into the output bucket. The body is the
    XML text of a `<Request>` document described by the `JobRequestDocument` schema; the answer, a
    `<Response>` holding the job's `JobsDetail` (state `Submitted`). Sending the same request again
    makes a second job: a client whose answer was lost looks for its job (DescribeMediaJobs, by the
    `UserData` it sent) before sending again. The service limits submissions (10 a second by default)
    and answers 400 `media bucket unbinded, bucket's host is unavailable` when media processing is off
    for the bucket.

    Args:
        body (File): The XML text of a `<Request>` document (`JobRequestDocument`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> str | None:
    """Submit a snapshot job

     Submit one job (CreateMediaJobs, vendor doc 436/54013) that takes snapshots of the video
    `Input/Object` and writes them, and sprite sheets of them, into the output bucket. The body is the
    XML text of a `<Request>` document described by the `JobRequestDocument` schema; the answer, a
    `<Response>` holding the job's `JobsDetail` (state `Submitted`). Sending the same request again
    makes a second job: a client whose answer was lost looks for its job (DescribeMediaJobs, by the
    `UserData` it sent) before sending again. The service limits submissions (10 a second by default)
    and answers 400 `media bucket unbinded, bucket's host is unavailable` when media processing is off
    for the bucket.

    Args:
        body (File): The XML text of a `<Request>` document (`JobRequestDocument`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> Response[str]:
    """Submit a snapshot job

     Submit one job (CreateMediaJobs, vendor doc 436/54013) that takes snapshots of the video
    `Input/Object` and writes them, and sprite sheets of them, into the output bucket. The body is the
    XML text of a `<Request>` document described by the `JobRequestDocument` schema; the answer, a
    `<Response>` holding the job's `JobsDetail` (state `Submitted`). Sending the same request again
    makes a second job: a client whose answer was lost looks for its job (DescribeMediaJobs, by the
    `UserData` it sent) before sending again. The service limits submissions (10 a second by default)
    and answers 400 `media bucket unbinded, bucket's host is unavailable` when media processing is off
    for the bucket.

    Args:
        body (File): The XML text of a `<Request>` document (`JobRequestDocument`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: File,
) -> str | None:
    """Submit a snapshot job

     Submit one job (CreateMediaJobs, vendor doc 436/54013) that takes snapshots of the video
    `Input/Object` and writes them, and sprite sheets of them, into the output bucket. The body is the
    XML text of a `<Request>` document described by the `JobRequestDocument` schema; the answer, a
    `<Response>` holding the job's `JobsDetail` (state `Submitted`). Sending the same request again
    makes a second job: a client whose answer was lost looks for its job (DescribeMediaJobs, by the
    `UserData` it sent) before sending again. The service limits submissions (10 a second by default)
    and answers 400 `media bucket unbinded, bucket's host is unavailable` when media processing is off
    for the bucket.

    Args:
        body (File): The XML text of a `<Request>` document (`JobRequestDocument`).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
