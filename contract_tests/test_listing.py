"""Listing the bucket (GetBucket) and uploading to it (PutObject), through the typed client and
on the wire.

The suite lists only its own run prefix (``Target.prefix``), where it put the fixture videos
(keys with spaces, unicode, ``+``, ``%41``, ``#``, ``?``, nested directories), the object that
is not a video, and here a few empty objects whose keys part UTF-8 byte order from a walk that
sorts each directory on its own (``a-b`` < ``a.b`` < ``a/b`` < ``a0``), and one fixture
video's bytes under a key of its own. Every target is held to: pages of a small ``max-keys``
reach every key exactly once, in UTF-8 byte order, a page never holding more than asked for;
``delimiter=/`` groups the keys below a ``/`` into common prefixes listed once, in the same
order as the objects; with ``encoding-type=url`` the answer says so and every key, prefix and
marker in it is percent-encoded and decodes to the key. The emulator targets (strict) also
fill every page but the last and give back the MD5 of the bytes as the upload's ETag.

Keys schemathesis uploads (``test_schema.py``) live under :data:`GENERATED`, below the run
prefix; what they are depends on the seed, so the listings here leave them out.
"""

from __future__ import annotations

import hashlib
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import unquote

import pytest

from cos_snapshot import ObjectPage

from ._expect import exactframe_expectation
from ._helpers import check_frame, signed_auth
from ._targets import GENERATED, Target

#: Empty objects put beside the fixtures, below the run prefix.
EMPTY_KEYS = ("a b", "a-b", "a.b", "a/b", "a0")
#: A fixture video's bytes put again under a key of its own, then read back.
UPLOADED = "uploaded/plain copy (2).mp4"
UPLOADED_FROM = "plain"
#: Characters a percent-encoded key, prefix or marker may hold: printable ASCII but space.
_ENCODED = frozenset(chr(c) for c in range(0x21, 0x7F))


def _utf8(key: str) -> bytes:
    return key.encode("utf-8")


@pytest.fixture(scope="module")
def listed(target: Target) -> frozenset[str]:
    """The keys the run prefix holds (apart from schemathesis's uploads), once the empty
    objects and the copied video are in place."""
    for key in EMPTY_KEYS:
        target.put(target.prefix + key, b"")
    target.put(target.prefix + UPLOADED, target.video(UPLOADED_FROM).info.path.read_bytes())
    keys = {video.key for video in target.videos.values()}
    keys |= {target.prefix + key for key in (*EMPTY_KEYS, UPLOADED)}
    if target.not_a_video_key is not None:
        keys.add(target.not_a_video_key)
    return frozenset(keys)


def _pages(
    target: Target, prefix: str, max_keys: int, delimiter: str | None = None
) -> Iterator[ObjectPage]:
    """Every page of the listing, following ``next_marker``; each checked for its size."""
    marker = None
    with target.client() as client:
        for _ in range(10_000):
            page = client.list_objects(
                prefix, delimiter=delimiter, marker=marker, max_keys=max_keys
            )
            held = len(page.objects) + len(page.common_prefixes)
            assert held <= max_keys, f"a page of max-keys={max_keys} holds {held} entries"
            if target.strict and page.is_truncated:
                assert held == max_keys, f"a truncated page of max-keys={max_keys} holds {held}"
            yield page
            if not page.is_truncated:
                return
            marker = page.next_marker
    raise AssertionError(f"listing {prefix!r} by {max_keys} did not end")


def _not_generated(target: Target, keys: list[str]) -> list[str]:
    return [key for key in keys if not key.startswith(target.prefix + GENERATED)]


def _check_order(entries: list[str], how: str) -> None:
    """``entries`` strictly increase in UTF-8 byte order: sorted, and each listed once."""
    for before, after in itertools.pairwise(entries):
        assert _utf8(before) < _utf8(after), (
            f"{how}: {before!r} listed before {after!r}, not in UTF-8 byte order"
            if before != after
            else f"{how}: {before!r} listed twice"
        )


def _check_same(seen: list[str], expected: set[str] | frozenset[str], how: str) -> None:
    missing = sorted(set(expected) - set(seen), key=_utf8)
    extra = sorted(set(seen) - set(expected), key=_utf8)
    assert not missing, f"{how}: never listed: {missing}"
    assert not extra, f"{how}: listed, but never put: {extra}"


@pytest.mark.parametrize("max_keys", [1, 3, 1000])
def test_paging_reaches_every_key_once_in_utf8_byte_order(
    target: Target, listed: frozenset[str], max_keys: int
) -> None:
    how = f"listing {target.prefix!r} by max-keys={max_keys}"
    keys = [o.key for page in _pages(target, target.prefix, max_keys) for o in page.objects]
    keys = _not_generated(target, keys)
    _check_order(keys, how)
    _check_same(keys, listed, how)
    if max_keys == 3:
        # The iterator pages the same way and sees the same keys.
        with target.client() as client:
            iterated = [o.key for o in client.iter_objects(target.prefix, page_size=max_keys)]
        assert _not_generated(target, iterated) == keys


