"""The official SDK (cos-python-sdk-v5) works against the emulator unchanged.

Both ways of pointing it at a local server: ``IP``/``Port`` (the Host header is the bucket's
domain, as in production, and the SDK signs it) and ``Domain='127.0.0.1:N'`` (the SDK signs the
host without the port while sending it with the port).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx2
import pytest
from PIL import Image
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

from cos_snapshot import Credentials
from cos_snapshot.emulator import EmulatorSettings, running_emulator
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
CRED = Credentials("AKIDOFFICIALSDK0001", "official-sdk-secret")
STS = Credentials("AKIDOFFICIALSTS0001", "official-sts-secret", "official-session-token")
VIDEO_KEY = "视频/my clip+1 (final).mp4"
KEYS = ["plain.txt", "dir/sub/file name.txt", "视频/文件 (1)+2.bin", "a+b c/d~e.f"]

# The SDK logs every error response at ERROR level; these are expected here.
logging.getLogger("qcloud_cos").setLevel(logging.CRITICAL)


pytestmark = pytest.mark.cos_emulator(bucket=BUCKET, credentials=(CRED, STS))


@pytest.fixture(scope="module")
def fixture(cos_fixture_video: FixtureVideos) -> FixtureInfo:
    return cos_fixture_video.info(duration=4, fps=25, gop=25, size=(320, 240))


@pytest.fixture
def port(cos_emulator: CosEmulator, fixture: FixtureInfo) -> int:
    """The port of an emulator that knows CRED and STS, holding the video at VIDEO_KEY."""
    cos_emulator.put(VIDEO_KEY, fixture.path)
    port = httpx2.URL(cos_emulator.endpoint_url).port
    assert port is not None
    return port


def _ip_client(port: int, cred: Credentials = CRED) -> CosS3Client:
    conf = CosConfig(
        Scheme="http",
        IP="127.0.0.1",
        Port=port,
        Region=REGION,
        SecretId=cred.secret_id,
        SecretKey=cred.secret_key,
        Token=cred.token,
    )
    return CosS3Client(conf, retry=0)


def _domain_client(port: int, cred: Credentials = CRED) -> CosS3Client:
    conf = CosConfig(
        Scheme="http",
        Domain=f"127.0.0.1:{port}",
        Region=REGION,
        SecretId=cred.secret_id,
        SecretKey=cred.secret_key,
        Token=cred.token,
    )
    return CosS3Client(conf, retry=0)


CLIENTS: dict[str, Callable[[int], CosS3Client]] = {"ip": _ip_client, "domain": _domain_client}


@pytest.fixture(params=sorted(CLIENTS))
def sdk(request: pytest.FixtureRequest, port: int) -> CosS3Client:
    return CLIENTS[request.param](port)


def _body(response: dict[str, object]) -> bytes:
    return response["Body"].get_raw_stream().read()  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("key", KEYS)
def test_put_get_head_delete(sdk: CosS3Client, key: str) -> None:
    data = f"contents of {key}".encode() * 50
    put = sdk.put_object(Bucket=BUCKET, Body=data, Key=key)
    assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert _body(sdk.get_object(Bucket=BUCKET, Key=key)) == data
    head = sdk.head_object(Bucket=BUCKET, Key=key)
    assert int(head["Content-Length"]) == len(data)
    assert head["ETag"] == put["ETag"]
    assert head["x-cos-request-id"]
    sdk.delete_object(Bucket=BUCKET, Key=key)
    with pytest.raises(CosServiceError) as caught:
        sdk.head_object(Bucket=BUCKET, Key=key)
    assert caught.value.get_status_code() == 404
    with pytest.raises(CosServiceError) as caught:
        sdk.get_object(Bucket=BUCKET, Key=key)
    assert caught.value.get_error_code() == "NoSuchKey"
    assert caught.value.get_request_id()


def test_put_with_content_md5(sdk: CosS3Client) -> None:
    sdk.put_object(Bucket=BUCKET, Body=b"md5 checked", Key="md5.txt", EnableMD5=True)
    assert _body(sdk.get_object(Bucket=BUCKET, Key="md5.txt")) == b"md5 checked"


def test_ranged_get(sdk: CosS3Client) -> None:
    sdk.put_object(Bucket=BUCKET, Body=b"0123456789", Key="range.txt")
    assert _body(sdk.get_object(Bucket=BUCKET, Key="range.txt", Range="bytes=2-4")) == b"234"


@pytest.mark.parametrize(
    ("time", "mode"), [("0", "exactframe"), ("1.5", "exactframe"), ("2.99", "keyframe")]
)
def test_get_snapshot_returns_the_frame_at_the_time(
    sdk: CosS3Client, fixture: FixtureInfo, time: str, mode: str
) -> None:
    response = sdk.get_snapshot(Bucket=BUCKET, Key=VIDEO_KEY, Time=time, Mode=mode)
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(_body(response)))
    assert image.format == "JPEG"
    assert image.size == (320, 240)
    expected = (
        fixture.frame_at(Decimal(time))
        if mode == "exactframe"
        else fixture.keyframe_at(Decimal(time))
    )
    assert read_frame_index(image) == expected


def test_get_snapshot_with_size_and_png(sdk: CosS3Client, fixture: FixtureInfo) -> None:
    response = sdk.get_snapshot(
        Bucket=BUCKET, Key=VIDEO_KEY, Time="2", Width="160", Height="0", Format="png", Rotate="off"
    )
    image = Image.open(io.BytesIO(_body(response)))
    assert (image.format, image.size) == ("PNG", (160, 120))
    assert read_frame_index(image) == fixture.frame_at(Decimal(2))


def test_get_snapshot_errors_are_service_errors(sdk: CosS3Client) -> None:
    with pytest.raises(CosServiceError) as caught:
        sdk.get_snapshot(Bucket=BUCKET, Key=VIDEO_KEY, Time="-1")
    assert (caught.value.get_status_code(), caught.value.get_error_code()) == (
        400,
        "InvalidArgument",
    )
    with pytest.raises(CosServiceError) as caught:
        sdk.get_snapshot(Bucket=BUCKET, Key="missing.mp4", Time="1")
    assert caught.value.get_error_code() == "NoSuchKey"


def test_wrong_secret_is_signature_does_not_match(port: int) -> None:
    client = _ip_client(port, Credentials(CRED.secret_id, "wrong"))
    with pytest.raises(CosServiceError) as caught:
        client.get_object(Bucket=BUCKET, Key=VIDEO_KEY)
    assert caught.value.get_error_code() == "SignatureDoesNotMatch"
    assert "<StringToSign>" in caught.value.get_origin_msg()


def test_other_bucket_is_no_such_bucket(port: int) -> None:
    with pytest.raises(CosServiceError) as caught:
        _ip_client(port).get_object(Bucket="otherbucket-1250000000", Key=VIDEO_KEY)
    assert caught.value.get_error_code() == "NoSuchBucket"


@pytest.mark.parametrize("make", [_ip_client, _domain_client], ids=["ip", "domain"])
def test_presigned_snapshot_url_works_with_plain_httpx(
    make: Callable[[int], CosS3Client], port: int, fixture: FixtureInfo
) -> None:
    params = {"ci-process": "snapshot", "time": "3.1", "width": "64", "mode": "exactframe"}
    url = make(port).get_presigned_url(
        Bucket=BUCKET, Key=VIDEO_KEY, Method="GET", Expired=300, Params=params
    )
    response = httpx2.get(url)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (64, 48)
    assert read_frame_index(image) == fixture.frame_at(Decimal("3.1"))


def test_presigned_download_url(port: int) -> None:
    client = _domain_client(port)
    client.put_object(Bucket=BUCKET, Body=b"presigned", Key="dir/pre signed+.txt")
    url = client.get_presigned_download_url(Bucket=BUCKET, Key="dir/pre signed+.txt")
    assert httpx2.get(url).content == b"presigned"


def test_presigned_url_with_a_tampered_param_is_refused(port: int) -> None:
    url = _ip_client(port).get_presigned_url(
        Bucket=BUCKET,
        Key=VIDEO_KEY,
        Method="GET",
        Params={"ci-process": "snapshot", "time": "1"},
    )
    assert url.endswith("&time=1")
    response = httpx2.get(url[: -len("1")] + "2")
    assert response.status_code == 403
    assert "SignatureDoesNotMatch" in response.text


def test_sts_credentials(port: int) -> None:
    client = _ip_client(port, STS)
    client.put_object(Bucket=BUCKET, Body=b"sts", Key="sts.txt")
    assert _body(client.get_object(Bucket=BUCKET, Key="sts.txt")) == b"sts"
    # The SDK's presigned URL leaves the token out unless it is passed as a param.
    bare = client.get_presigned_download_url(Bucket=BUCKET, Key="sts.txt")
    assert "InvalidAccessKeyId" in httpx2.get(bare).text
    with_token = client.get_presigned_download_url(
        Bucket=BUCKET, Key="sts.txt", Params={"x-cos-security-token": STS.token}
    )
    assert httpx2.get(with_token).content == b"sts"


def test_domain_mode_over_ipv6_loopback(tmp_path: Path, fixture: FixtureInfo) -> None:
    """The SDK signs ``urlparse(url).hostname``: ``::1``, without the brackets it sends."""
    # An emulator of its own: the cos_emulator fixture serves on 127.0.0.1 only.
    (tmp_path / VIDEO_KEY).parent.mkdir(parents=True)
    os.link(fixture.path, tmp_path / VIDEO_KEY)
    settings = EmulatorSettings(root=tmp_path, bucket=BUCKET, credentials=(CRED,))
    with running_emulator(settings, host="::1") as url:
        conf = CosConfig(
            Scheme="http",
            Domain=httpx2.URL(url).netloc.decode(),
            Region=REGION,
            SecretId=CRED.secret_id,
            SecretKey=CRED.secret_key,
        )
        sdk = CosS3Client(conf, retry=0)
        response = sdk.get_snapshot(Bucket=BUCKET, Key=VIDEO_KEY, Time="1.5")
        image = b"".join(response["Body"].get_stream(65536))
    assert read_frame_index(image) == fixture.frame_at(Decimal("1.5"))
