from http import HTTPStatus
from typing import Any

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.describe_media_jobs_order_by_time import (
    DescribeMediaJobsOrderByTime,
)
from ...models.describe_media_jobs_tag import (
    DescribeMediaJobsTag,
)
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    tag: DescribeMediaJobsTag = "Snapshot",
    queue_id: str | Unset = UNSET,
    states: str | Unset = UNSET,
    order_by_time: DescribeMediaJobsOrderByTime | Unset = "Desc",
    size: int | Unset = 10,
    next_token: str | Unset = UNSET,
    start_creation_time: str | Unset = UNSET,
    end_creation_time: str | Unset = UNSET,
    input_object: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_tag: str = tag
    params["tag"] = json_tag

    params["queueId"] = queue_id

    params["states"] = states

    json_order_by_time: str | Unset = UNSET
    if not isinstance(order_by_time, Unset):
        json_order_by_time = order_by_time

    params["orderByTime"] = json_order_by_time

    params["size"] = size

    params["nextToken"] = next_token

    params["startCreationTime"] = start_creation_time

    params["endCreationTime"] = end_creation_time

    params["inputObject"] = input_object

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/jobs",
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
    tag: DescribeMediaJobsTag = "Snapshot",
    queue_id: str | Unset = UNSET,
    states: str | Unset = UNSET,
    order_by_time: DescribeMediaJobsOrderByTime | Unset = "Desc",
    size: int | Unset = 10,
    next_token: str | Unset = UNSET,
    start_creation_time: str | Unset = UNSET,
    end_creation_time: str | Unset = UNSET,
    input_object: str | Unset = UNSET,
) -> Response[str]:
    """List jobs, a page at a time

     The jobs of a tag (DescribeMediaJobs, vendor doc 436/54011), newest first unless `orderByTime` is
    `Asc`, at most `size` to a page, as a `<Response>` document (`JobsResponseDocument`) with one
    `JobsDetail` per job and, when more follow, a `NextToken` to give as `nextToken` for the next page.

    Args:
        tag (DescribeMediaJobsTag): The kind of job to list. Always `Snapshot` here. Default:
            'Snapshot'.
        queue_id (str | Unset): Only the jobs of this queue.
        states (str | Unset): Only the jobs in these states, comma-separated: `All` (the default),
            `Submitted`, `Running`, `Success`, `Failed`, `Pause`, `Cancel`.
        order_by_time (DescribeMediaJobsOrderByTime | Unset): `Desc` (the default): newest first;
            `Asc`: oldest first. Default: 'Desc'.
        size (int | Unset): The most jobs of a page, 1..100 (default 10). Default: 10.
        next_token (str | Unset): The `NextToken` of the page before; empty for the first page.
        start_creation_time (str | Unset): Only jobs created at or after this time,
            `%Y-%m-%dT%H:%M:%S%z` (`2019-07-07T12:12:12+0800`).
        end_creation_time (str | Unset): Only jobs created at or before this time, written as
            `startCreationTime`.
        input_object (str | Unset): Only the jobs whose input is this object key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        tag=tag,
        queue_id=queue_id,
        states=states,
        order_by_time=order_by_time,
        size=size,
        next_token=next_token,
        start_creation_time=start_creation_time,
        end_creation_time=end_creation_time,
        input_object=input_object,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    tag: DescribeMediaJobsTag = "Snapshot",
    queue_id: str | Unset = UNSET,
    states: str | Unset = UNSET,
    order_by_time: DescribeMediaJobsOrderByTime | Unset = "Desc",
    size: int | Unset = 10,
    next_token: str | Unset = UNSET,
    start_creation_time: str | Unset = UNSET,
    end_creation_time: str | Unset = UNSET,
    input_object: str | Unset = UNSET,
) -> str | None:
    """List jobs, a page at a time

     The jobs of a tag (DescribeMediaJobs, vendor doc 436/54011), newest first unless `orderByTime` is
    `Asc`, at most `size` to a page, as a `<Response>` document (`JobsResponseDocument`) with one
    `JobsDetail` per job and, when more follow, a `NextToken` to give as `nextToken` for the next page.

    Args:
        tag (DescribeMediaJobsTag): The kind of job to list. Always `Snapshot` here. Default:
            'Snapshot'.
        queue_id (str | Unset): Only the jobs of this queue.
        states (str | Unset): Only the jobs in these states, comma-separated: `All` (the default),
            `Submitted`, `Running`, `Success`, `Failed`, `Pause`, `Cancel`.
        order_by_time (DescribeMediaJobsOrderByTime | Unset): `Desc` (the default): newest first;
            `Asc`: oldest first. Default: 'Desc'.
        size (int | Unset): The most jobs of a page, 1..100 (default 10). Default: 10.
        next_token (str | Unset): The `NextToken` of the page before; empty for the first page.
        start_creation_time (str | Unset): Only jobs created at or after this time,
            `%Y-%m-%dT%H:%M:%S%z` (`2019-07-07T12:12:12+0800`).
        end_creation_time (str | Unset): Only jobs created at or before this time, written as
            `startCreationTime`.
        input_object (str | Unset): Only the jobs whose input is this object key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return sync_detailed(
        client=client,
        tag=tag,
        queue_id=queue_id,
        states=states,
        order_by_time=order_by_time,
        size=size,
        next_token=next_token,
        start_creation_time=start_creation_time,
        end_creation_time=end_creation_time,
        input_object=input_object,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    tag: DescribeMediaJobsTag = "Snapshot",
    queue_id: str | Unset = UNSET,
    states: str | Unset = UNSET,
    order_by_time: DescribeMediaJobsOrderByTime | Unset = "Desc",
    size: int | Unset = 10,
    next_token: str | Unset = UNSET,
    start_creation_time: str | Unset = UNSET,
    end_creation_time: str | Unset = UNSET,
    input_object: str | Unset = UNSET,
) -> Response[str]:
    """List jobs, a page at a time

     The jobs of a tag (DescribeMediaJobs, vendor doc 436/54011), newest first unless `orderByTime` is
    `Asc`, at most `size` to a page, as a `<Response>` document (`JobsResponseDocument`) with one
    `JobsDetail` per job and, when more follow, a `NextToken` to give as `nextToken` for the next page.

    Args:
        tag (DescribeMediaJobsTag): The kind of job to list. Always `Snapshot` here. Default:
            'Snapshot'.
        queue_id (str | Unset): Only the jobs of this queue.
        states (str | Unset): Only the jobs in these states, comma-separated: `All` (the default),
            `Submitted`, `Running`, `Success`, `Failed`, `Pause`, `Cancel`.
        order_by_time (DescribeMediaJobsOrderByTime | Unset): `Desc` (the default): newest first;
            `Asc`: oldest first. Default: 'Desc'.
        size (int | Unset): The most jobs of a page, 1..100 (default 10). Default: 10.
        next_token (str | Unset): The `NextToken` of the page before; empty for the first page.
        start_creation_time (str | Unset): Only jobs created at or after this time,
            `%Y-%m-%dT%H:%M:%S%z` (`2019-07-07T12:12:12+0800`).
        end_creation_time (str | Unset): Only jobs created at or before this time, written as
            `startCreationTime`.
        input_object (str | Unset): Only the jobs whose input is this object key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
    """

    kwargs = _get_kwargs(
        tag=tag,
        queue_id=queue_id,
        states=states,
        order_by_time=order_by_time,
        size=size,
        next_token=next_token,
        start_creation_time=start_creation_time,
        end_creation_time=end_creation_time,
        input_object=input_object,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    tag: DescribeMediaJobsTag = "Snapshot",
    queue_id: str | Unset = UNSET,
    states: str | Unset = UNSET,
    order_by_time: DescribeMediaJobsOrderByTime | Unset = "Desc",
    size: int | Unset = 10,
    next_token: str | Unset = UNSET,
    start_creation_time: str | Unset = UNSET,
    end_creation_time: str | Unset = UNSET,
    input_object: str | Unset = UNSET,
) -> str | None:
    """List jobs, a page at a time

     The jobs of a tag (DescribeMediaJobs, vendor doc 436/54011), newest first unless `orderByTime` is
    `Asc`, at most `size` to a page, as a `<Response>` document (`JobsResponseDocument`) with one
    `JobsDetail` per job and, when more follow, a `NextToken` to give as `nextToken` for the next page.

    Args:
        tag (DescribeMediaJobsTag): The kind of job to list. Always `Snapshot` here. Default:
            'Snapshot'.
        queue_id (str | Unset): Only the jobs of this queue.
        states (str | Unset): Only the jobs in these states, comma-separated: `All` (the default),
            `Submitted`, `Running`, `Success`, `Failed`, `Pause`, `Cancel`.
        order_by_time (DescribeMediaJobsOrderByTime | Unset): `Desc` (the default): newest first;
            `Asc`: oldest first. Default: 'Desc'.
        size (int | Unset): The most jobs of a page, 1..100 (default 10). Default: 10.
        next_token (str | Unset): The `NextToken` of the page before; empty for the first page.
        start_creation_time (str | Unset): Only jobs created at or after this time,
            `%Y-%m-%dT%H:%M:%S%z` (`2019-07-07T12:12:12+0800`).
        end_creation_time (str | Unset): Only jobs created at or before this time, written as
            `startCreationTime`.
        input_object (str | Unset): Only the jobs whose input is this object key.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
    """

    return (
        await asyncio_detailed(
            client=client,
            tag=tag,
            queue_id=queue_id,
            states=states,
            order_by_time=order_by_time,
            size=size,
            next_token=next_token,
            start_creation_time=start_creation_time,
            end_creation_time=end_creation_time,
            input_object=input_object,
        )
    ).parsed