async def test_the_async_iterator_lists_what_the_sync_one_does(
    target: Target, listed: frozenset[str]
) -> None:
    async with target.async_client() as client:
        iterated = [o.key async for o in client.iter_objects(target.prefix, page_size=2)]
    with target.client() as client:
        expected = [o.key for o in client.iter_objects(target.prefix)]
    assert iterated == expected


def test_listed_sizes_and_etags_are_the_objects(target: Target, listed: frozenset[str]) -> None:
    with target.client() as client:
        summaries = {o.key: o for o in client.iter_objects(target.prefix + "a")}
        for key in EMPTY_KEYS:
            summary = summaries[target.prefix + key]
            info = client.head_object(summary.key)
            assert info is not None, f"{summary.key!r} is listed but HEAD finds nothing"
            assert (summary.size, summary.etag) == (0, info.etag), summary
        assert set(summaries) == {k for k in listed if k.startswith(target.prefix + "a")}


@pytest.mark.parametrize("max_keys", [2, 1000])
def test_delimiter_groups_keys_below_it_into_common_prefixes(
    target: Target, listed: frozenset[str], max_keys: int
) -> None:
    how = f"listing {target.prefix!r} with delimiter / by max-keys={max_keys}"
    objects: list[str] = []
    entries: list[str] = []
    prefixes: list[str] = []
    for page in _pages(target, target.prefix, max_keys, delimiter="/"):
        page_objects = [o.key for o in page.objects]
        objects += page_objects
        prefixes += page.common_prefixes
        entries += sorted([*page_objects, *page.common_prefixes], key=_utf8)
    _check_order(_not_generated(target, entries), how)
    below = {key.removeprefix(target.prefix) for key in listed}
    _check_same(
        _not_generated(target, objects),
        {target.prefix + rest for rest in below if "/" not in rest},
        how + " (objects)",
    )
    _check_same(
        _not_generated(target, prefixes),
        {target.prefix + rest.split("/", 1)[0] + "/" for rest in below if "/" in rest},
        how + " (common prefixes)",
    )
    # One level down, the same rule: a/ holds the one object a/b.
    with target.client() as client:
        page = client.list_objects(target.prefix + "a/", delimiter="/")
    assert [o.key for o in page.objects] == [target.prefix + "a/b"]
    assert page.common_prefixes == ()


def _texts(root: ET.Element, path: str) -> list[str]:
    return [element.text or "" for element in root.iterfind(path)]


def test_url_encoding_type_percent_encodes_every_key_prefix_and_marker(
    target: Target, listed: frozenset[str]
) -> None:
    """Asked for ``encoding-type=url``, the answer says so, and every key, prefix and marker in
    it is percent-encoded (printable ASCII without spaces, where the keys hold spaces, unicode
    and ``%41``) and decodes to the key itself. Read from the wire: the typed client would
    take an answer that does not say it is encoded as it stands."""
    odd = sorted((k for k in listed if not k.isascii() or " " in k), key=_utf8)
    assert odd, "the suite's keys hold spaces and unicode"
    marker = odd[0]
    query = {"prefix": target.prefix, "encoding-type": "url", "marker": marker, "max-keys": "4"}
    keys: list[str] = []
    with target.http() as http:
        for _ in range(1000):
            response = http.get("/", params=query, auth=signed_auth(target.credentials))
            assert response.status_code == 200, response.text
            root = ET.fromstring(response.content)
            said = _texts(root, "Encoding-Type") or _texts(root, "EncodingType")
            assert said == ["url"], f"asked for encoding-type=url, the answer says {said}"
            for path in ("Contents/Key", "Prefix", "Marker", "NextMarker", "CommonPrefixes/Prefix"):
                for text in _texts(root, path):
                    assert set(text) <= _ENCODED, f"{path} {text!r} is not percent-encoded"
            sent = {"Prefix": query["prefix"], "Marker": query["marker"]}
            for name, value in sent.items():
                assert [unquote(t) for t in _texts(root, name)] == [value], name
            keys += [unquote(text) for text in _texts(root, "Contents/Key")]
            if _texts(root, "IsTruncated") != ["true"]:
                break
            (next_marker,) = _texts(root, "NextMarker") or [keys[-1]]
            query["marker"] = unquote(next_marker)
    expected = {key for key in listed if _utf8(key) > _utf8(marker)}
    _check_same(_not_generated(target, keys), expected, "listing with encoding-type=url")


def test_put_object_then_get_snapshot_reads_the_uploaded_video(
    target: Target, listed: frozenset[str]
) -> None:
    video = target.video(UPLOADED_FROM)
    data = video.info.path.read_bytes()
    key = target.prefix + UPLOADED
    time = Decimal(12) / 25  # the start of frame 12: on screen and next agree
    target.will_put(key)
    with target.client() as client:
        put = client.put_object(key, data, content_type="video/mp4")
        info = client.head_object(key)
        assert info is not None, f"{key!r} was put, HEAD finds nothing"
        assert (info.size, info.etag) == (len(data), put.etag)
        if target.strict:
            assert put.etag == f'"{hashlib.md5(data).hexdigest()}"'
        assert client.get_object(key) == data
        snapshot = client.get_snapshot(key, time)
    expected = exactframe_expectation(video.info, time, strict=target.strict)
    check_frame(snapshot, expected, f"the uploaded copy of {video.key!r} at {time}")
