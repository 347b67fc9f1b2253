"""``cos-snapshot info KEY`` over real HTTP on loopback.

A raw-socket server (tests/raw_server.py) plays the service with the vendor's example document (built by hand
in test_media_info from the vendor's values) for a GetMediaInfo request and a COS error
otherwise; the official SDK's get_media_info reads the same server, as an oracle for
``--json``'s ``raw``. One run goes against the emulator's own ``ci-process=videoinfo``.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from raw_server import RawServer
from test_media_info import FORMAT, media_info_xml

from cos_snapshot import Credentials
from cos_snapshot.cli import main
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

ROTATED = media_info_xml(
    {"Width": "1920", "Height": "1080", "Rotation": "-90.000000", "AvgFps": "30000/1001"},
    audio=[],
    format_={**FORMAT, "Duration": "10.010000"},
)
ANSWERS = {
    "/videos/intro.mp4": media_info_xml(),
    "/videos/rotated.mp4": ROTATED,
    "/videos/bad.mp4": media_info_xml(format_={**FORMAT, "Size": "big"}),
    "/videos/digits.mp4": media_info_xml({"Dar": "9" * 4301 + "/16"}),
    "/videos/deep.mp4": media_info_xml({"Width": "<W>" * 100_000 + "</W>" * 100_000}),
}


def _answer(server: RawServer, conn: socket.socket) -> None:
    """One request, one answer, then the connection closes (as an HTTP/1.0 server's does)."""
    head = server.read_request(conn)
    if not head:
        return
    url = urlsplit(head.split(b" ", 2)[1].decode("latin-1"))
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    body = ANSWERS.get(unquote(url.path))
    if query != {"ci-process": "videoinfo"} or body is None:
        status, reason, body = (
            404,
            "Not Found",
            (
                b"<?xml version='1.0' encoding='utf-8' ?><Error><Code>NoSuchKey</Code>"
                b"<Message>The specified key does not exist.</Message>"
                b"<RequestId>rid-404</RequestId></Error>"
            ),
        )
    else:
        status, reason = 200, "OK"
    conn.sendall(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\n"
        f"Content-Length: {len(body)}\r\nx-cos-request-id: rid-{status}\r\n"
        "Connection: close\r\n\r\n".encode()
        + body
    )


@pytest.fixture(scope="module")
def service() -> Iterator[str]:
    server = RawServer(lambda conn: _answer(server, conn))
    try:
        yield server.url
    finally:
        server.close()


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("COS_BUCKET", "COS_REGION", "COS_ENDPOINT_URL", "TENCENTCLOUD_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDinfotestexample")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "info-test-secret")


def test_info_prints_a_line_each(service: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["info", "videos/intro.mp4", "--endpoint-url", service])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "duration: 129.2 s",
        "size: 1080x1920, displayed 1080x1920",
        "frame rate: 30 fps",
        "frames: 3876",
        "codec: h264 (High, yuvj420p)",
        "rotation: 0 degrees",
        "audio: 1 track: aac 44100 Hz stereo",
        "file: 272441346 bytes, mov,mp4,m4a,3gp,3g2,mj2",
    ]


