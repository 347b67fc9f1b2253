"""The emulator's pure parts: key decoding, query and parameter parsing, ranges, XML errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cos_snapshot import Credentials
from cos_snapshot.emulator import EmulatorError, EmulatorSettings
from cos_snapshot.emulator.errors import render_error, xml_text
from cos_snapshot.emulator.params import parse_query, snapshot_params
from cos_snapshot.emulator.responses import byte_range
from cos_snapshot.emulator.storage import MAX_KEY_BYTES, decode_key
from cos_snapshot.signing import cos_quote

# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b"/a.mp4", "a.mp4"),
        (b"/dir/sub/a.mp4", "dir/sub/a.mp4"),
        (b"/a%20b+c.mp4", "a b+c.mp4"),  # "+" is a plus in a path, not a space
        (b"/%E8%A7%86%E9%A2%91/(1).mp4", "视频/(1).mp4"),
        (b"/a./b", "a./b"),
        (b"/a.%2Fb", "a./b"),  # the official SDK's encoding of "./"
        (b"/..a/b..", "..a/b.."),
        (b"/dir/", "dir/"),
        (b"/", ""),
    ],
)
def test_decode_key_percent_decodes_the_path(raw: bytes, key: str) -> None:
    assert decode_key(raw) == key


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"/../etc/passwd", "InvalidURI"),
        (b"/a/../../x", "InvalidURI"),
        (b"/%2E%2E/x", "InvalidURI"),
        (b"/.%2e/x", "InvalidURI"),
        (b"/a/%2E/b", "InvalidURI"),
        (b"/a/.%2Fb", "InvalidURI"),  # decodes to a/./b
        (b"/%2F..%2Fx", "InvalidURI"),
        (b"//etc/passwd", "InvalidURI"),
        (b"/a//b", "InvalidURI"),
        (b"/a%00b", "InvalidURI"),
        (b"/a%0Ab", "InvalidURI"),
        (b"/a%7Fb", "InvalidURI"),
        (b"/%FF", "InvalidURI"),
        (b"/%C3", "InvalidURI"),
        (b"a", "InvalidURI"),
        (b"/" + b"x" * (MAX_KEY_BYTES + 1), "KeyTooLong"),
        (b"/.cos-emulator-tmp/upload-1", "InvalidArgument"),
    ],
)
def test_decode_key_rejects_keys_that_cannot_be_files(raw: bytes, code: str) -> None:
    with pytest.raises(EmulatorError) as caught:
        decode_key(raw)
    assert caught.value.status == 400
    assert caught.value.code == code


def test_decode_key_counts_utf8_bytes_not_characters() -> None:
    fits = "视" * (MAX_KEY_BYTES // 3)
    assert decode_key(b"/" + cos_quote(fits).encode()) == fits
    with pytest.raises(EmulatorError):
        decode_key(b"/" + cos_quote(fits + "视").encode())


@given(
    st.lists(
        st.text(
            st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="/"),
            min_size=1,
            max_size=12,
        ).filter(lambda s: s not in (".", "..") and s != ".cos-emulator-tmp"),
        min_size=1,
        max_size=4,
    )
)
def test_decode_key_inverts_sdk_quoting(segments: list[str]) -> None:
    key = "/".join(segments)
    raw = "/" + cos_quote(key).replace("%2F", "/")
    assert decode_key(raw.encode()) == key


# --- query and snapshot parameters --------------------------------------------------------------


def test_parse_query_form_decodes_and_keeps_valueless_params() -> None:
    assert parse_query(b"ci-process=snapshot&time=1.5&a+b=c%2Bd&flag") == {
        "ci-process": "snapshot",
        "time": "1.5",
        "a b": "c+d",
        "flag": "",
    }


def test_parse_query_rejects_a_repeated_parameter_by_name() -> None:
    with pytest.raises(EmulatorError, match="width") as caught:
        parse_query(b"time=1&width=10&width=20")
    assert caught.value.code == "InvalidArgument"


def test_parse_query_rejects_undecodable_bytes() -> None:
    with pytest.raises(EmulatorError) as caught:
        parse_query(b"time=%FF")
    assert caught.value.code == "InvalidURI"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0", Decimal(0)),
        ("1.5", Decimal("1.5")),
        ("1.", Decimal(1)),
        (".5", Decimal("0.5")),
        ("1.9199999999999999999", Decimal("1.9199999999999999999")),
        ("15E-1", Decimal("1.5")),
        ("1e-7", Decimal("1e-7")),
        ("0012.50", Decimal("12.5")),
        ("1e7", Decimal(10_000_000)),
    ],
)
def test_time_is_parsed_exactly(text: str, seconds: Decimal) -> None:
    parsed = snapshot_params({"time": text}).time
    assert parsed == seconds
    assert isinstance(parsed, Decimal)


def test_time_is_not_rounded_through_a_float() -> None:
    assert snapshot_params({"time": "1.9199999999999999999"}).time != Decimal("1.92")


def test_snapshot_params_defaults() -> None:
    params = snapshot_params({"time": "2", "ci-process": "snapshot", "unknown": "x"})
    assert (params.width, params.height, params.format, params.rotate, params.mode) == (
        0,
        0,
        "jpg",
        "auto",
        "exactframe",
    )


def test_snapshot_params_takes_every_value() -> None:
    params = snapshot_params(
        {
            "time": "3",
            "width": "4096",
            "height": "0",
            "format": "png",
            "rotate": "off",
            "mode": "keyframe",
        }
    )
    assert (params.width, params.height, params.format, params.rotate, params.mode) == (
        4096,
        0,
        "png",
        "off",
        "keyframe",
    )


BAD_PARAMS = [
    ({}, "time"),
    ({"time": ""}, "time"),
    ({"time": "-1"}, "time"),
    ({"time": "-0"}, "time"),
    ({"time": "+1"}, "time"),
    ({"time": "NaN"}, "time"),
    ({"time": "nan"}, "time"),
    ({"time": "inf"}, "time"),
    ({"time": "Infinity"}, "time"),
    ({"time": "abc"}, "time"),
    ({"time": "1,5"}, "time"),
    ({"time": " 1"}, "time"),
    ({"time": "1_0"}, "time"),
    ({"time": "١"}, "time"),  # an Arabic-Indic digit, which Decimal() would accept
    ({"time": "1e"}, "time"),
    ({"time": "0x10"}, "time"),
    ({"time": "1e1000000000"}, "time"),
    ({"time": "10000001"}, "time"),
    ({"time": "1" * 100}, "time"),
    ({"time": "1", "width": "1.5"}, "width"),
    ({"time": "1", "width": "-1"}, "width"),
    ({"time": "1", "width": "4097"}, "width"),
    ({"time": "1", "width": "abc"}, "width"),
    ({"time": "1", "width": ""}, "width"),
    ({"time": "1", "width": "99999999999999999999"}, "width"),
    ({"time": "1", "height": "1e3"}, "height"),
    ({"time": "1", "height": "+5"}, "height"),
    ({"time": "1", "format": "JPG"}, "format"),
    ({"time": "1", "format": "jpeg"}, "format"),
    ({"time": "1", "format": ""}, "format"),
    ({"time": "1", "rotate": "on"}, "rotate"),
    ({"time": "1", "rotate": "Auto"}, "rotate"),
    ({"time": "1", "rotate": ""}, "rotate"),
    ({"time": "1", "mode": "KEYFRAME"}, "mode"),
    ({"time": "1", "mode": "exact"}, "mode"),
    ({"time": "1", "mode": ""}, "mode"),
]


@pytest.mark.parametrize(("query", "name"), BAD_PARAMS)
def test_bad_snapshot_params_are_invalid_argument_naming_the_parameter(
    query: dict[str, str], name: str
) -> None:
    with pytest.raises(EmulatorError) as caught:
        snapshot_params(query)
    assert (caught.value.status, caught.value.code) == (400, "InvalidArgument")
    assert f"Parameter {name} " in caught.value.message


# --- ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "span"),
    [
        (None, None),
        ("bytes=0-0", (0, 0)),
        ("bytes=2-5", (2, 5)),
        ("bytes=2-", (2, 9)),
        ("bytes=5-100", (5, 9)),
        ("bytes=-3", (7, 9)),
        ("bytes=-100", (0, 9)),
        ("bytes=5-2", None),  # invalid: ignored
        ("bytes=0-1,4-5", None),  # several ranges: ignored
        ("items=0-1", None),
        ("bytes=-", None),
    ],
)
def test_byte_range(header: str | None, span: tuple[int, int] | None) -> None:
    assert byte_range(header, 10) == span


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=0-", 0)])
def test_unsatisfiable_range_is_invalid_range(header: str, size: int) -> None:
    with pytest.raises(EmulatorError) as caught:
        byte_range(header, size)
    assert (caught.value.status, caught.value.code) == (416, "InvalidRange")
    assert caught.value.headers["Content-Range"] == f"bytes */{size}"


# --- error documents ----------------------------------------------------------------------------


@given(st.text())
def test_error_document_is_well_formed_whatever_the_resource(resource: str) -> None:
    body = render_error(
        EmulatorError(404, "NoSuchKey", "missing"),
        resource=resource,
        request_id="rid",
        trace_id="tid",
    )
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8' ?>")
    root = ET.fromstring(body)
    assert [child.tag for child in root] == ["Code", "Message", "Resource", "RequestId", "TraceId"]
    assert root.findtext("Code") == "NoSuchKey"


def test_xml_text_drops_control_characters_and_escapes_markup() -> None:
    assert xml_text("a\x00b\x1bc<&>\td\ufffe") == "abc&lt;&amp;&gt;\td"
    text = xml_text("x\ry")
    assert ET.fromstring(f"<a>{text}</a>").text == "x\ry"


def test_error_document_carries_details_in_order() -> None:
    error = EmulatorError(
        403, "SignatureDoesNotMatch", "no", details={"StringToSign": "s\n", "FormatString": "f"}
    )
    root = ET.fromstring(render_error(error, resource="r", request_id="i", trace_id="t"))
    assert [child.tag for child in root][-2:] == ["StringToSign", "FormatString"]
    assert root.findtext("StringToSign") == "s\n"


# --- settings -----------------------------------------------------------------------------------


def test_settings_need_credentials_or_anonymous(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="anonymous"):
        EmulatorSettings(root=tmp_path)
    assert EmulatorSettings(root=tmp_path, anonymous=True).anonymous


def test_settings_refuse_a_duplicate_access_key(tmp_path: Path) -> None:
    pair = Credentials("AKIDEXAMPLE", "secret")
    with pytest.raises(ValueError, match="twice"):
        EmulatorSettings(root=tmp_path, credentials=(pair, Credentials("AKIDEXAMPLE", "other")))


@pytest.mark.parametrize(
    "bad",
    [{"workers": 0}, {"queue_limit": -1}, {"exactframe": "nearest"}, {"past_end": "clamp"}],
)
def test_settings_validate_their_values(tmp_path: Path, bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EmulatorSettings(root=tmp_path, anonymous=True, **bad)  # type: ignore[arg-type]


def test_settings_repr_hides_secrets(tmp_path: Path) -> None:
    settings = EmulatorSettings(
        root=tmp_path, credentials=(Credentials("AKIDEXAMPLE123", "topsecret", "tok3n"),)
    )
    assert "topsecret" not in repr(settings)
    assert "tok3n" not in repr(settings)
