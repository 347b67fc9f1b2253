"""A client's options: the endpoint, bucket and region checks, the defaults, the connection
limits and the httpx2 arguments (what is refused, and why)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import httpx2

from .._shared.errors import (
    CosInvalidArgumentError,
)
from .._version import __version__

#: The HTTP transport of an :class:`AsyncSnapshotClient`: httpx2's own, aiohttp's (the extra
#: ``cos-snapshot[aiohttp]``), or ``"auto"``: aiohttp's when it is installed.
Transport = Literal["auto", "httpx2", "aiohttp"]

#: Connect quickly or fail; a snapshot of a long video may take a while to decode. The retry
#: policy's deadline caps each of these at the time left.
DEFAULT_TIMEOUT = httpx2.Timeout(30.0, connect=5.0)
DEFAULT_SIGN_EXPIRES = 600
USER_AGENT = f"cos-snapshot/{__version__}"
#: A GetMediaInfo document is a few KiB; a server that ignores ``ci-process`` and sends the
#: video itself is cut off here instead of being downloaded whole.
MAX_MEDIA_INFO_BYTES = 1 << 20
#: The default cap on a snapshot's bytes (``max_snapshot_bytes``), counted after any
#: ``Content-Encoding`` is undone: 128 MiB. The largest image COS makes is 4096 × 4096; as a PNG
#: that does not compress at all (8-bit RGB in stored deflate blocks) it is 4096 rows × (1 filter
#: byte + 4096 × 3) = 50,335,744 bytes plus under 0.2% of block and chunk overhead, about 48 MiB
#: (64 MiB with an alpha channel). A JPEG of that size is smaller still.
MAX_SNAPSHOT_BYTES = 128 << 20
#: The most of an error answer that is read: 64 KiB. A COS error document is under 2 KiB (one
#: answering ``SignatureDoesNotMatch`` carries the string to sign, still a few KiB); a proxy's
#: HTML page fits too. Beyond it the rest is not read, and the error keeps its status.
MAX_ERROR_BYTES = 64 << 10

_BUCKET = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-[0-9]+$")
_REGION = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _httpx_class_of(cls: type) -> type | None:
    """The first class of the httpx package (not httpx2) among ``cls`` and its bases, or
    ``None``. Looks at module names only: httpx is not imported."""
    for base in cls.__mro__:
        module = base.__module__
        if module == "httpx" or module.startswith("httpx."):
            return base
    return None


def _httpx_objects_in(value: object, where: str) -> Iterator[tuple[str, type, type]]:
    """``(where, httpx class, own class)`` for each object in ``value`` that is, or is an
    instance of, a class of the httpx package or one derived from it, looking into dicts,
    lists, tuples and sets (``mounts``, ``event_hooks``)."""
    own = value if isinstance(value, type) else type(value)
    found = _httpx_class_of(own)
    if found is not None:
        yield where, found, own
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _httpx_objects_in(item, f"{where}[{key!r}]")
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from _httpx_objects_in(item, f"{where}[{index}]")


def refuse_httpx_objects(parameter: str, value: object) -> None:
    """Raise :class:`CosInvalidArgumentError` if ``value`` holds an object of the httpx package:
    the client runs on httpx2, whose classes share httpx's names but not its types, and an httpx
    object would fail later with an error that does not say why."""
    for where, cls, own in _httpx_objects_in(value, ""):
        what = cls.__name__
        subject = f"{where} is " if where else ""  # the message starts "<parameter>: "
        if own is cls:
            problem = f"{subject}an httpx.{what}, from the httpx package"
            instead = f"use httpx2.{what} instead"
        else:
            problem = (
                f"{subject}a {own.__module__}.{own.__qualname__}, built on httpx.{what} "
                "from the httpx package"
            )
            instead = f"use one built on httpx2.{what} instead"
        raise CosInvalidArgumentError(
            parameter, f"{problem}; cos-snapshot runs on httpx2: {instead} (`import httpx2`)"
        )


def check_bucket(bucket: str) -> None:
    if not _BUCKET.match(bucket):
        raise CosInvalidArgumentError(
            "bucket",
            f"must look like <name>-<appid> (e.g. examplebucket-1250000000), got {bucket!r}",
        )


def check_region(region: str) -> None:
    if not _REGION.match(region):
        raise CosInvalidArgumentError("region", f"must look like ap-guangzhou, got {region!r}")


def endpoint_for(bucket: str, region: str) -> str:
    """The COS endpoint of a bucket: ``https://<bucket>.cos.<region>.myqcloud.com``."""
    check_bucket(bucket)
    check_region(region)
    return f"https://{bucket}.cos.{region}.myqcloud.com"


def ci_endpoint_for(bucket: str, region: str) -> str:
    """The CI endpoint of a bucket, where its jobs go:
    ``https://<bucket>.ci.<region>.myqcloud.com``."""
    check_bucket(bucket)
    check_region(region)
    return f"https://{bucket}.ci.{region}.myqcloud.com"


def check_max_bytes(parameter: str, value: object) -> int:
    """``value`` if it is a positive number of bytes, else :class:`CosInvalidArgumentError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CosInvalidArgumentError(parameter, f"must be a positive integer, got {value!r}")
    return value


def check_expires(expires: object) -> None:
    if isinstance(expires, bool) or not isinstance(expires, int) or expires <= 0:
        raise CosInvalidArgumentError("expires", f"must be a positive integer, got {expires!r}")


def limits_for(max_connections: object, args: dict[str, Any]) -> httpx2.Limits | None:
    """The pool limits for ``max_connections`` (all of them kept alive), or ``None``."""
    if max_connections is None:
        return None
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise CosInvalidArgumentError(
            "max_connections", f"must be a positive integer, got {max_connections!r}"
        )
    if max_connections < 1:
        raise CosInvalidArgumentError(
            "max_connections", f"must be a positive integer, got {max_connections!r}"
        )
    if "limits" in args:
        raise CosInvalidArgumentError(
            "max_connections", "give max_connections or httpx_args['limits'], not both"
        )
    return httpx2.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)


def check_transports(args: Mapping[str, Any], base: type, wanted: str) -> None:
    """Refuse a transport in ``httpx_args`` (``transport``, or a value of ``mounts``) of the
    other kind: a sync one for the async client or the reverse would fail at the first request
    with an ``AttributeError`` that does not say why."""
    given = [("['transport']", args.get("transport"))]
    mounts = args.get("mounts")
    if isinstance(mounts, Mapping):
        given += [(f"['mounts'][{k!r}]", v) for k, v in mounts.items()]
    for where, transport in given:
        if transport is not None and not isinstance(transport, base):
            kind = type(transport)
            raise CosInvalidArgumentError(
                "httpx_args",
                f"{where} is of class {kind.__module__}.{kind.__qualname__}, not an "
                f"httpx2.{base.__name__}: this client needs {wanted}",
            )
