"""The bucket's objects as values: what a listing, an upload and a HEAD give back, and the
checks and parsing behind them (no I/O).

A listing is asked for with ``encoding-type=url`` always, so that keys XML cannot carry (control
characters) survive the document; the page says whether it is encoded (``Encoding-Type``, or
``EncodingType`` as the Go SDK reads it), and its keys, prefixes and markers are then
percent-decoded as the official SDK does (``unquote``: a ``+`` stays a ``+``). Keys compare by
their UTF-8 bytes, the order the service lists them in.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import os
import re
import stat
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import anyio
import attrs
import httpx2

from .._shared.errors import CosInvalidArgumentError, CosResponseError
from .._shared.xml import UnsafeXmlError, parse_untrusted

__all__ = [
    "MAX_LIST_BYTES",
    "MAX_METADATA_BYTES",
    "ObjectInfo",
    "ObjectPage",
    "ObjectSummary",
    "PutResult",
    "Upload",
    "check_content_type",
    "check_list_args",
    "check_metadata",
    "check_page_size",
    "object_info_from",
    "parse_object_page",
]

#: The most bytes of a GetBucket page that are read: 8 MiB. A page holds at most 1000 entries;
#: a key of 850 bytes percent-encoded whole is 2,550 bytes, and with its other elements (ETag,
#: time, size, owner, storage class: about 300 bytes) an entry is under 3 KB, so the fullest
#: page is about 3 MB. A server that sends more is not listing.
MAX_LIST_BYTES = 8 << 20
#: User metadata of an object: 2 KB in all (vendor doc 436/7749), counted here as the bytes of
#: the ``x-cos-meta-<suffix>`` header names and their values.
MAX_METADATA_BYTES = 2048
METADATA_PREFIX = "x-cos-meta-"
#: How a file is read to be hashed and sent: 1 MiB at a time.
CHUNK_BYTES = 1 << 20
#: Bytes in memory up to this size are hashed on the async client's event loop (about a
#: millisecond for 1 MiB), where handing them to a worker thread and back costs more than
#: hashing a poster; larger ones are hashed in a worker thread.
INLINE_HASH_BYTES = 1 << 20
_META_SUFFIX = re.compile(r"[A-Za-z0-9-]+")
_HEADER_TEXT = re.compile(r"[\t\x20-\x7e]*")
_ROOT = "ListBucketResult"


def _utf8(text: str) -> bytes:
    """``text`` as the bytes the service orders keys by."""
    return text.encode("utf-8", "surrogatepass")


@attrs.frozen
class ObjectSummary:
    """An object as a listing shows it: its ``key`` (decoded), ``size`` in bytes, ``etag``
    (quoted, as HEAD and GET report it), ``last_modified`` (an aware datetime) and
    ``storage_class`` (``STANDARD``, ...; ``None`` when the server does not say)."""

    key: str
    size: int
    etag: str
    last_modified: datetime
    storage_class: str | None = None


@attrs.frozen
class ObjectPage:
    """One page of a listing (:meth:`SnapshotClient.list_objects`).

    ``objects`` are the page's objects in key order, ``common_prefixes`` the groups a
    ``delimiter`` made (each ending in the delimiter), ``is_truncated`` says whether more
    follow, and ``next_marker`` is the ``marker`` of the next page: the server's ``NextMarker``
    or, on a truncated page without one (S3 sends it only with a delimiter), the greater in
    UTF-8 byte order of the page's last key and last common prefix; ``None`` on the last page.
    """

    objects: tuple[ObjectSummary, ...]
    common_prefixes: tuple[str, ...]
    next_marker: str | None
    is_truncated: bool


@attrs.frozen
class PutResult:
    """What an upload (:meth:`SnapshotClient.put_object`) gives back: the object's ``etag``
    (quoted; the hex MD5 of the bytes for a single PUT, not for every object) and the
    ``request_id`` of the answer."""

    etag: str
    request_id: str | None


@attrs.frozen
class ObjectInfo:
    """An object as HEAD (or GET) describes it: ``key``, ``size`` in bytes, ``etag``,
    ``last_modified`` (an aware datetime, ``None`` when not sent), ``content_type`` and the
    user ``metadata`` stored with it (``x-cos-meta-<name>`` headers, by ``<name>`` in lower
    case: header names ignore case)."""

    key: str
    size: int
    etag: str | None
    last_modified: datetime | None
    content_type: str | None
    metadata: Mapping[str, str] = attrs.field(factory=dict, hash=False)


# -- listing ------------------------------------------------------------------------------


def check_list_args(
    prefix: object, delimiter: object, marker: object, max_keys: object
) -> dict[str, str | int]:
    """The arguments of the generated GetBucket request for a listing (``encoding_type="url"``
    always; ``prefix`` always, empty or not, as the official SDK sends it), or
    :class:`CosInvalidArgumentError` naming the argument that is wrong."""
    for name, value, optional in (
        ("prefix", prefix, False),
        ("delimiter", delimiter, True),
        ("marker", marker, True),
    ):
        if value is None and optional:
            continue
        if not isinstance(value, str):
            raise CosInvalidArgumentError(name, f"must be a string, got {type(value).__name__}")
        try:
            _utf8(value).decode("utf-8")
        except UnicodeDecodeError:
            raise CosInvalidArgumentError(name, "is not valid Unicode (lone surrogate)") from None
    if delimiter == "":
        raise CosInvalidArgumentError("delimiter", "must not be empty (give None for none)")
    if isinstance(max_keys, bool) or not isinstance(max_keys, int) or not 1 <= max_keys <= 1000:
        raise CosInvalidArgumentError("max_keys", f"must be an integer 1..1000, got {max_keys!r}")
    query: dict[str, str | int] = {"prefix": str(prefix), "encoding_type": "url"}
    if delimiter is not None:
        query["delimiter"] = str(delimiter)
    if marker:
        query["marker"] = str(marker)
    query["max_keys"] = max_keys
    return query


def check_page_size(page_size: object) -> int:
    """``page_size`` of :meth:`SnapshotClient.iter_objects`: keys a page, 1..1000."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= 1000:
        raise CosInvalidArgumentError("page_size", f"must be an integer 1..1000, got {page_size!r}")
    return page_size


