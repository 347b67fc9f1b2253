"""GetBucket (ListObjects) in the emulator, and what PutObject keeps: by HTTP, through the
official SDK (cos-python-sdk-v5) and through our client."""

from __future__ import annotations

import contextlib
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx2
import pytest
from qcloud_cos import CosS3Client
from sdk_helpers import official_sdk

from cos_snapshot.emulator import listing as listing_module
from cos_snapshot.emulator.listing import ListRequest
from cos_snapshot.emulator.storage import RESERVED_PREFIX, Storage, weak_etag
from cos_snapshot.testing.pytest_plugin import CosEmulator

ANONYMOUS_WRITER = {"anonymous": True, "allow_writes": True}


def _utf8(key: str) -> bytes:
    return key.encode("utf-8")


def _touch(root: Path, *keys: str, data: bytes = b"") -> None:
    for key in keys:
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _get(emulator: CosEmulator, params: dict[str, Any] | None = None) -> httpx2.Response:
    return httpx2.get(f"{emulator.endpoint_url}/", params=params, timeout=30)


def _document(response: httpx2.Response) -> ET.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.content)


def _keys(document: ET.Element) -> list[str]:
    return [entry.findtext("Key", "") for entry in document.iterfind("Contents")]


def _prefixes(document: ET.Element) -> list[str]:
    return [entry.findtext("Prefix", "") for entry in document.iterfind("CommonPrefixes")]


def _page_keys(storage: Storage, **params: Any) -> list[list[str]]:
    """Every page of a listing straight from the storage: its objects and prefixes, merged."""
    pages: list[list[str]] = []
    marker = params.pop("marker", "")
    while True:
        page = storage.list_page(ListRequest(marker=marker, **params))
        pages.append(sorted([o.key for o in page.objects] + page.prefixes, key=_utf8))
        if page.next_marker is None:
            return pages
        marker = page.next_marker


# -- order, parameters and elements ------------------------------------------------------------


@pytest.mark.parametrize("cos_emulator_settings", [ANONYMOUS_WRITER], indirect=True)
def test_keys_are_in_utf8_byte_order_across_directories(cos_emulator: CosEmulator) -> None:
    keys = ["a0", "a/b", "a.b", "a-b", "a/b/c", "b", "é", "视频/1", "~"]
    _touch(cos_emulator.root, *[k for k in keys if k != "a/b"])
    assert _keys(_document(_get(cos_emulator))) == [
        "a-b",
        "a.b",
        "a/b/c",
        "a0",
        "b",
        "~",
        "é",
        "视频/1",
    ]


@pytest.mark.parametrize("cos_emulator_settings", [ANONYMOUS_WRITER], indirect=True)
def test_every_element_of_a_page(cos_emulator: CosEmulator) -> None:
    _touch(cos_emulator.root, "v/a b.mp4", "v/b+c.mp4", "v/sub/d.mp4", data=b"12345")
    put = httpx2.put(f"{cos_emulator.endpoint_url}/v/a%25.mp4", content=b"put", timeout=30)
    assert put.status_code == 200
    document = _document(
        _get(
            cos_emulator,
            {"prefix": "v/", "delimiter": "/", "max-keys": "2", "encoding-type": "url"},
        )
    )
    assert document.tag == "ListBucketResult"
    assert document.findtext("Name") == cos_emulator.bucket
    assert document.findtext("Encoding-Type") == "url"
    assert document.findtext("Prefix") == "v%2F"
    assert document.findtext("Marker") == ""
    assert document.findtext("MaxKeys") == "2"
    assert document.findtext("Delimiter") == "%2F"
    assert document.findtext("IsTruncated") == "true"
    assert document.findtext("NextMarker") == "v%2Fa%25.mp4"
    assert _keys(document) == ["v%2Fa%20b.mp4", "v%2Fa%25.mp4"]
    first, second = document.iterfind("Contents")
    assert first.findtext("Size") == "5"
    assert first.findtext("StorageClass") == "STANDARD"
    assert first.findtext("Owner/ID") == first.findtext("Owner/DisplayName") == "1250000000"
    modified = first.findtext("LastModified", "")
    assert len(modified) == len("2026-10-28T20:30:00.000Z")
    assert modified.endswith("Z")
    # The listing's ETags are HEAD's: the MD5 a PUT recorded, or a placed file's identity's.
    for entry, key in ((first, "v/a b.mp4"), (second, "v/a%.mp4")):
        head = httpx2.head(f"{cos_emulator.endpoint_url}/{quote(key)}", timeout=30)
        assert entry.findtext("ETag") == head.headers["etag"]
    assert second.findtext("ETag") == put.headers["etag"]
    assert first.findtext("ETag") == weak_etag((cos_emulator.root / "v/a b.mp4").stat())

    rest = _document(_get(cos_emulator, {"prefix": "v/", "delimiter": "/", "marker": "v/a%.mp4"}))
    assert "Encoding-Type" not in {child.tag for child in rest}
    assert (_keys(rest), _prefixes(rest)) == (["v/b+c.mp4"], ["v/sub/"])
    assert rest.findtext("IsTruncated") == "false"
    assert rest.find("NextMarker") is None


