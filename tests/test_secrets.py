"""Secrets never show: the secret key and the STS token are searched for in every repr, log
line, exception message, error document and command output we can produce, in plain and in
percent-encoded form.

The one place the token must appear is a presigned URL itself (COS reads it from the query
string); that output is checked for the secret key only.
"""

from __future__ import annotations

import http.client
import logging
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

import httpx2
import pytest

from cos_snapshot import (
    AsyncSnapshotClient,
    CosError,
    CosServiceError,
    Credentials,
    RetryPolicy,
    SnapshotClient,
    Transport,
)
from cos_snapshot._client.auth import CosAuth, Signer
from cos_snapshot.emulator import EmulatorSettings, EmulatorThread, FaultSpec
from cos_snapshot.signing import cos_quote
from cos_snapshot.testing.pytest_plugin import FixtureVideos

SECRET_ID = "AKIDSECRETSCAN00001"
SECRET_KEY = "sk-SECRET+KEY/3f9c1a=="
TOKEN = "tok-SECRET+TOKEN/77ab=="
CRED = Credentials(SECRET_ID, SECRET_KEY, TOKEN)
WRONG_KEY = Credentials(SECRET_ID, "not-the-secret-key", TOKEN)
WRONG_TOKEN = Credentials(SECRET_ID, SECRET_KEY, "not-the-token")


def _forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), cos_quote(secret)}


def assert_clean(label: str, text: str, *, token_allowed: bool = False) -> None:
    for form in _forms(SECRET_KEY):
        assert form not in text, f"the secret key shows in {label}"
    if not token_allowed:
        for form in _forms(TOKEN):
            assert form not in text, f"the STS token shows in {label}"