def _text(element: ET.Element | None) -> str | None:
    return None if element is None else (element.text or "")


def _malformed(element: str, problem: str) -> CosResponseError:
    return CosResponseError(f"{_ROOT}/{element}" if element else _ROOT, problem)


@attrs.frozen
class _PageReader:
    """Reads the elements of one ``ListBucketResult``; ``encoded``: its texts are
    percent-encoded."""

    encoded: bool

    def decoded(self, element: str, text: str) -> str:
        if not self.encoded:
            return text
        try:
            return unquote(text, errors="strict")
        except UnicodeDecodeError:
            raise _malformed(element, f"{text[:80]!r} does not decode to UTF-8") from None

    def summary(self, entry: ET.Element) -> ObjectSummary:
        key = _text(entry.find("Key"))
        if not key:
            raise _malformed("Contents/Key", "missing or empty")
        size = (_text(entry.find("Size")) or "").strip()
        if not size.isascii() or not size.isdigit():
            raise _malformed("Contents/Size", f"not a byte count: {size[:20]!r}")
        when = (_text(entry.find("LastModified")) or "").strip()
        try:
            last_modified = datetime.fromisoformat(when)
        except ValueError:
            raise _malformed(
                "Contents/LastModified", f"not an ISO 8601 time: {when[:40]!r}"
            ) from None
        if last_modified.tzinfo is None:
            last_modified = last_modified.replace(tzinfo=UTC)  # the service writes UTC
        storage_class = (_text(entry.find("StorageClass")) or "").strip()
        return ObjectSummary(
            key=self.decoded("Contents/Key", key),
            size=int(size),
            etag=(_text(entry.find("ETag")) or "").strip(),
            last_modified=last_modified,
            storage_class=storage_class or None,
        )


