from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.cancel_media_job_cancel import (
    CancelMediaJobCancel,
)
from ...types import UNSET, Response


def _get_kwargs(
    job_id: str,
    *,
    cancel: CancelMediaJobCancel = "",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_cancel: str = cancel
    params["cancel"] = json_cancel

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/jobs/{job_id}".format(
            job_id=quote(str(job_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx2.Response
) -> Any | str | None:
    if response.status_code == 200:
        response_200 = cast(Any, None)
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
) -> Response[Any | str]:
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
    cancel: CancelMediaJobCancel = "",
) -> Response[Any | str]:
    """Cancel a job

     Cancel the job `JobId` (CancelMediaJob, vendor doc 436/85082): `PUT /jobs/<id>?cancel`. A job that
    has not finished ends in state `Cancel`. The official Python SDK appends `?cancel` after signing (so
    the signature does not cover it), the Go SDK signs `cancel=`: a server accepts both.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.
        cancel (CancelMediaJobCancel): Present, with no value, to cancel the job. Default: ''.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | str]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        cancel=cancel,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    cancel: CancelMediaJobCancel = "",
) -> Any | str | None:
    """Cancel a job

     Cancel the job `JobId` (CancelMediaJob, vendor doc 436/85082): `PUT /jobs/<id>?cancel`. A job that
    has not finished ends in state `Cancel`. The official Python SDK appends `?cancel` after signing (so
    the signature does not cover it), the Go SDK signs `cancel=`: a server accepts both.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.
        cancel (CancelMediaJobCancel): Present, with no value, to cancel the job. Default: ''.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | str
    """

    return sync_detailed(
        job_id=job_id,
        client=client,
        cancel=cancel,
    ).parsed


async def asyncio_detailed(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    cancel: CancelMediaJobCancel = "",
) -> Response[Any | str]:
    """Cancel a job

     Cancel the job `JobId` (CancelMediaJob, vendor doc 436/85082): `PUT /jobs/<id>?cancel`. A job that
    has not finished ends in state `Cancel`. The official Python SDK appends `?cancel` after signing (so
    the signature does not cover it), the Go SDK signs `cancel=`: a server accepts both.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.
        cancel (CancelMediaJobCancel): Present, with no value, to cancel the job. Default: ''.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | str]
    """

    kwargs = _get_kwargs(
        job_id=job_id,
        cancel=cancel,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    job_id: str,
    *,
    client: AuthenticatedClient | Client,
    cancel: CancelMediaJobCancel = "",
) -> Any | str | None:
    """Cancel a job

     Cancel the job `JobId` (CancelMediaJob, vendor doc 436/85082): `PUT /jobs/<id>?cancel`. A job that
    has not finished ends in state `Cancel`. The official Python SDK appends `?cancel` after signing (so
    the signature does not cover it), the Go SDK signs `cancel=`: a server accepts both.

    Args:
        job_id (str): A job id, such as `s58e9ff4e7f3711ec8b39525400c1f7f9`, or several joined by
            `,` (read them all in one DescribeMediaJob). Ids are letters, digits, `-` and `_`.
        cancel (CancelMediaJobCancel): Present, with no value, to cancel the job. Default: ''.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | str
    """

    return (
        await asyncio_detailed(
            job_id=job_id,
            client=client,
            cancel=cancel,
        )
    ).parsed
