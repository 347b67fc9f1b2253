"""GetMediaInfo in the client: reading the vendor's answer into MediaInfo, the request it sends
(MockTransport; the official SDK's signer as the oracle), retries and errors, presigned URLs,
and end to end against the emulator.

The example answer is built by hand from the values the vendor documents (issue 14, vendor doc
436/55672), not from the code under test.
"""

from __future__ import annotations

import json
import pickle
import types
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from qcloud_cos import CosConfig
from qcloud_cos import cos_auth as sdk_auth
from qcloud_cos.cos_comm import xml_to_dict

from cos_snapshot import (
    AsyncSnapshotClient,
    CosError,
    CosInvalidArgumentError,
    CosResponseError,
    CosServiceError,
    Credentials,
    MediaInfo,
    RetryPolicy,
    SnapshotClient,
)
from cos_snapshot._client.media_info import parse_media_info
from cos_snapshot.testing import FixtureInfo
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
HOST = f"{BUCKET}.cos.{REGION}.myqcloud.com"
CREDS = Credentials("AKIDexampleexample", "example/secret+key")
NOW = 1_790_000_000
EXPIRES = 600

VIDEO = {
    "Index": "0",
    "CodecName": "h264",
    "CodecLongName": "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10",
    "Profile": "High",
    "Width": "1080",
    "Height": "1920",
    "HasBFrame": "1",
    "Sar": "1:1",
    "Dar": "9:16",
    "PixFormat": "yuvj420p",
    "Fps": "30.500000",
    "AvgFps": "30/1",
    "Timebase": "1/600",
    "StartTime": "0.000000",
    "Duration": "129.200000",
    "NumFrames": "3876",
    "Rotation": "0.000000",
    "Language": "",
}
AUDIO = {"SampleRate": "44100", "Channel": "2", "ChannelLayout": "stereo", "CodecName": "aac"}
FORMAT = {
    "NumStream": "2",
    "NumProgram": "0",
    "FormatName": "mov,mp4,m4a,3gp,3g2,mj2",
    "StartTime": "0.000000",
    "Duration": "129.200000",
    "Bitrate": "16869.432000",
    "Size": "272441346",
}


def _elements(fields: dict[str, str]) -> str:
    return "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())


def media_info_xml(
    video: dict[str, str] | None = None,
    audio: list[dict[str, str]] | None = None,
    format_: dict[str, str] | None = None,
    *,
    subtitle: str = "",
) -> bytes:
    """A GetMediaInfo answer in the vendor's shape, from the vendor's example values."""
    video = VIDEO if video is None else video
    audio = [AUDIO] if audio is None else audio
    streams = f"<Video>{_elements(video)}</Video>" if video else ""
    streams += "".join(f"<Audio>{_elements(a)}</Audio>" for a in audio) + subtitle
    return (
        "<?xml version='1.0' encoding='utf-8' ?><Response><MediaInfo>"
        f"<Stream>{streams}</Stream><Format>{_elements(format_ or FORMAT)}</Format>"
        "</MediaInfo></Response>"
    ).encode()


# --- reading the answer ---------------------------------------------------------------------


def test_the_vendors_example_answer_reads_as_exact_values() -> None:
    info = parse_media_info(media_info_xml(), request_id="rid-1")
    assert info.duration == Decimal("129.2")
    assert info.start_time == 0
    assert isinstance(info.duration, Decimal)
    assert isinstance(info.start_time, Decimal)
    assert info.size == 272441346
    assert info.bitrate == Decimal("16869.432")
    assert info.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.request_id == "rid-1"
    video = info.video
    assert video is not None
    assert (video.width, video.height) == (1080, 1920)
    assert (video.display_width, video.display_height) == (1080, 1920)
    assert video.fps == Fraction(61, 2)
    assert video.avg_fps == Fraction(30)
    assert video.num_frames == 3876
    assert video.has_b_frames is True
    assert (video.codec, video.profile, video.pix_fmt) == ("h264", "High", "yuvj420p")
    assert video.rotation == 0
    assert video.time_base == Fraction(1, 600)
    assert (video.sar, video.dar) == (Fraction(1), Fraction(9, 16))
    assert video.duration == Decimal("129.200000")
    assert [(a.sample_rate, a.channels, a.channel_layout) for a in info.audio] == [
        (44100, 2, "stereo")
    ]


