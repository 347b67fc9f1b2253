from http import HTTPStatus
from io import BytesIO
from typing import Any
from urllib.parse import quote

import httpx2

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_snapshot_ci_process import (
    GetSnapshotCiProcess,
)
from ...models.get_snapshot_format import GetSnapshotFormat
from ...models.get_snapshot_mode import GetSnapshotMode
from ...models.get_snapshot_rotate import GetSnapshotRotate
from ...types import UNSET, File, Response, Unset


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
    *,
    ci_process: GetSnapshotCiProcess = "snapshot",
    time: float | str,
    width: int | Unset = 0,
    height: int | Unset = 0,
    format_: GetSnapshotFormat | Unset = "jpg",
    rotate: GetSnapshotRotate | Unset = "auto",
    mode: GetSnapshotMode | Unset = "exactframe",
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_ci_process: str = ci_process
    params["ci-process"] = json_ci_process

    params["time"] = time

    params["width"] = width

    params["height"] = height

    json_format_: str | Unset = UNSET
    if not isinstance(format_, Unset):
        json_format_ = format_

    params["format"] = json_format_

    json_rotate: str | Unset = UNSET
    if not isinstance(rotate, Unset):
        json_rotate = rotate

    params["rotate"] = json_rotate

    json_mode: str | Unset = UNSET
    if not isinstance(mode, Unset):
        json_mode = mode

    params["mode"] = json_mode

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": f"/{_quote_object_key(str(object_key))}",
        "params": params,
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
    ci_process: GetSnapshotCiProcess = "snapshot",
    time: float | str,
    width: int | Unset = 0,
    height: int | Unset = 0,
    format_: GetSnapshotFormat | Unset = "jpg",
    rotate: GetSnapshotRotate | Unset = "auto",
    mode: GetSnapshotMode | Unset = "exactframe",
) -> Response[File | str]:
    """Get a frame of a video as an image

     Decode the video object `ObjectKey` at the time point `time` and return that frame as a JPEG or PNG
    image, optionally scaled and without applying the video's rotation.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.
        ci_process (GetSnapshotCiProcess): The Cloud Infinite feature to run. Always `snapshot`
            for this operation. Default: 'snapshot'.
        time (float | str): The time point of the frame, in seconds from the first frame of the video
            stream (not from the container's first timestamp: MPEG-TS files start later than 0). May
            have a decimal point, for example `1.5`. Write it as a plain decimal (`0.0000001`, not
            `1e-07`).
        width (int | Unset): The output width in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        height (int | Unset): The output height in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        format_ (GetSnapshotFormat | Unset): The image format of the result, `jpg` (JPEG) or
            `png`. Default: 'jpg'.
        rotate (GetSnapshotRotate | Unset): `auto`: apply the video's rotation metadata (its
            display matrix) before scaling, so width and height refer to the picture as displayed.
            `off`: ignore it; width and height refer to the picture as stored. Default: 'auto'.
        mode (GetSnapshotMode | Unset): How `time` picks the frame. `exactframe`: the frame on
            screen at `time` (the last frame whose presentation time is at or before it). `keyframe`:
            the last keyframe at or before `time`; faster, as only that frame is decoded. Default:
            'exactframe'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | str]
    """

    kwargs = _get_kwargs(
        object_key=object_key,
        ci_process=ci_process,
        time=time,
        width=width,
        height=height,
        format_=format_,
        rotate=rotate,
        mode=mode,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
    ci_process: GetSnapshotCiProcess = "snapshot",
    time: float | str,
    width: int | Unset = 0,
    height: int | Unset = 0,
    format_: GetSnapshotFormat | Unset = "jpg",
    rotate: GetSnapshotRotate | Unset = "auto",
    mode: GetSnapshotMode | Unset = "exactframe",
) -> File | str | None:
    """Get a frame of a video as an image

     Decode the video object `ObjectKey` at the time point `time` and return that frame as a JPEG or PNG
    image, optionally scaled and without applying the video's rotation.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.
        ci_process (GetSnapshotCiProcess): The Cloud Infinite feature to run. Always `snapshot`
            for this operation. Default: 'snapshot'.
        time (float | str): The time point of the frame, in seconds from the first frame of the video
            stream (not from the container's first timestamp: MPEG-TS files start later than 0). May
            have a decimal point, for example `1.5`. Write it as a plain decimal (`0.0000001`, not
            `1e-07`).
        width (int | Unset): The output width in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        height (int | Unset): The output height in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        format_ (GetSnapshotFormat | Unset): The image format of the result, `jpg` (JPEG) or
            `png`. Default: 'jpg'.
        rotate (GetSnapshotRotate | Unset): `auto`: apply the video's rotation metadata (its
            display matrix) before scaling, so width and height refer to the picture as displayed.
            `off`: ignore it; width and height refer to the picture as stored. Default: 'auto'.
        mode (GetSnapshotMode | Unset): How `time` picks the frame. `exactframe`: the frame on
            screen at `time` (the last frame whose presentation time is at or before it). `keyframe`:
            the last keyframe at or before `time`; faster, as only that frame is decoded. Default:
            'exactframe'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        File | str
    """

    return sync_detailed(
        object_key=object_key,
        client=client,
        ci_process=ci_process,
        time=time,
        width=width,
        height=height,
        format_=format_,
        rotate=rotate,
        mode=mode,
    ).parsed