@pytest.mark.parametrize("cos_emulator_settings", [ANONYMOUS_WRITER], indirect=True)
def test_objects_and_common_prefixes_count_together_and_a_prefix_page_is_not_repeated(
    cos_emulator: CosEmulator,
) -> None:
    _touch(cos_emulator.root, "a", "b/1", "b/2", "c", "d/1", "e")
    seen: list[str] = []
    marker = ""
    for _ in range(10):
        document = _document(
            _get(cos_emulator, {"delimiter": "/", "max-keys": "2", "marker": marker})
        )
        page = sorted(_keys(document) + _prefixes(document), key=_utf8)
        assert len(page) <= 2
        seen += page
        if document.findtext("IsTruncated") == "false":
            break
        marker = document.findtext("NextMarker", "")
        assert marker == page[-1]
    assert seen == ["a", "b/", "c", "d/", "e"]


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"max-keys": "0"}, "max-keys"),
        ({"max-keys": "1001"}, "max-keys"),
        ({"max-keys": "-1"}, "max-keys"),
        ({"max-keys": ""}, "max-keys"),
        ({"max-keys": "1e3"}, "max-keys"),
        ({"encoding-type": "URL"}, "encoding-type"),
        ({"encoding-type": ""}, "encoding-type"),
        ({"prefix": "a\x01"}, "prefix"),
        ({"marker": "m" * 851}, "marker"),
    ],
)
@pytest.mark.parametrize("cos_emulator_settings", [ANONYMOUS_WRITER], indirect=True)
def test_bad_parameters_are_invalid_argument_naming_them(
    cos_emulator: CosEmulator, params: dict[str, str], named: str
) -> None:
    response = _get(cos_emulator, params)
    assert response.status_code == 400
    error = ET.fromstring(response.content)
    assert error.findtext("Code") == "InvalidArgument"
    assert named in error.findtext("Message", "")


