from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...types import Response


def _get_kwargs(
    job_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/jobs/{job_id}".format(
            job_id=quote(str(job_id), safe=""),
        ),
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
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[str]:
    """Read jobs by id

     The jobs named by `JobId` (DescribeMediaJob, vendor doc 436/54010): one id, or several joined by
    `,`. The answer (`JobsResponseDocument`) holds one `JobsDetail` per job the service knows and lists
    the others in `NonExistJobIds`: an unknown id is no error.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> str | None:
    """Read jobs by id

     The jobs named by `JobId` (DescribeMediaJob, vendor doc 436/54010): one id, or several joined by
    `,`. The answer (`JobsResponseDocument`) holds one `JobsDetail` per job the service knows and lists
    the others in `NonExistJobIds`: an unknown id is no error.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[str]:
    """Read jobs by id

     The jobs named by `JobId` (DescribeMediaJob, vendor doc 436/54010): one id, or several joined by
    `,`. The answer (`JobsResponseDocument`) holds one `JobsDetail` per job the service knows and lists
    the others in `NonExistJobIds`: an unknown id is no error.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> str | None:
    """Read jobs by id

     The jobs named by `JobId` (DescribeMediaJob, vendor doc 436/54010): one id, or several joined by
    `,`. The answer (`JobsResponseDocument`) holds one `JobsDetail` per job the service knows and lists
    the others in `NonExistJobIds`: an unknown id is no error.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
        )
    ).parsed