@pytest.fixture(scope="module")
def root(cos_fixture_video: FixtureVideos, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("secrets-root")
    shutil.copy(
        cos_fixture_video.info(name="secrets.mp4", duration=1, size=(160, 120)).path,
        root / "clip.mp4",
    )
    return root


@pytest.fixture(scope="module")
def server(root: Path) -> Iterator[str]:
    # Debug level: every log line the emulator and uvicorn can write goes to the root logger.
    settings = EmulatorSettings(root=root, credentials=(CRED,))
    with EmulatorThread(settings, log_level="debug") as url:
        yield url


def test_reprs_and_strs_hide_the_secrets(root: Path) -> None:
    settings = EmulatorSettings(root=root, credentials=(CRED,), faults=FaultSpec.parse("503=0.1"))
    signer = Signer(CRED)
    objects: list[object] = [
        CRED,
        signer,
        CosAuth(signer),
        settings,
        RetryPolicy(),
        SnapshotClient(endpoint_url="http://127.0.0.1:9", credentials=CRED),
        AsyncSnapshotClient(endpoint_url="http://127.0.0.1:9", credentials=CRED),
    ]
    for obj in objects:
        assert_clean(f"repr of {type(obj).__name__}", repr(obj))
        assert_clean(f"str of {type(obj).__name__}", str(obj))
    assert SECRET_ID not in repr(CRED)


def _fetch(url: str) -> tuple[int, bytes]:
    """GET a URL without any logging HTTP library (a presigned URL is the caller's to log)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _error_texts(error: BaseException) -> list[tuple[str, str]]:
    texts = [
        ("str", str(error)),
        ("repr", repr(error)),
        ("traceback", "".join(traceback.format_exception(error))),
        ("unpickled", repr(pickle.loads(pickle.dumps(error)))),
    ]
    if isinstance(error, CosServiceError):
        texts += [("body", error.body), ("details", repr(error.details))]
    return texts


async def test_client_errors_emulator_logs_and_error_documents_hide_the_secrets(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[CosError] = []
    with SnapshotClient(endpoint_url=server, credentials=CRED) as client:
        assert client.get_snapshot("clip.mp4", 0.5).content_type == "image/jpeg"
        presigned = client.presign_snapshot_url("clip.mp4", 0.5, expires=60)
        assert _fetch(presigned)[0] == 200
        assert_clean("a presigned URL", presigned, token_allowed=True)
        tampered = presigned.replace("time=0.5", "time=0.6")
        status, body = _fetch(tampered)
        assert status == 403
        assert b"SignatureDoesNotMatch" in body
        assert_clean("a SignatureDoesNotMatch document for a presigned URL", body.decode())
        for call in (
            lambda: client.get_snapshot("missing.mp4", 1),
            lambda: client.get_snapshot("clip.mp4", 1, width=5000),
        ):
            with pytest.raises(CosError) as info:
                call()
            errors.append(info.value)
    for credentials in (WRONG_KEY, WRONG_TOKEN):
        async with AsyncSnapshotClient(endpoint_url=server, credentials=credentials) as aclient:
            with pytest.raises(CosServiceError) as service_error:
                await aclient.get_snapshot("clip.mp4", 1)
            errors.append(service_error.value)
    with (
        SnapshotClient(
            endpoint_url="http://127.0.0.1:9",
            credentials=CRED,
            retry=RetryPolicy(max_attempts=2, base_backoff=0),
        ) as offline,
        pytest.raises(CosError) as connection_error,
    ):
        offline.get_snapshot("clip.mp4", 1)
    errors.append(connection_error.value)

    codes = [getattr(e, "code", type(e).__name__) for e in errors]
    assert codes == [
        "NoSuchKey",
        "CosInvalidArgumentError",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "CosConnectionError",
    ]
    signature_error = errors[2]
    assert isinstance(signature_error, CosServiceError)
    assert "<redacted>" in signature_error.details["FormatString"]
    for error in errors:
        for label, text in _error_texts(error):
            assert_clean(f"the {label} of {type(error).__name__}", text)
    assert any(r.name.startswith("uvicorn") for r in caplog.records)
    assert_clean("the debug log (emulator, uvicorn, httpx2)", caplog.text)


async def test_async_client_errors_hide_the_secrets_on_both_transports(
    server: str, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[CosError] = []
    provided = AsyncSnapshotClient(
        endpoint_url=server, credentials=lambda: WRONG_KEY, transport=transport
    )
    assert_clean(f"repr of a client on {transport}", repr(provided))
    clients = [
        AsyncSnapshotClient(endpoint_url=server, credentials=WRONG_TOKEN, transport=transport),
        provided,
        AsyncSnapshotClient(
            endpoint_url="http://127.0.0.1:9",
            credentials=CRED,
            transport=transport,
            retry=RetryPolicy(max_attempts=2, base_backoff=0),
        ),
    ]
    for client in clients:
        async with client:
            assert_clean(f"repr of a client on {transport}", repr(client))
            with pytest.raises(CosError) as info:
                await client.get_snapshot("clip.mp4", 1)
            errors.append(info.value)
    codes = [getattr(e, "code", type(e).__name__) for e in errors]
    assert codes == ["InvalidAccessKeyId", "SignatureDoesNotMatch", "CosConnectionError"]
    for error in errors:
        for label, text in _error_texts(error):
            assert_clean(f"the {label} of {type(error).__name__} on {transport}", text)
    assert_clean(f"the debug log ({transport})", caplog.text)


# --- the command line --------------------------------------------------------------------------


def _run_cli(*args: str, credentials: Credentials = CRED, cwd: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "TENCENTCLOUD_SECRET_ID": credentials.secret_id,
        "TENCENTCLOUD_SECRET_KEY": credentials.secret_key,
        "TENCENTCLOUD_SECURITY_TOKEN": credentials.token or "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "cos_snapshot.cli", "--debug", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_cli_commands_with_debug_hide_the_secrets(server: str, tmp_path: Path) -> None:
    where = ["--endpoint-url", server]
    code, output = _run_cli("get", "clip.mp4", "--time", "0.5", "-o", "a.jpg", *where, cwd=tmp_path)
    assert code == 0, output
    assert (tmp_path / "a.jpg").read_bytes().startswith(b"\xff\xd8")
    assert_clean("cos-snapshot --debug get", output)

    runs = {
        "a wrong secret key": ("get", "clip.mp4", "-t", "1", *where, WRONG_KEY, "SignatureDoesNotMatch"),
        "a wrong token": ("get", "clip.mp4", "-t", "1", *where, WRONG_TOKEN, "InvalidAccessKeyId"),
        "a missing key": ("get", "missing.mp4", "-t", "1", *where, CRED, "NoSuchKey"),
        "a bad argument": ("get", "clip.mp4", "-t", "-1", *where, CRED, "time"),
        "no server": (
            "get", "clip.mp4", "-t", "1", "--endpoint-url", "http://127.0.0.1:9", CRED,
            "CosConnectionError",
        ),
    }  # fmt: skip
    for label, (*args, credentials, expected) in runs.items():
        assert isinstance(credentials, Credentials)
        code, output = _run_cli(*map(str, args), credentials=credentials, cwd=tmp_path)
        assert code != 0, output
        assert "Traceback" in output  # --debug shows the whole story...
        assert str(expected) in output
        assert_clean(f"cos-snapshot --debug get with {label}", output)  # ...but not the secrets

    code, output = _run_cli("presign", "clip.mp4", "-t", "1", *where, cwd=tmp_path)
    assert code == 0, output
    assert_clean("cos-snapshot --debug presign", output, token_allowed=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("level", ["debug", "trace"])
def test_serve_logs_no_secrets(root: Path, tmp_path: Path, level: str) -> None:
    """At trace level uvicorn also logs every request's scope: its query string and headers."""
    port = _free_port()
    log = tmp_path / "serve.log"
    command = [
        sys.executable, "-m", "cos_snapshot.cli", "--debug", "serve", "--root", str(root),
        "--port", str(port), "--secret-id", SECRET_ID, "--secret-key", SECRET_KEY,
        "--token", TOKEN, "--log-level", level,
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                httpx2.head(url, timeout=1)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.1)
        with SnapshotClient(endpoint_url=url, credentials=CRED) as client:
            client.get_snapshot("clip.mp4", 0.5)
            presigned = client.presign_snapshot_url("clip.mp4", 0.5)
        assert _fetch(presigned)[0] == 200
        assert _fetch(presigned.replace("time=0.5", "time=0.7"))[0] == 403
        with (
            SnapshotClient(endpoint_url=url, credentials=WRONG_KEY) as wrong,
            pytest.raises(CosServiceError, match="SignatureDoesNotMatch"),
        ):
            wrong.get_snapshot("clip.mp4", 0.5)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "GET /clip.mp4?ci-process=snapshot" in text  # the access log is on...
    assert "x-cos-security-token=<redacted>" in text  # ...and hides the presigned token
    assert "q-signature=<redacted>" in text  # and its signature, good for its whole window
    signature = parse_qs(urlsplit(presigned).query)["q-signature"][0]
    assert signature not in text
    assert_clean(f"cos-snapshot serve --log-level {level}", text)