def test_raw_holds_every_element_as_the_official_sdk_reads_it() -> None:
    body = media_info_xml(subtitle="<Subtitle><Index>2</Index><Language>eng</Language></Subtitle>")
    info = parse_media_info(body)

    def leaves(node: Any, path: str = "") -> dict[str, Any]:
        # A single element as a one-item list (the SDK keeps it bare) is the same reading.
        if isinstance(node, list):
            if len(node) == 1:
                return leaves(node[0], path)
            return {k: v for i, n in enumerate(node) for k, v in leaves(n, f"{path}[{i}]").items()}
        if isinstance(node, dict):
            return {
                k: v for name, n in node.items() for k, v in leaves(n, f"{path}/{name}").items()
            }
        return {path: node}

    assert leaves(info.raw) == leaves(xml_to_dict(body)["MediaInfo"])
    assert info.raw["Format"] == {**FORMAT}
    assert info.raw["Stream"]["Video"][0]["Language"] is None  # type: ignore[index,call-overload]


def test_an_empty_element_is_none_not_zero() -> None:
    video = {**VIDEO, "NumFrames": "", "Fps": "", "Duration": "", "Width": ""}
    info = parse_media_info(media_info_xml(video, format_={**FORMAT, "Duration": "", "Size": ""}))
    assert info.duration is None
    assert info.size is None
    assert info.video is not None
    assert info.video.num_frames is None
    assert info.video.fps is None
    assert info.video.duration is None
    assert info.video.width is None
    assert info.video.display_width is None
    assert info.raw["Format"]["Duration"] is None  # type: ignore[index,call-overload]


def test_unknown_ratios_written_as_zero_over_zero_are_none() -> None:
    info = parse_media_info(media_info_xml({**VIDEO, "AvgFps": "0/0", "Sar": "0:1", "Dar": "1:0"}))
    assert info.video is not None
    assert info.video.avg_fps is None
    assert info.video.sar == 0  # what was sent
    assert info.video.dar is None


@pytest.mark.parametrize(
    ("rotation", "display"),
    [
        ("90.000000", (1920, 1080)),
        ("-90.000000", (1920, 1080)),
        ("270.000000", (1920, 1080)),
        ("180.000000", (1080, 1920)),
        ("-180.000000", (1080, 1920)),
        ("45.000000", (1080, 1920)),
        ("", (1080, 1920)),
    ],
)
def test_display_size_is_the_stored_size_turned_by_the_rotation(
    rotation: str, display: tuple[int, int]
) -> None:
    info = parse_media_info(media_info_xml({**VIDEO, "Rotation": rotation}))
    assert info.video is not None
    assert (info.video.width, info.video.height) == (1080, 1920)
    assert (info.video.display_width, info.video.display_height) == display


@pytest.mark.parametrize(
    ("rotation", "line"),
    [
        ("0.000000", "rotation: 0 degrees"),
        ("-90.000000", "rotation: -90 degrees (shown turned 90° clockwise)"),
        ("90.000000", "rotation: 90 degrees (shown turned 90° counter-clockwise)"),
        ("180.000000", "rotation: 180 degrees (shown turned 180°)"),
        ("-180", "rotation: -180 degrees (shown turned 180°)"),
        ("270", "rotation: 270 degrees (shown turned 90° clockwise)"),
        ("-270", "rotation: -270 degrees (shown turned 90° counter-clockwise)"),
        ("-45.5", "rotation: -45.5 degrees (shown turned 45.5° clockwise)"),
        ("", "rotation: unknown"),
    ],
)
def test_describe_says_which_way_counter_clockwise_degrees_turn_the_picture(
    rotation: str, line: str
) -> None:
    lines = parse_media_info(media_info_xml({**VIDEO, "Rotation": rotation})).describe()
    assert line in lines