def parse_object_page(body: bytes, *, marker: str | None) -> ObjectPage:
    """The :class:`ObjectPage` of a GetBucket answer, asked for after ``marker``. Raises
    :class:`CosResponseError` naming the element for a document that is not a
    ``ListBucketResult``, and for a truncated page that does not advance past ``marker``."""
    try:
        root = parse_untrusted(body)
    except UnsafeXmlError as exc:
        raise _malformed(exc.element, str(exc)) from None
    except ET.ParseError as exc:
        raise _malformed("", f"not well-formed XML: {exc}") from None
    if root.tag != _ROOT:
        raise _malformed("", f"the root element is <{root.tag}>")
    encoding = _text(root.find("Encoding-Type"))
    if encoding is None:
        encoding = _text(root.find("EncodingType"))
    reader = _PageReader(encoded=(encoding or "").strip().lower() == "url")
    truncated = (_text(root.find("IsTruncated")) or "").strip().lower()
    if truncated not in {"true", "false"}:
        raise _malformed("IsTruncated", f"must be true or false, got {truncated[:20]!r}")
    objects = tuple(reader.summary(entry) for entry in root.iterfind("Contents"))
    prefixes = tuple(
        reader.decoded("CommonPrefixes/Prefix", _text(entry.find("Prefix")) or "")
        for entry in root.iterfind("CommonPrefixes")
    )
    if truncated == "false":
        return ObjectPage(objects, prefixes, None, is_truncated=False)
    sent = _text(root.find("NextMarker"))
    if sent:
        next_marker: str | None = reader.decoded("NextMarker", sent)
    else:
        # S3 sends NextMarker only with a delimiter: continue after what the page holds last.
        lasts = [last for last in (objects[-1].key if objects else "", *prefixes[-1:]) if last]
        next_marker = max(lasts, key=_utf8, default=None)
    if next_marker is None or _utf8(next_marker) <= _utf8(marker or ""):
        raise _malformed(
            "NextMarker",
            f"a truncated page that does not advance past the marker {marker or ''!r} "
            f"(next marker {next_marker!r}): listing on would never end",
        )
    return ObjectPage(objects, prefixes, next_marker, is_truncated=True)


# -- uploads ------------------------------------------------------------------------------