def test_info_shows_the_displayed_size_and_a_fractional_rate(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["info", "videos/rotated.mp4", "--endpoint-url", service, "--anonymous"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    # No video Duration: the container's.
    assert lines[0] == "duration: 10.01 s"
    assert "size: 1920x1080, displayed 1080x1920" in lines
    assert "frame rate: 30000/1001 fps (about 29.970)" in lines
    assert "frames: unknown" in lines
    assert "rotation: -90 degrees (shown turned 90° clockwise)" in lines
    assert "audio: 0 tracks" in lines


@pytest.mark.parametrize(
    ("key", "element"),
    [
        ("videos/digits.mp4", "Response/MediaInfo/Stream/Video[0]/Dar"),
        ("videos/deep.mp4", "Response/MediaInfo/Stream/Video/…"),
    ],
)
def test_a_hostile_answer_exits_1_with_one_line_naming_the_element(
    service: str, capsys: pytest.CaptureFixture[str], key: str, element: str
) -> None:
    code = main(["info", key, "--endpoint-url", service])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert element in err


def test_a_missing_region_names_it_and_its_variable(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["info", "videos/intro.mp4", "--bucket", "examplebucket-1250000000"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--region (or COS_REGION)" in err
    assert "--bucket" not in err.replace("--bucket and", "")


def test_info_json_is_the_media_info_with_exact_values(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--json", "info", "videos/intro.mp4", "--endpoint-url", service])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["key"] == "videos/intro.mp4"
    assert data["duration"] == "129.200000"
    assert data["size"] == 272441346
    assert data["request_id"] == "rid-200"
    assert data["video"]["display_width"] == 1080
    assert data["video"]["fps"] == "61/2"
    assert data["audio"][0]["channels"] == 2
    assert data["raw"]["Format"]["FormatName"] == "mov,mp4,m4a,3gp,3g2,mj2"


def test_a_missing_object_is_one_line_and_exit_1(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["info", "videos/none.mp4", "--endpoint-url", service])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "NoSuchKey" in err
    assert "rid-404" in err


def test_a_malformed_answer_names_the_element_and_exits_1(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--json", "info", "videos/bad.mp4", "--endpoint-url", service])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err.count("\n") == 1
    assert "Response/MediaInfo/Format/Size" in err
    assert "'big'" in err


def test_the_official_sdk_reads_the_answer_as_info_json_shows_it(
    service: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from qcloud_cos import CosConfig, CosS3Client  # noqa: PLC0415

    port = int(service.rsplit(":", 1)[1])
    conf = CosConfig(
        Domain=f"127.0.0.1:{port}",
        Scheme="http",
        Region="ap-guangzhou",
        SecretId="AKIDinfotestexample",
        SecretKey="info-test-secret",
    )
    sdk = CosS3Client(conf, retry=0).get_media_info(
        Bucket="examplebucket-1250000000", Key="videos/intro.mp4"
    )
    assert main(["--json", "info", "videos/intro.mp4", "--endpoint-url", service]) == 0
    raw = json.loads(capsys.readouterr().out)["raw"]

    def leaves(node: object, path: str = "") -> dict[str, object]:
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

    assert leaves(raw) == leaves(sdk["MediaInfo"])
    assert leaves(raw)["/Format/Duration"] == "129.200000"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["info", "/", "--endpoint-url", "http://127.0.0.1:9"], "key"),
        (["info", "a.mp4"], "--endpoint-url"),
    ],
)
def test_bad_usage_exits_2_with_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert needle in err


def test_help_has_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["info", "--help"])
    out = capsys.readouterr().out
    assert "cos-snapshot info videos/intro.mp4" in out
    assert "exit codes" in out


CRED = Credentials("AKIDinfotestexample", "info-test-secret")


# The shipped ``cos_emulator`` knows the key pair the command finds in the environment.
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


@pytest.fixture
def emulator(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> str:
    video = cos_fixture_video(name="info.mp4", duration=2, fps=25, size=(160, 120), rotate=90)
    cos_emulator.put("clip.mp4", video)
    return cos_emulator.endpoint_url


def test_info_against_the_emulator(emulator: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["info", "clip.mp4", "--endpoint-url", emulator])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[:6] == [
        "duration: 2 s",
        "size: 160x120, displayed 120x160",
        "frame rate: 25 fps",
        "frames: 50",
        lines[4],  # the codec's profile and pixel format are the encoder's choice
        # make-fixture's rotate=90 is clockwise; the emulator answers counter-clockwise
        # degrees, as FFmpeg reports them, and info says which way that turns the picture.
        "rotation: -90 degrees (shown turned 90° clockwise)",
    ]
    assert lines[4].startswith("codec: h264")
    assert "audio: 0 tracks" in lines


def test_info_json_keeps_the_rotation_as_sent(
    emulator: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "info", "clip.mp4", "--endpoint-url", emulator]) == 0
    video = json.loads(capsys.readouterr().out)["video"]
    assert video["rotation"] == "-90.000000"