def test_audio_is_every_track_in_order_and_a_file_without_video_has_none() -> None:
    tracks = [{**AUDIO, "Index": "0", "Language": "eng"}, {**AUDIO, "Index": "1", "Channel": "6"}]
    info = parse_media_info(media_info_xml({}, tracks))
    assert info.video is None
    assert info.videos == ()
    assert [(a.index, a.channels, a.language) for a in info.audio] == [
        (0, 2, "eng"),
        (1, 6, None),
    ]
    no_audio = parse_media_info(media_info_xml(audio=[]))
    assert no_audio.audio == ()


def test_a_document_with_a_namespace_reads_the_same() -> None:
    body = media_info_xml().replace(
        b"<Response>", b'<Response xmlns="http://www.qcloud.com/document/product/436/7751">'
    )
    assert parse_media_info(body) == parse_media_info(media_info_xml())


@pytest.mark.parametrize(
    ("body", "element"),
    [
        (
            media_info_xml(format_={**FORMAT, "Duration": "12x"}),
            "Response/MediaInfo/Format/Duration",
        ),
        (
            media_info_xml(format_={**FORMAT, "Duration": "nan"}),
            "Response/MediaInfo/Format/Duration",
        ),
        (media_info_xml(format_={**FORMAT, "Size": "2.5"}), "Response/MediaInfo/Format/Size"),
        (media_info_xml(format_={**FORMAT, "Size": "-1"}), "Response/MediaInfo/Format/Size"),
        (
            media_info_xml({**VIDEO, "AvgFps": "thirty"}),
            "Response/MediaInfo/Stream/Video[0]/AvgFps",
        ),
        (media_info_xml({**VIDEO, "Width": "1e3"}), "Response/MediaInfo/Stream/Video[0]/Width"),
        (
            media_info_xml(audio=[AUDIO, {**AUDIO, "SampleRate": "44.1k"}]),
            "Response/MediaInfo/Stream/Audio[1]/SampleRate",
        ),
        (
            media_info_xml({**VIDEO, "Duration": "<a>1</a>"}),
            "Response/MediaInfo/Stream/Video[0]/Duration",
        ),
        (b"<Response><Other/></Response>", "Response/MediaInfo"),
        (b"<Response><MediaInfo><Stream/></MediaInfo></Response>", "Response/MediaInfo/Format"),
        (b"<Response><MediaInfo>text</MediaInfo></Response>", "Response/MediaInfo"),
        (b"<Error><Code>x</Code></Error>", "Response"),
        (b"\x00\x00\x00\x18ftypmp42", "Response"),
        (b"<Response><MediaInfo>", "Response"),
    ],
)
def test_a_malformed_answer_is_a_typed_error_naming_the_element(body: bytes, element: str) -> None:
    with pytest.raises(CosResponseError) as caught:
        parse_media_info(body)
    assert caught.value.element == element
    assert element in str(caught.value)


def test_a_doctype_is_refused_before_any_entity_is_expanded() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<Response><MediaInfo><Stream/><Format><FormatName>&b;</FormatName></Format>"
        b"</MediaInfo></Response>"
    )
    with pytest.raises(CosResponseError, match="DOCTYPE"):
        parse_media_info(bomb)


@pytest.mark.parametrize("name", ["Dar", "Fps", "Sar"])
def test_a_ratio_of_thousands_of_digits_is_a_typed_error_naming_the_element(name: str) -> None:
    # int() of more than 4,300 digits raises ValueError: never reached.
    huge = "1" * 4301 + "/1"
    with pytest.raises(CosResponseError) as caught:
        parse_media_info(media_info_xml({**VIDEO, name: huge}))
    assert caught.value.element == f"Response/MediaInfo/Stream/Video[0]/{name}"
    assert len(str(caught.value)) < 200  # the value is abbreviated, not quoted whole