async def asyncio_detailed(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
    ci_process: GetSnapshotCiProcess = "snapshot",
    time: float | str,
    width: int | Unset = 0,
    height: int | Unset = 0,
    format_: GetSnapshotFormat | Unset = "jpg",
    rotate: GetSnapshotRotate | Unset = "auto",
    mode: GetSnapshotMode | Unset = "exactframe",
) -> Response[File | str]:
    """Get a frame of a video as an image

     Decode the video object `ObjectKey` at the time point `time` and return that frame as a JPEG or PNG
    image, optionally scaled and without applying the video's rotation.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.
        ci_process (GetSnapshotCiProcess): The Cloud Infinite feature to run. Always `snapshot`
            for this operation. Default: 'snapshot'.
        time (float | str): The time point of the frame, in seconds from the first frame of the video
            stream (not from the container's first timestamp: MPEG-TS files start later than 0). May
            have a decimal point, for example `1.5`. Write it as a plain decimal (`0.0000001`, not
            `1e-07`).
        width (int | Unset): The output width in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        height (int | Unset): The output height in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        format_ (GetSnapshotFormat | Unset): The image format of the result, `jpg` (JPEG) or
            `png`. Default: 'jpg'.
        rotate (GetSnapshotRotate | Unset): `auto`: apply the video's rotation metadata (its
            display matrix) before scaling, so width and height refer to the picture as displayed.
            `off`: ignore it; width and height refer to the picture as stored. Default: 'auto'.
        mode (GetSnapshotMode | Unset): How `time` picks the frame. `exactframe`: the frame on
            screen at `time` (the last frame whose presentation time is at or before it). `keyframe`:
            the last keyframe at or before `time`; faster, as only that frame is decoded. Default:
            'exactframe'.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx2.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[File | str]
    """

    kwargs = _get_kwargs(
        object_key=object_key,
        ci_process=ci_process,
        time=time,
        width=width,
        height=height,
        format_=format_,
        rotate=rotate,
        mode=mode,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    object_key: str,
    *,
    client: AuthenticatedClient | Client,
    ci_process: GetSnapshotCiProcess = "snapshot",
    time: float | str,
    width: int | Unset = 0,
    height: int | Unset = 0,
    format_: GetSnapshotFormat | Unset = "jpg",
    rotate: GetSnapshotRotate | Unset = "auto",
    mode: GetSnapshotMode | Unset = "exactframe",
) -> File | str | None:
    """Get a frame of a video as an image

     Decode the video object `ObjectKey` at the time point `time` and return that frame as a JPEG or PNG
    image, optionally scaled and without applying the video's rotation.

    Args:
        object_key (str): The key of the video object, such as `movies/2024/trailer.mp4`. It may
            contain `/` (kept as path separators on the wire), unicode, spaces, `+` and any other
            printable character; everything but `/` and the unreserved characters `A-Z a-z 0-9 - _ .
            ~` is percent-encoded as UTF-8. A single leading `/` is dropped, as the official SDK does.
            COS limits keys to 850 bytes of UTF-8.
        ci_process (GetSnapshotCiProcess): The Cloud Infinite feature to run. Always `snapshot`
            for this operation. Default: 'snapshot'.
        time (float | str): The time point of the frame, in seconds from the first frame of the video
            stream (not from the container's first timestamp: MPEG-TS files start later than 0). May
            have a decimal point, for example `1.5`. Write it as a plain decimal (`0.0000001`, not
            `1e-07`).
        width (int | Unset): The output width in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        height (int | Unset): The output height in pixels, 0..4096. Both width and height 0: the
            video's own size. One of them 0: that one follows the video's aspect ratio from the other.
            Both non-zero: exactly that size. Default: 0.
        format_ (GetSnapshotFormat | Unset): The image format of the result, `jpg` (JPEG) or
            `png`. Default: 'jpg'.
        rotate (GetSnapshotRotate | Unset): `auto`: apply the video's rotation metadata (its
            display matrix) before scaling, so width and height refer to the picture as displayed.
            `off`: ignore it; width and height refer to the picture as stored. Default: 'auto'.
        mode (GetSnapshotMode | Unset): How `time` picks the frame. `exactframe`: the frame on
            screen at `time` (the last frame whose presentation time is at or before it). `keyframe`:
            the last keyframe at or before `time`; faster, as only that frame is decoded. Default:
            'exactframe'.

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
            ci_process=ci_process,
            time=time,
            width=width,
            height=height,
            format_=format_,
            rotate=rotate,
            mode=mode,
        )
    ).parsed
