"""``cos-snapshot get`` and ``presign`` against the real emulator on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx2
import pytest

from cos_snapshot import CosServiceError, Credentials
from cos_snapshot.cli import main
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

KEY = "cli/视频 one+1.mp4"
CREDS = Credentials("AKIDclitestexample", "cli-secret-key-value")


pytestmark = pytest.mark.cos_emulator(credentials=(CREDS,))


@pytest.fixture
def served(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> tuple[str, FixtureInfo]:
    """The emulator (that knows CREDS) holding the video at KEY, and what the video holds."""
    info = cos_fixture_video.info(name="cli.mp4", duration=2, fps=25, gop=25, size=(160, 120))
    cos_emulator.put(KEY, info.path)
    return cos_emulator.endpoint_url, info


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", CREDS.secret_id)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", CREDS.secret_key)
    monkeypatch.delenv("TENCENTCLOUD_SECURITY_TOKEN", raising=False)
    for name in ("COS_BUCKET", "COS_REGION", "COS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


def test_get_saves_the_frame_at_the_time(
    served: tuple[str, FixtureInfo], env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, info = served
    out = tmp_path / "frame.png"
    code = main(
        [
            "get",
            KEY,
            "--time",
            "1.3",
            "--width",
            "80",
            "--format",
            "png",
            "-o",
            str(out),
            "--endpoint-url",
            url,
        ]
    )
    assert code == 0
    assert read_frame_index(out.read_bytes()) == info.frame_at(1.3)
    assert out.read_bytes().startswith(b"\x89PNG")
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize("where", ["before the command", "after the command"])
def test_get_json_reports_size_and_request_id(
    served: tuple[str, FixtureInfo],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    url, _ = served
    monkeypatch.setenv("COS_ENDPOINT_URL", url)
    out = tmp_path / "f.jpg"
    argv = ["get", KEY, "-t", "0.5", "--height", "60", "-o", str(out)]
    argv = ["--json", *argv] if where == "before the command" else [*argv, "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["width"], result["height"], result["content_type"]) == (80, 60, "image/jpeg")
    assert result["request_id"]


def test_presign_prints_a_url_that_works_without_headers(
    served: tuple[str, FixtureInfo], env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url, info = served
    assert (
        main(
            [
                "presign",
                KEY,
                "--time",
                "0.84",
                "--mode",
                "keyframe",
                "--expires",
                "120",
                "--endpoint-url",
                url,
            ]
        )
        == 0
    )
    presigned = capsys.readouterr().out.strip()
    query = dict(parse_qsl(urlsplit(presigned).query))
    assert query["mode"] == "keyframe"
    assert "q-signature" in query
    response = httpx2.get(presigned)
    assert response.status_code == 200
    assert read_frame_index(response.content) == info.keyframe_at(0.84)


def test_missing_object_is_one_line_on_stderr_and_exit_1(
    served: tuple[str, FixtureInfo], env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = served
    code = main(
        ["get", "cli/nope.mp4", "-t", "1", "-o", str(tmp_path / "x.jpg"), "--endpoint-url", url]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "NoSuchKey" in err
    assert "Traceback" not in err
    assert not (tmp_path / "x.jpg").exists()


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["get", KEY, "-t", "-1"], "--time"),
        (["get", KEY, "-t", "1", "--width", "5000"], "--width"),
        (["get", KEY, "-t", "nan"], "--time"),
    ],
)
def test_invalid_arguments_exit_2_naming_the_option(
    served: tuple[str, FixtureInfo],
    env: None,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    needle: str,
) -> None:
    url, _ = served
    assert main([*argv, "--endpoint-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cos-snapshot: error: {needle}")


def test_no_endpoint_is_a_usage_error(env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["get", KEY, "-t", "1"]) == 2
    assert "--endpoint-url" in capsys.readouterr().err


def test_wrong_secret_gives_signature_error_without_leaking_it(
    served: tuple[str, FixtureInfo],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _ = served
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "the-wrong-secret-key")
    assert main(["get", KEY, "-t", "1", "-o", str(tmp_path / "x.jpg"), "--endpoint-url", url]) == 1
    captured = capsys.readouterr()
    assert "SignatureDoesNotMatch" in captured.err
    assert "the-wrong-secret-key" not in captured.err + captured.out


def test_help_shows_examples_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["get", "--help"])
    assert info.value.code == 0
    assert "examples:" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "exit codes" in capsys.readouterr().out


def test_debug_after_the_command_shows_the_traceback(
    served: tuple[str, FixtureInfo], env: None, tmp_path: Path
) -> None:
    url, _ = served
    argv = ["get", "cli/nope.mp4", "-t", "1", "-o", str(tmp_path / "x.jpg"), "--endpoint-url", url]
    with pytest.raises(CosServiceError):
        main([*argv, "--debug"])
    with pytest.raises(CosServiceError):  # an option after the command keeps one given before
        main(["--debug", *argv, "--json"])


def test_get_takes_the_format_from_the_output_name_when_format_is_not_given(
    served: tuple[str, FixtureInfo], env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, info = served
    for name, magic in [("a.png", b"\x89PNG"), ("b.PNG", b"\x89PNG"), ("c.jpeg", b"\xff\xd8")]:
        out = tmp_path / name
        assert main(["get", KEY, "-t", "1", "-o", str(out), "--endpoint-url", url]) == 0
        assert out.read_bytes().startswith(magic), name
        assert read_frame_index(out.read_bytes()) == info.frame_at(1)
    capsys.readouterr()


@pytest.mark.parametrize(("fmt", "name"), [("png", "x.jpg"), ("jpg", "x.png"), ("png", "x.JPEG")])
def test_get_refuses_a_format_that_contradicts_the_output_name(
    served: tuple[str, FixtureInfo],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fmt: str,
    name: str,
) -> None:
    url, _ = served
    out = tmp_path / name
    argv = ["get", KEY, "-t", "1", "--format", fmt, "-o", str(out), "--endpoint-url", url]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("cos-snapshot: error: --format")
    assert f"--format {fmt}" in err
    assert str(out) in err
    assert not out.exists()


def test_get_to_stdout_writes_the_image_there_and_the_report_to_stderr(
    served: tuple[str, FixtureInfo],
    env: None,
    tmp_path: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, info = served
    monkeypatch.chdir(tmp_path)
    assert main(["get", KEY, "-t", "1", "--format", "png", "-o", "-", "--endpoint-url", url]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out.startswith(b"\x89PNG")
    assert read_frame_index(captured.out) == info.frame_at(1)
    assert b"image/png" in captured.err
    assert not list(tmp_path.iterdir())  # no file named "-"
    assert main(["--json", "get", KEY, "-t", "1", "-o", "-", "--endpoint-url", url]) == 0
    captured = capsysbinary.readouterr()
    assert captured.out.startswith(b"\xff\xd8")  # no name to take a format from: jpg
    assert json.loads(captured.err)["output"] == "-"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--bucket", "bad bucket"), ("--bucket", "examplebucket"), ("--region", "ap/guangzhou")],
)
def test_a_malformed_bucket_or_region_is_refused_beside_an_endpoint_from_the_environment(
    served: tuple[str, FixtureInfo],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    option: str,
    value: str,
) -> None:
    url, _ = served
    monkeypatch.setenv("COS_ENDPOINT_URL", url)
    out = tmp_path / "x.jpg"
    assert main(["get", KEY, "-t", "1", "-o", str(out), option, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"cos-snapshot: error: {option[2:]}: must look like")
    assert repr(value) in err
    assert not out.exists()


def test_the_emulator_needs_no_bucket_and_a_valid_one_beside_it_is_fine(
    served: tuple[str, FixtureInfo],
    env: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, info = served
    monkeypatch.setenv("COS_ENDPOINT_URL", url)
    for extra in ([], ["--bucket", "examplebucket-1250000000", "--region", "ap-guangzhou"]):
        out = tmp_path / "x.jpg"
        assert main(["get", KEY, "-t", "1", "-o", str(out), *extra]) == 0
        assert read_frame_index(out.read_bytes()) == info.frame_at(1)
    capsys.readouterr()