def test_staging_temporaries_links_outside_and_unkeyable_names_are_never_listed(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    _touch(root, "ok.mp4", "dir/ok.mp4", f"{RESERVED_PREFIX}/upload")
    _touch(root, "dir/.cos-snapshot.abcdef.1234.0123abcd.partial")
    _touch(tmp_path, "outside.txt")
    os.symlink(tmp_path / "outside.txt", root / "escape.txt")
    os.symlink(tmp_path, root / "escape-dir")
    os.symlink(root / "ok.mp4", root / "inside-link.mp4")
    os.mkfifo(root / "fifo")
    (root / "empty").mkdir()
    with contextlib.suppress(OSError):  # a file system that refuses the name: nothing to test
        _touch(root, "control\x01char")
    storage = Storage(root)
    upload = storage.begin_upload("staged.mp4")  # staged, not yet committed
    try:
        assert _page_keys(storage) == [["dir/ok.mp4", "inside-link.mp4", "ok.mp4"]]
    finally:
        upload.abort()


def test_a_page_resolves_each_link_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The walk asks whether a link is an object as it reads its directory, and the page asks
    # again for the link's entry: one resolution serves both.
    _touch(tmp_path, "source/v.mp4", data=b"video")
    (tmp_path / "links").mkdir()
    for i in range(5):
        os.symlink("../source/v.mp4", tmp_path / "links" / f"l{i}.mp4")
    os.symlink(tmp_path.parent, tmp_path / "links" / "m-outside")
    storage = Storage(tmp_path)
    resolved: list[str] = []
    real_realpath = os.path.realpath

    def counting(path: Any, **kwargs: Any) -> Any:
        resolved.append(os.fspath(path))
        return real_realpath(path, **kwargs)

    monkeypatch.setattr(os.path, "realpath", counting)
    page = storage.list_page(ListRequest(prefix="links/"))
    assert [(o.key, o.size) for o in page.objects] == [(f"links/l{i}.mp4", 5) for i in range(5)]
    assert sorted(Path(p).name for p in resolved) == [*(f"l{i}.mp4" for i in range(5)), "m-outside"]


def test_a_marker_skips_whole_directories_and_a_page_opens_few(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for d in range(40):
        for f in range(30):
            _touch(tmp_path, f"d{d:02}/f{f:02}")
    storage = Storage(tmp_path)
    opened: list[str] = []
    real_scandir = os.scandir

    def counting(path: Any) -> Any:
        opened.append(os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(listing_module.os, "scandir", counting)
    page = storage.list_page(ListRequest(marker="d37/f10", max_keys=5))
    assert [o.key for o in page.objects] == [f"d37/f{f}" for f in range(11, 16)]
    # The root and the marker's directory only: d00..d36 are never opened.
    assert [Path(p).name for p in opened] == [tmp_path.name, "d37"]
    opened.clear()
    groups = storage.list_page(ListRequest(delimiter="/", marker="d30/", max_keys=3))
    assert groups.prefixes == ["d31/", "d32/", "d33/"]
    # The root, then one look into each group listed and into the next (is there more?).
    assert [Path(p).name for p in opened] == [tmp_path.name, "d31", "d32", "d33", "d34"]


def _model(keys: list[str], prefix: str, delimiter: str, marker: str) -> list[str]:
    """What a listing holds after ``marker``: the keys and common prefixes, in order."""
    entries: list[str] = []
    for key in sorted(keys, key=_utf8):
        if not key.startswith(prefix):
            continue
        found = key.find(delimiter, len(prefix)) if delimiter else -1
        entry = key if found < 0 else key[: found + len(delimiter)]
        if _utf8(entry) > _utf8(marker) and entry not in entries:
            entries.append(entry)
    return entries


def test_every_marker_prefix_and_delimiter_gives_the_model_s_listing(tmp_path: Path) -> None:
    keys = ["a-b", "a.b", "a/b-c", "a/b/c", "a/b0", "a0", "ab", "b/c/d/e", "b0", "bb/b"]
    _touch(tmp_path, *keys)
    storage = Storage(tmp_path)
    markers = ["", *keys, "a", "a/", "a/b", "a/b/", "b", "b/c/", "zz"]
    for prefix in ["", "a", "a/", "a/b", "b", "c"]:
        for delimiter in ["", "/", "b", "/c"]:
            for marker in markers:
                pages = _page_keys(
                    storage, prefix=prefix, delimiter=delimiter, marker=marker, max_keys=2
                )
                listed = [entry for page in pages for entry in page]
                assert listed == _model(keys, prefix, delimiter, marker), (
                    prefix,
                    delimiter,
                    marker,
                )


# -- what a PUT keeps ----------------------------------------------------------------------------


@pytest.mark.parametrize("cos_emulator_settings", [ANONYMOUS_WRITER], indirect=True)
def test_put_keeps_content_type_and_metadata_for_head_and_get(cos_emulator: CosEmulator) -> None:
    url = f"{cos_emulator.endpoint_url}/out/poster.bin"
    headers = {
        "Content-Type": "image/jpeg",
        "x-cos-meta-run-id": "r1",
        "x-cos-meta-Source": "videos/a.mp4",
        "Cache-Control": "max-age=60",
    }
    put = httpx2.put(url, content=b"jpeg", headers=headers, timeout=30)
    assert put.status_code == 200
    for reply in (httpx2.head(url, timeout=30), httpx2.get(url, timeout=30)):
        assert reply.headers["content-type"] == "image/jpeg"
        assert reply.headers["x-cos-meta-run-id"] == "r1"
        assert reply.headers["x-cos-meta-source"] == "videos/a.mp4"
        assert reply.headers["cache-control"] == "max-age=60"
        assert reply.headers["etag"] == put.headers["etag"]
    bad = httpx2.put(url, content=b"x", headers={"x-cos-meta-bad_name": "v"}, timeout=30)
    assert (bad.status_code, ET.fromstring(bad.content).findtext("Code")) == (
        400,
        "InvalidArgument",
    )
    big = httpx2.put(url, content=b"x", headers={"x-cos-meta-big": "v" * 2100}, timeout=30)
    assert big.status_code == 400
    assert httpx2.get(url, timeout=30).content == b"jpeg"  # neither refused PUT changed it
    assert httpx2.delete(url, timeout=30).status_code == 204
    _touch(cos_emulator.root, "out/poster.bin", data=b"by hand")
    assert "x-cos-meta-run-id" not in httpx2.head(url, timeout=30).headers  # a new file


@pytest.mark.parametrize("cos_emulator_settings", [ANONYMOUS_WRITER], indirect=True)
def test_a_key_and_keys_under_it_cannot_both_be_stored_and_the_error_says_why(
    cos_emulator: CosEmulator,
) -> None:
    base = cos_emulator.endpoint_url
    assert httpx2.put(f"{base}/a.mp4/x.jpg", content=b"x", timeout=30).status_code == 200
    refused = httpx2.put(f"{base}/a.mp4", content=b"v", timeout=30)
    assert refused.status_code == 409
    message = ET.fromstring(refused.content).findtext("Message", "")
    assert "'a.mp4/'" in message
    assert "file system" in message
    assert httpx2.delete(f"{base}/a.mp4/x.jpg", timeout=30).status_code == 204
    # The directory the last object left is gone, as a prefix is in COS.
    assert httpx2.put(f"{base}/a.mp4", content=b"v", timeout=30).status_code == 200
    refused = httpx2.put(f"{base}/a.mp4/x.jpg", content=b"x", timeout=30)
    assert refused.status_code == 409
    assert "'a.mp4' is an object" in ET.fromstring(refused.content).findtext("Message", "")


# -- the official SDK and our client list the same ---------------------------------------------


ODD_KEYS = [
    "a-b",
    "a.b",
    "a/b",
    "a0",
    "with space.mp4",
    "plus+sign.mp4",
    "per%cent.mp4",
    "hash#tag.mp4",
    "question?.mp4",
    "视频/文件 (1).mp4",
    "émoji 🎬/x.mp4",
    "tab\tname.mp4",  # a control character: COS refuses it in keys, so it is never listed
]


def _odd_tree(root: Path) -> list[str]:
    """The odd keys and 2,500 empty objects; the keys a listing must give, in order."""
    made: list[str] = []
    for key in ODD_KEYS:
        try:
            _touch(root, key)
        except OSError:
            continue  # a name this file system refuses
        made.append(key)
    for n in range(2500):
        path = root / "bulk" / f"d{n // 250}" / f"f{n:04}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        made.append(f"bulk/d{n // 250}/f{n:04}.mp4")
    listable = [k for k in made if not any(ord(c) < 0x20 for c in k)]
    return sorted(listable, key=_utf8)


def _sdk_keys(sdk: CosS3Client, bucket: str, **params: Any) -> list[str]:
    keys: list[str] = []
    marker = ""
    while True:
        page = sdk.list_objects(Bucket=bucket, Marker=marker, **params)
        keys += [entry["Key"] for entry in page.get("Contents", [])]
        keys += [entry["Prefix"] for entry in page.get("CommonPrefixes", [])]
        if page["IsTruncated"] == "false":
            return keys
        marker = page["NextMarker"]


def test_the_official_sdk_and_our_client_list_the_same_keys_in_the_same_order(
    cos_emulator: CosEmulator,
) -> None:
    expected = _odd_tree(cos_emulator.root)
    assert len(expected) >= 2500 + 11
    sdk = official_sdk(cos_emulator)
    with cos_emulator.client() as client:
        ours = [summary.key for summary in client.iter_objects(page_size=997)]
    assert _sdk_keys(sdk, cos_emulator.bucket, MaxKeys=997) == ours == expected


def test_the_official_sdk_list_objects_with_every_parameter(cos_emulator: CosEmulator) -> None:
    _touch(cos_emulator.root, *ODD_KEYS[:10], "a/c/d", "a/e")
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    page = sdk.list_objects(Bucket=bucket, Prefix="a", Delimiter="/", MaxKeys=2)
    assert [e["Key"] for e in page["Contents"]] == ["a-b", "a.b"]
    assert page["IsTruncated"] == "true"
    assert page["NextMarker"] == "a.b"
    page = sdk.list_objects(Bucket=bucket, Prefix="a", Delimiter="/", Marker="a.b", MaxKeys=2)
    assert [e["Prefix"] for e in page["CommonPrefixes"]] == ["a/"]
    assert [e["Key"] for e in page["Contents"]] == ["a0"]
    assert page["IsTruncated"] == "false"
    # EncodingType="url" given by the caller: the SDK leaves the keys encoded.
    page = sdk.list_objects(Bucket=bucket, Prefix="视频/", EncodingType="url")
    assert [unquote(e["Key"]) for e in page["Contents"]] == ["视频/文件 (1).mp4"]
    assert page["Contents"][0]["Key"] == quote("视频/文件 (1).mp4", safe="")
    assert _sdk_keys(sdk, bucket, Prefix="a/", MaxKeys=1) == ["a/b", "a/c/d", "a/e"]
    put = sdk.put_object(Bucket=bucket, Key="up/视频 1.mp4", Body=b"v", ContentType="video/mp4")
    head = sdk.head_object(Bucket=bucket, Key="up/视频 1.mp4")
    assert (head["ETag"], head["Content-Type"]) == (put["ETag"], "video/mp4")
    (listed,) = sdk.list_objects(Bucket=bucket, Prefix="up/")["Contents"]
    assert (listed["Key"], listed["ETag"], listed["Size"]) == ("up/视频 1.mp4", put["ETag"], "1")