def check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """The ``x-cos-meta-*`` headers of ``metadata`` (names are the suffixes: letters, digits
    and ``-``; values printable ASCII; 2 KB in all), or :class:`CosInvalidArgumentError`."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise CosInvalidArgumentError("metadata", "must be a mapping of names to strings")
    headers: dict[str, str] = {}
    total = 0
    for name, value in metadata.items():
        if not isinstance(name, str) or not _META_SUFFIX.fullmatch(name):
            raise CosInvalidArgumentError(
                "metadata", f"name {name!r}: only letters, digits and '-' are allowed"
            )
        if not isinstance(value, str) or not _HEADER_TEXT.fullmatch(value):
            raise CosInvalidArgumentError(
                "metadata", f"value of {name!r}: must be printable ASCII text"
            )
        header = METADATA_PREFIX + name.lower()
        if header in headers:
            raise CosInvalidArgumentError("metadata", f"name {name!r} given twice (case ignored)")
        headers[header] = value
        total += len(header) + len(value)
    if total > MAX_METADATA_BYTES:
        raise CosInvalidArgumentError(
            "metadata", f"is {total} bytes of names and values; at most {MAX_METADATA_BYTES}"
        )
    return headers


def check_content_type(content_type: object) -> str:
    """The Content-Type of an upload (``application/octet-stream`` when ``None``)."""
    if content_type is None:
        return "application/octet-stream"
    if (
        not isinstance(content_type, str)
        or not content_type.strip()
        or not _HEADER_TEXT.fullmatch(content_type)
    ):
        raise CosInvalidArgumentError("content_type", "must be a non-empty printable ASCII string")
    return content_type


@attrs.frozen
class Upload:
    """The body of a PUT: ``data`` in memory, or the regular file at ``path`` read afresh for
    each attempt (a retry sends it again), with its ``size`` and ``content_md5`` (the base64
    of its MD5 digest, as the ``Content-MD5`` header wants it)."""

    size: int
    content_md5: str
    data: bytes | None = None
    path: Path | None = None

    @classmethod
    def of(cls, data: object) -> Upload:
        """``data`` (bytes, or an ``os.PathLike`` naming a regular file) as an upload; a file
        is read once here to hash it, never held whole."""
        if isinstance(data, bytes | bytearray | memoryview):
            payload = bytes(data)
            digest = hashlib.md5(payload, usedforsecurity=False).digest()
            return cls(len(payload), base64.b64encode(digest).decode("ascii"), data=payload)
        if not isinstance(data, os.PathLike):
            raise CosInvalidArgumentError(
                "data",
                f"must be bytes or an os.PathLike naming a file (pathlib.Path), "
                f"got {type(data).__name__}",
            )
        path = Path(data)
        md5 = hashlib.md5(usedforsecurity=False)
        try:
            # Looked at before opening: opening a FIFO would wait for a writer. A FIFO or a
            # device cannot be read again for a retry, nor has a size.
            if not stat.S_ISREG(path.stat().st_mode):
                raise CosInvalidArgumentError("data", f"{path} is not a regular file")
            with path.open("rb") as handle:
                size = 0
                while chunk := handle.read(CHUNK_BYTES):
                    md5.update(chunk)
                    size += len(chunk)
        except OSError as exc:
            raise CosInvalidArgumentError("data", f"cannot read {path}: {exc.strerror}") from None
        return cls(size, base64.b64encode(md5.digest()).decode("ascii"), path=path)

    def content(self) -> bytes | Iterator[bytes]:
        """The body, for one attempt of the sync client: the bytes themselves (sent with the
        headers in one write), or the file's chunks."""
        if self.path is None:
            return self.data or b""
        return self._file_chunks(self.path)

    @staticmethod
    def _file_chunks(path: Path) -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk

    def acontent(self) -> bytes | AsyncIterator[bytes]:
        """The body, for one attempt of the async client: the bytes themselves, or the file's
        chunks read in worker threads."""
        if self.path is None:
            return self.data or b""
        return self._afile_chunks(self.path)

    @staticmethod
    async def _afile_chunks(path: Path) -> AsyncIterator[bytes]:
        async with await anyio.open_file(path, "rb") as handle:
            while chunk := await handle.read(CHUNK_BYTES):
                yield chunk


# -- answers ------------------------------------------------------------------------------


def object_info_from(key: str, headers: httpx2.Headers, *, size: int | None = None) -> ObjectInfo:
    """The :class:`ObjectInfo` of ``key`` that a HEAD or GET answer's ``headers`` give (its
    ``size`` the one given, else the Content-Length)."""
    length = headers.get("content-length", "") if size is None else str(size)
    if not length.isascii() or not length.isdigit():
        raise CosResponseError(
            "Content-Length",
            f"not a byte count: {length[:20]!r}",
            request_id=headers.get("x-cos-request-id"),
        )
    modified = headers.get("last-modified")
    last_modified = None
    if modified:
        try:
            last_modified = email.utils.parsedate_to_datetime(modified)
        except (TypeError, ValueError):
            last_modified = None
    if last_modified is not None and last_modified.tzinfo is None:
        last_modified = last_modified.replace(tzinfo=UTC)
    metadata = {
        name.removeprefix(METADATA_PREFIX): value
        for name, value in headers.items()
        if name.lower().startswith(METADATA_PREFIX)
    }
    return ObjectInfo(
        key=key,
        size=int(length),
        etag=headers.get("etag"),
        last_modified=last_modified,
        content_type=headers.get("content-type"),
        metadata=metadata,
    )