def test_elements_nested_without_end_are_a_typed_error_not_a_recursion() -> None:
    depth = 100_000
    body = (
        b"<Response><MediaInfo><Stream>"
        + b"<Video>" * depth
        + b"</Video>" * depth
        + b"</Stream></MediaInfo></Response>"
    )
    with pytest.raises(CosResponseError, match="nested deeper than") as caught:
        parse_media_info(body)
    assert caught.value.element.startswith("Response/MediaInfo/Stream/Video")


def test_media_info_is_frozen_and_its_json_keeps_exact_values() -> None:
    info = parse_media_info(media_info_xml(), request_id="rid-1")
    with pytest.raises(AttributeError):
        info.duration = Decimal(1)  # type: ignore[misc]
    data = json.loads(json.dumps(info.to_dict()))
    assert data["duration"] == "129.200000"
    assert data["video"]["fps"] == "61/2"
    assert data["video"]["avg_fps"] == "30"
    assert data["size"] == 272441346
    assert data["raw"]["Format"]["Bitrate"] == "16869.432000"
    assert data["audio"][0]["sample_rate"] == 44100


def test_video_duration_prefers_the_streams_and_falls_back_to_the_containers() -> None:
    stream = parse_media_info(media_info_xml({**VIDEO, "Duration": "10.5"}))
    assert stream.video_duration == Decimal("10.5")
    container = parse_media_info(media_info_xml({**VIDEO, "Duration": ""}))
    assert container.video_duration == Decimal("129.2")


def test_response_errors_survive_pickling() -> None:
    error = CosResponseError(
        "Response/MediaInfo/Format/Size", "'x' is not an integer", request_id="r"
    )
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.element, copy.problem, copy.request_id) == (error.element, error.problem, "r")
    assert str(copy) == str(error)
    assert isinstance(copy, CosError)


_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="\ufffe\uffff"
    ),
    min_size=1,
    max_size=20,
)


@given(
    duration=st.decimals(min_value=0, max_value=10**7, places=6),
    size=st.integers(min_value=0, max_value=10**15),
    fps=st.fractions(min_value=Fraction(1, 1001), max_value=1000),
    frames=st.integers(min_value=0, max_value=10**9),
    codec=_TEXT,
    tracks=st.integers(min_value=0, max_value=4),
)
def test_any_documented_answer_reads_back_exactly(
    duration: Decimal, size: int, fps: Fraction, frames: int, codec: str, tracks: int
) -> None:
    text = f"{duration:.6f}"
    video = {
        **VIDEO,
        "Duration": text,
        "AvgFps": f"{fps.numerator}/{fps.denominator}",
        "NumFrames": str(frames),
        "CodecName": escape(codec),
    }
    audio = [{**AUDIO, "Index": str(i + 1)} for i in range(tracks)]
    info = parse_media_info(media_info_xml(video, audio, {**FORMAT, "Size": str(size)}))
    assert info.video is not None
    assert info.video.duration == duration
    assert info.video.avg_fps == fps
    assert info.video.num_frames == frames
    assert info.video.codec == codec
    assert info.raw["Stream"]["Video"][0]["CodecName"] == codec  # type: ignore[index,call-overload]
    assert info.size == size
    assert [a.index for a in info.audio] == list(range(1, tracks + 1))


# --- the request ------------------------------------------------------------------------------


