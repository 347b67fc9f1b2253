"""GetBucket (ListObjects) over the emulator's root, a page at a time.

Keys are listed in the order of their UTF-8 bytes, which for valid Unicode is the order of their
code points, so Python's ``str`` comparison gives it. A key is a file's path under the root, so
the walk sorts each directory's entries by the text they put into keys: a file by its name, a
directory by its name and ``/`` (``a-b`` < ``a.b`` < ``a/`` < ``a0``); sorting names alone would
put ``a/b`` before ``a-b``. Entries sorted that way and walked depth first give every key in
order, because no entry's text is a prefix of another's unless it is a file that sorts before
all the keys it is a prefix of.

What a page costs: :class:`KeyWalk` keeps a stack of the sorted entries of the directories on
the path to the current key, and nothing else of the tree. A ``marker`` (or ``prefix``) is
reached by a binary search in each directory on the path to it, so whole directories before it
are never opened; a common prefix skips its keys the same way, and a directory whose every key
falls into one common prefix is reported as that prefix as soon as one object is found in it.

Never listed: the emulator's staging area (:data:`~.storage.RESERVED_PREFIX`) and the
temporaries of writers in progress (:func:`~cos_snapshot._shared.files.is_temporary`); names
that cannot be keys (control characters, bytes that are not UTF-8, keys longer than
:data:`~.storage.MAX_KEY_BYTES`), which GET refuses too; anything but regular files; symbolic
links to files outside the root (GET refuses those). A link to a file inside the root is an
object, as GET follows it; links to directories are not followed, so a link loop cannot make
a listing endless.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from .._shared.files import is_temporary
from .errors import invalid_argument, xml_text

__all__ = [
    "DEFAULT_MAX_KEYS",
    "KeyWalk",
    "ListRequest",
    "Listed",
    "Page",
    "list_request",
    "render_page",
]

#: Entries a page holds when ``max-keys`` is not given, and the most it may ask for.
DEFAULT_MAX_KEYS = 1000
_MAX_TEXT_CHARS = 850  # prefix, delimiter and marker: no longer than a key


@dataclass(frozen=True, slots=True)
class ListRequest:
    """The parameters of one GetBucket request, checked."""

    prefix: str = ""
    delimiter: str = ""
    marker: str = ""
    max_keys: int = DEFAULT_MAX_KEYS
    encode: bool = False


def _text_param(query: Mapping[str, str], name: str) -> str:
    value = query.get(name, "")
    if len(value) > _MAX_TEXT_CHARS:
        raise invalid_argument(f"Parameter {name} is longer than {_MAX_TEXT_CHARS} characters.")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise invalid_argument(f"Parameter {name} contains control characters.")
    return value


def list_request(query: Mapping[str, str]) -> ListRequest:
    """The :class:`ListRequest` of a query; 400 ``InvalidArgument`` naming the parameter for
    a ``max-keys`` that is not an integer 1..1000 or an ``encoding-type`` other than ``url``.
    Parameters it does not know are ignored, as COS ignores them."""
    encoding = query.get("encoding-type")
    if encoding is not None and encoding != "url":
        raise invalid_argument(f"Parameter encoding-type must be url, not {encoding[:40]!r}.")
    raw_max = query.get("max-keys")
    if raw_max is None:
        max_keys = DEFAULT_MAX_KEYS
    elif raw_max.isascii() and raw_max.isdigit() and len(raw_max) <= 4:
        max_keys = int(raw_max)
    else:
        max_keys = 0
    if not 1 <= max_keys <= DEFAULT_MAX_KEYS:
        raise invalid_argument(
            f"Parameter max-keys must be an integer from 1 to {DEFAULT_MAX_KEYS}, "
            f"not {(raw_max or '')[:40]!r}."
        )
    return ListRequest(
        prefix=_text_param(query, "prefix"),
        delimiter=_text_param(query, "delimiter"),
        marker=_text_param(query, "marker"),
        max_keys=max_keys,
        encode=encoding == "url",
    )


def after_all_starting_with(prefix: str) -> str | None:
    """The least text greater than every text that starts with ``prefix`` (None: there is
    none, for the empty prefix)."""
    while prefix:
        last = ord(prefix[-1])
        if last < 0x10FFFF:
            return prefix[:-1] + chr(last + 1)
        prefix = prefix[:-1]
    return None


def usable_name(name: str, max_key_chars: int) -> bool:
    """Whether a file name can be (part of) a key: UTF-8, no control characters, not one of
    our temporaries, and not so long that no key could hold it."""
    if is_temporary(name) or len(name) > max_key_chars:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a name that is not UTF-8 comes back with surrogates
        return False
    return True


@dataclass(slots=True)
class _Level:
    """One directory on the walk's path: its key prefix and its entries, sorted by the text
    they put into keys (``name`` for a file, ``name/`` for a directory)."""

    path: str
    prefix: str
    entries: list[tuple[str, str, bool]]  # (text in keys, name, is a directory)
    index: int = 0


def _text_of(entry: tuple[str, str, bool]) -> str:
    return entry[0]


@dataclass(slots=True)
class KeyWalk:
    """The objects under ``root`` in key order, from the first key ≥ ``start`` to the last
    key < ``end``; :meth:`seek` moves forward, skipping whole directories.

    ``is_object(path)`` says whether a symlink (or anything that is neither a file nor a
    directory) is an object; ``skip_at_root`` names the root's entries never listed;
    ``group_of(text)`` (with a delimiter) gives the common prefix every key starting with
    ``text`` falls into, or None.
    """

    root: str
    start: str = ""
    end: str | None = None
    is_link_object: Callable[[str], bool] = lambda path: False
    skip_at_root: frozenset[str] = frozenset()
    group_of: Callable[[str], str | None] | None = None
    max_key_bytes: int = 850
    _stack: list[_Level] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stack.append(_Level(self.root, "", self._scan(self.root, at_root=True)))
        if self.start:
            self.seek(self.start)

    def _entries(self, path: str, *, at_root: bool = False) -> Iterator[tuple[str, str, bool]]:
        """The listable entries of the directory at ``path``, unsorted."""
        try:
            scan = os.scandir(path)
        except OSError:
            return  # gone, or not ours to read: nothing listed from it
        with scan:
            for entry in scan:
                name = entry.name
                if (at_root and name in self.skip_at_root) or not usable_name(
                    name, self.max_key_bytes
                ):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        yield (name + "/", name, True)
                    elif entry.is_file(follow_symlinks=False) or (
                        entry.is_symlink() and self.is_link_object(entry.path)
                    ):
                        yield (name, name, False)
                except OSError:
                    continue

    def _scan(self, path: str, *, at_root: bool = False) -> list[tuple[str, str, bool]]:
        return sorted(self._entries(path, at_root=at_root))

    def _push(self, parent: _Level, entry: tuple[str, str, bool]) -> _Level:
        level = _Level(os.path.join(parent.path, entry[1]), parent.prefix + entry[0], entries=[])
        level.entries = self._scan(level.path)
        self._stack.append(level)
        return level

    def seek(self, bound: str) -> None:
        """Move on to the first key ≥ ``bound`` (never back)."""
        stack = self._stack
        while stack and not bound.startswith(stack[-1].prefix):
            if bound < stack[-1].prefix:
                return  # every key still ahead is after the bound
            stack.pop()  # every key of this directory is before the bound
        if not stack:
            return
        level = stack[-1]
        rest = bound[len(level.prefix) :]
        while True:
            found = bisect_left(level.entries, rest, lo=level.index, key=_text_of)
            if found > level.index:
                text, _, is_dir = before = level.entries[found - 1]
                if is_dir and rest.startswith(text):
                    # The bound is inside this directory: open it and look there.
                    level.index = found
                    level = self._push(level, before)
                    rest = rest[len(text) :]
                    continue
            level.index = max(level.index, found)
            return

    def next(self) -> tuple[str, str | None] | None:
        """The next key and its file's path; or, for a directory whose every key falls into
        one common prefix and that holds an object, that prefix and None; None at the end."""
        stack = self._stack
        while stack:
            level = stack[-1]
            if level.index >= len(level.entries):
                stack.pop()
                continue
            entry = level.entries[level.index]
            level.index += 1
            text = level.prefix + entry[0]
            if self.end is not None and text >= self.end:
                stack.clear()  # this entry and every one after it are past the end
                return None
            path = os.path.join(level.path, entry[1])
            if not entry[2]:
                if len(text.encode()) <= self.max_key_bytes:
                    return text, path
                continue
            group = None if self.group_of is None else self.group_of(text)
            if group is not None:
                if self._holds_object(path, text):
                    return group, None
                continue
            self._push(level, entry)
        return None

    def _holds_object(self, path: str, prefix: str) -> bool:
        """Whether the directory at ``path`` holds a listable object, at any depth: its entries
        unsorted, stopping at the first object (usually among the first entries read)."""
        pending = [(path, prefix)]
        while pending:
            directory, text = pending.pop()
            for key_text, name, is_dir in self._entries(directory):
                if is_dir:
                    pending.append((os.path.join(directory, name), text + key_text))
                elif len((text + key_text).encode()) <= self.max_key_bytes:
                    return True
        return False


@dataclass(frozen=True, slots=True)
class Listed:
    """An object of a page."""

    key: str
    size: int
    mtime_ns: int
    etag: str


@dataclass(slots=True)
class Page:
    """One page of a listing."""

    request: ListRequest
    objects: list[Listed] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    next_marker: str | None = None

    @property
    def is_truncated(self) -> bool:
        return self.next_marker is not None


def common_prefix_of(prefix: str, delimiter: str) -> Callable[[str], str | None]:
    """``group_of`` for :class:`KeyWalk`: the common prefix all texts starting with ``text``
    share (up to the first ``delimiter`` after ``prefix``, if it lies wholly in ``text``)."""

    def group_of(text: str) -> str | None:
        if not text.startswith(prefix):
            return None
        found = text.find(delimiter, len(prefix))
        return None if found < 0 else text[: found + len(delimiter)]

    return group_of


def fill_page(
    request: ListRequest, walk: KeyWalk, describe: Callable[[str, str], Listed | None]
) -> Page:
    """One page from ``walk`` (which starts after the marker, within the prefix):
    ``describe(key, path)`` is the object's entry, None if it is gone or not an object."""
    page = Page(request)
    group_of = walk.group_of
    taken = 0
    last = ""
    while (item := walk.next()) is not None:
        text, path = item
        if path is not None and group_of is not None:
            group = group_of(text)
        else:
            group = text if path is None else None
        listed: Listed | str | None
        if group is not None:
            after = after_all_starting_with(group)
            if after is not None:
                walk.seek(after)
            if group <= request.marker:
                continue  # the group the marker is (or lies) in was listed on an earlier page
            listed = group
        elif path is not None:
            listed = describe(text, path)
            if listed is None:
                continue
        if taken == request.max_keys:
            page.next_marker = last  # what the page holds last, object or common prefix
            return page
        if isinstance(listed, str):
            page.prefixes.append(listed)
            last = listed
        elif listed is not None:
            page.objects.append(listed)
            last = listed.key
        taken += 1
    return page