class Recorder:
    """A MockTransport handler that records requests and plays back responses in order."""

    def __init__(self, *responses: httpx2.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


def ok(body: bytes | None = None, request_id: str = "rid-1") -> httpx2.Response:
    return httpx2.Response(
        200,
        content=media_info_xml() if body is None else body,
        headers={"content-type": "application/xml", "x-cos-request-id": request_id},
    )


def error(status: int, code: str, request_id: str = "rid-e") -> httpx2.Response:
    body = (
        f"<?xml version='1.0' encoding='utf-8' ?><Error><Code>{code}</Code><Message>m</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    ).encode()
    return httpx2.Response(status, content=body, headers={"content-type": "application/xml"})


def _options(recorder: Recorder, **kwargs: object) -> dict[str, Any]:
    options: dict[str, Any] = {
        "credentials": CREDS,
        "clock": lambda: NOW,
        "sign_expires": EXPIRES,
        "retry": RetryPolicy(max_attempts=3, base_backoff=0.0),
        "httpx_args": {"transport": httpx2.MockTransport(recorder)},
    }
    options.update(kwargs)
    return options


def _client(recorder: Recorder, **kwargs: object) -> SnapshotClient:
    return SnapshotClient(BUCKET, REGION, **_options(recorder, **kwargs))


def _sdk_signature(key: str, params: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """What the official SDK's CosS3Auth puts in Authorization for the same request, with the
    query its get_media_info sends ({'ci-process': 'videoinfo'})."""
    conf = CosConfig(Region=REGION, SecretId=CREDS.secret_id, SecretKey=CREDS.secret_key)
    monkeypatch.setattr(sdk_auth, "time", types.SimpleNamespace(time=lambda: NOW))
    auth = sdk_auth.CosS3Auth(conf, key=key, params=params, expire=EXPIRES)
    fake = types.SimpleNamespace(method="GET", url=f"https://{HOST}/", headers={"Host": HOST})
    return str(auth(fake).headers["Authorization"])


def test_the_request_is_get_media_info_signed_as_the_official_sdk_signs_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder = Recorder(ok())
    with _client(recorder) as client:
        info = client.get_media_info("视频/a b+1.mp4")
    assert info.request_id == "rid-1"
    [request] = recorder.requests
    assert request.method == "GET"
    assert request.url.host == HOST
    assert request.url.raw_path == b"/%E8%A7%86%E9%A2%91/a%20b%2B1.mp4?ci-process=videoinfo"
    assert request.url.fragment == ""
    expected = _sdk_signature("视频/a b+1.mp4", {"ci-process": "videoinfo"}, monkeypatch)
    assert request.headers["authorization"] == expected


def test_an_anonymous_client_sends_no_signature() -> None:
    recorder = Recorder(ok())
    with SnapshotClient(
        endpoint_url="http://127.0.0.1:9",
        anonymous=True,
        **{k: v for k, v in _options(recorder).items() if k not in {"credentials", "clock"}},
    ) as client:
        client.get_media_info("a.mp4")
    assert "authorization" not in recorder.requests[0].headers
    assert str(recorder.requests[0].url) == "http://127.0.0.1:9/a.mp4?ci-process=videoinfo"


def test_503_is_retried_and_each_attempt_is_signed_afresh() -> None:
    times = iter([NOW, NOW + 1, NOW + 2, NOW + 3])
    recorder = Recorder(error(503, "ServiceUnavailable"), ok())
    with _client(recorder, clock=lambda: next(times)) as client:
        info = client.get_media_info("a.mp4")
    assert info.size == 272441346
    assert len(recorder.requests) == 2
    signatures = {r.headers["authorization"] for r in recorder.requests}
    assert len(signatures) == 2


def test_an_error_document_is_a_service_error_with_the_request_id_and_not_retried() -> None:
    recorder = Recorder(error(404, "NoSuchKey", request_id="rid-404"))
    with _client(recorder) as client, pytest.raises(CosServiceError) as caught:
        client.get_media_info("missing.mp4")
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (
        404,
        "NoSuchKey",
        "rid-404",
    )
    assert len(recorder.requests) == 1


def test_a_malformed_answer_is_not_retried_and_carries_the_request_id() -> None:
    recorder = Recorder(ok(media_info_xml(format_={**FORMAT, "Duration": "1,5"}), "rid-bad"))
    with _client(recorder) as client, pytest.raises(CosResponseError) as caught:
        client.get_media_info("a.mp4")
    assert caught.value.element == "Response/MediaInfo/Format/Duration"
    assert caught.value.request_id == "rid-bad"
    assert "rid-bad" in str(caught.value)
    assert len(recorder.requests) == 1


def test_a_server_that_sends_the_video_instead_is_cut_off_and_named() -> None:
    video = httpx2.Response(
        200,
        content=b"\x00\x00\x00\x18ftypmp42" + bytes(3 << 20),
        headers={"content-type": "video/mp4"},
    )
    with _client(Recorder(video)) as client, pytest.raises(CosResponseError, match="video/mp4"):
        client.get_media_info("a.mp4")
    small = httpx2.Response(
        200, content=b"\x00\x00\x00\x18ftypmp42", headers={"content-type": "video/mp4"}
    )
    with _client(Recorder(small)) as client, pytest.raises(CosResponseError, match="video/mp4"):
        client.get_media_info("a.mp4")


@pytest.mark.parametrize("key", ["", "/", "a\x00b.mp4", "k" * 851, 5])
def test_a_bad_key_is_refused_before_sending(key: object) -> None:
    recorder = Recorder(ok())
    with _client(recorder) as client, pytest.raises(CosInvalidArgumentError) as caught:
        client.get_media_info(key)  # type: ignore[arg-type]
    assert caught.value.parameter == "key"
    assert recorder.requests == []


async def test_the_async_client_sends_the_same_request_and_retries_the_same() -> None:
    sync_recorder = Recorder(ok())
    with _client(sync_recorder) as client:
        expected = client.get_media_info("dir/a.mp4")
    recorder = Recorder(error(500, "InternalError"), ok())
    async with AsyncSnapshotClient(BUCKET, REGION, **_options(recorder)) as client:
        info = await client.get_media_info("dir/a.mp4")
        with pytest.raises(CosInvalidArgumentError):
            await client.get_media_info("")
    assert info == expected
    assert len(recorder.requests) == 2
    assert recorder.requests[1].url == sync_recorder.requests[0].url
    assert (
        recorder.requests[1].headers["authorization"]
        == (sync_recorder.requests[0].headers["authorization"])
    )


def test_the_presigned_url_carries_the_sdk_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    with _client(Recorder(ok())) as client:
        url = client.presign_media_info_url("视频/a b.mp4", expires=EXPIRES)
        with pytest.raises(CosInvalidArgumentError, match="expires"):
            client.presign_media_info_url("a.mp4", expires=0)
    parts = urlsplit(url)
    assert (parts.netloc, parts.path, parts.fragment) == (HOST, "/%E8%A7%86%E9%A2%91/a%20b.mp4", "")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    signed = {k: v for k, v in query.items() if not k.startswith("q-")}
    assert signed == {"ci-process": "videoinfo"}
    fields = "&".join(f"{k}={v}" for k, v in query.items() if k.startswith("q-"))
    assert fields == _sdk_signature("视频/a b.mp4", signed, monkeypatch)


# --- end to end -------------------------------------------------------------------------------

CRED = Credentials("AKIDMEDIAINFOTEST01", "media-info-test-secret")


@pytest.fixture(scope="module")
def fixture_video(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(
        name="media-info.mp4", duration=2, fps=25, size=(160, 120), rotate=90
    )


# The shipped ``cos_emulator`` knows the key pair the clients here sign with.
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


@pytest.fixture
def emulator(cos_emulator: CosEmulator, fixture_video: FixtureInfo) -> str:
    cos_emulator.put("clip.mp4", fixture_video.path)
    return cos_emulator.endpoint_url


def test_get_media_info_over_http_reads_the_fixtures_truth(
    emulator: str, fixture_video: FixtureInfo
) -> None:
    with SnapshotClient(endpoint_url=emulator, credentials=CRED) as client:
        info: MediaInfo = client.get_media_info("clip.mp4")
        with pytest.raises(CosServiceError) as caught:
            client.get_media_info("missing.mp4")
    assert caught.value.code == "NoSuchKey"
    assert info.request_id
    assert info.video is not None
    # The video stream's duration is when the last frame stops being shown.
    assert (
        info.video_duration == Decimal(fixture_video.end.numerator) / fixture_video.end.denominator
    )
    assert info.video.num_frames == len(fixture_video.times)
    assert info.video.avg_fps == 25
    assert (info.video.width, info.video.height) == fixture_video.stored_size
    assert (info.video.display_width, info.video.display_height) == fixture_video.display_size
    assert info.video.codec == fixture_video.codec
    assert info.audio == ()
    assert info.size == fixture_video.path.stat().st_size