def _iso_time(mtime_ns: int) -> str:
    """``2026-10-28T20:30:00.000Z``, as COS writes ``LastModified``."""
    seconds, rest = divmod(mtime_ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{rest // 1_000_000:03d}Z"


def render_page(page: Page, *, bucket: str, owner: str) -> bytes:
    """The ``ListBucketResult`` document of ``page``."""
    request = page.request

    def text(value: str) -> str:
        return xml_text(quote(value, safe="") if request.encode else value)

    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>']
    parts.append(f"<Name>{xml_text(bucket)}</Name>")
    if request.encode:
        parts.append("<Encoding-Type>url</Encoding-Type>")
    parts.append(f"<Prefix>{text(request.prefix)}</Prefix>")
    parts.append(f"<Marker>{text(request.marker)}</Marker>")
    parts.append(f"<MaxKeys>{request.max_keys}</MaxKeys>")
    if request.delimiter:
        parts.append(f"<Delimiter>{text(request.delimiter)}</Delimiter>")
    parts.append(f"<IsTruncated>{'true' if page.is_truncated else 'false'}</IsTruncated>")
    if page.next_marker is not None:
        parts.append(f"<NextMarker>{text(page.next_marker)}</NextMarker>")
    parts.extend(
        f"<CommonPrefixes><Prefix>{text(prefix)}</Prefix></CommonPrefixes>"
        for prefix in page.prefixes
    )
    owner_text = xml_text(owner)
    for listed in page.objects:
        parts.append(
            f"<Contents><Key>{text(listed.key)}</Key>"
            f"<LastModified>{_iso_time(listed.mtime_ns)}</LastModified>"
            f"<ETag>{xml_text(listed.etag)}</ETag><Size>{listed.size}</Size>"
            f"<Owner><ID>{owner_text}</ID><DisplayName>{owner_text}</DisplayName></Owner>"
            "<StorageClass>STANDARD</StorageClass></Contents>"
        )
    parts.append("</ListBucketResult>")
    return "".join(parts).encode("utf-8")
