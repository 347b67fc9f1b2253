"""Snapshot jobs on the emulator (POST /jobs and friends), driven by the official SDK unchanged
and by raw signed requests: outputs and sprites in the bucket show the right frames."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from fractions import Fraction
from typing import Any

import httpx2
import pytest
from PIL import Image
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError
from sdk_helpers import official_sdk

from cos_snapshot import Credentials
from cos_snapshot.emulator.errors import EmulatorError
from cos_snapshot.emulator.jobs.store import parse_list_query
from cos_snapshot.signing import build_authorization
from cos_snapshot.testing import FixtureInfo, read_frame_index
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

logging.getLogger("qcloud_cos").setLevel(logging.CRITICAL)

# A small video: 4 s at 25 fps, a keyframe every second (the shipped fixture's defaults).
VIDEO = {"duration": 4, "fps": 25, "gop": 25, "size": (320, 240)}


@pytest.fixture
def video(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> FixtureInfo:
    info = cos_fixture_video.info(**VIDEO)
    cos_emulator.put("demo.mp4", info.path)
    return info


def _demo_body(bucket: str, region: str) -> dict[str, Any]:
    """The body of the vendor's own demo (cos-python-sdk-v5 demo/ci_media.py,
    ci_create_media_snapshot_jobs), on our bucket."""
    return {
        "Input": {"Object": "demo.mp4"},
        "Tag": "Snapshot",
        "Operation": {
            "Snapshot": {
                "Mode": "Interval",
                "Width": "1280",
                "Height": "1280",
                "Start": "0",
                "TimeInterval": "",
                "Count": "1",
                "SnapshotOutMode": "SnapshotAndSprite",
                "SpriteSnapshotConfig": {
                    "CellHeight": "128",
                    "CellWidth": "128",
                    "Color": "White",
                    "Columns": "10",
                    "Lines": "10",
                    "Margin": "0",
                    "Padding": "0",
                },
            },
            "Output": {
                "Bucket": bucket,
                "Region": region,
                "Object": "snapshot-${Number}.jpg",
                "SpriteObject": "sprite-snapshot-${Number}.jpg",
            },
        },
    }


def _wait(sdk: Any, bucket: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        answer = sdk.ci_get_media_jobs(Bucket=bucket, JobIDs=job_id)
        detail: dict[str, Any] = answer["JobsDetail"][0]
        if detail["State"] in ("Success", "Failed", "Cancel") or time.monotonic() > deadline:
            return detail
        time.sleep(0.02)


def _image(cos_emulator: CosEmulator, key: str) -> Image.Image:
    return Image.open(io.BytesIO((cos_emulator.root / key).read_bytes())).convert("RGB")


def _authorization(
    cos_emulator: CosEmulator, method: str, path: str, params: dict[str, str] | None = None
) -> str:
    """An Authorization header for a raw request to the emulator (``path`` as signed)."""
    credentials = cos_emulator.credentials
    assert credentials is not None
    now = int(time.time())
    return build_authorization(
        secret_id=credentials.secret_id,
        secret_key=credentials.secret_key,
        method=method,
        path=path,
        params=params or {},
        headers={},
        start=now - 60,
        end=now + 600,
    )


def _submit(sdk: Any, bucket: str, snapshot: dict[str, Any], **output: str) -> str:
    body = {
        "Input": {"Object": "demo.mp4"},
        "Tag": "Snapshot",
        "Operation": {
            "Snapshot": snapshot,
            "Output": {"Object": "out/shot-${Number}.jpg", **output},
        },
    }
    answer = sdk.ci_create_media_jobs(Bucket=bucket, Jobs=body, Lst={})
    job_id: str = answer["JobsDetail"][0]["JobId"]
    return job_id


def test_the_official_sdk_runs_the_vendor_demo_job(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    answer = sdk.ci_create_media_jobs(
        Bucket=bucket,
        Jobs=_demo_body(bucket, cos_emulator.region),
        Lst={},
        ContentType="application/xml",
    )
    submitted = answer["JobsDetail"][0]
    assert submitted["State"] in ("Submitted", "Running", "Success")
    assert submitted["Tag"] == "Snapshot"
    assert submitted["CreationTime"][-5:] == "+0800"
    detail = _wait(sdk, bucket, submitted["JobId"])
    assert detail["State"] == "Success", detail
    result = detail["Operation"]["MediaResult"]
    assert result["OutputFile"]["ObjectName"] == "snapshot-0.jpg"
    assert result["SpriteOutputFile"]["ObjectName"] == "sprite-snapshot-0.jpg"
    assert detail["Operation"]["Snapshot"]["Count"] == "1"
    assert detail["Operation"]["MediaInfo"]["Format"]["Duration"]
    # Width and Height both given: stretched, as GetSnapshot sizes.
    shot = _image(cos_emulator, "snapshot-0.jpg")
    assert shot.size == (1280, 1280)
    assert read_frame_index(shot.resize((320, 240))) == video.frame_at(0)
    # A 10 x 10 sprite of 128 x 128 cells, one filled, the rest white.
    sprite = _image(cos_emulator, "sprite-snapshot-0.jpg")
    assert sprite.size == (1280, 1280)
    assert read_frame_index(sprite.crop((0, 0, 128, 128)).resize((320, 240))) == 0
    r, g, b = sprite.getpixel((1000, 1000))  # type: ignore[misc]
    assert min(r, g, b) > 240
    # The outputs are objects: listed and read like any other.
    listed = sdk.list_objects(Bucket=bucket)
    keys = {item["Key"] for item in listed["Contents"]}
    assert {"snapshot-0.jpg", "sprite-snapshot-0.jpg"} <= keys
    md5 = result["OutputFile"]["Md5Info"]["Md5"]
    head = sdk.head_object(Bucket=bucket, Key="snapshot-0.jpg")
    assert head["ETag"].strip('"') == md5


def test_interval_shots_show_the_frames_on_screen_and_sprites_tile_them(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    job_id = _submit(
        sdk,
        bucket,
        {
            "Mode": "Interval",
            "Start": "0.5",
            "TimeInterval": "0.7",
            "Width": "160",
            "SnapshotOutMode": "SnapshotAndSprite",
            "SpriteSnapshotConfig": {
                "Color": "#FF0000",
                "Columns": "2",
                "Lines": "2",
                "Padding": "4",
                "Margin": "3",
            },
        },
        SpriteObject="out/sprite-${number}.jpg",
    )
    detail = _wait(sdk, bucket, job_id)
    assert detail["State"] == "Success", detail
    times = [Fraction(1, 2) + Fraction(7, 10) * i for i in range(5)]  # 0.5 … 3.3 (< 4 s)
    names = detail["Operation"]["MediaResult"]["OutputFile"]["ObjectName"]
    assert names == [f"shot-{i}.jpg" for i in range(5)]
    assert detail["Operation"]["MediaResult"]["OutputFile"]["ObjectPrefix"] == "out/"
    for number, at in enumerate(times):
        shot = _image(cos_emulator, f"out/shot-{number}.jpg")
        assert shot.size == (160, 120)  # Width alone keeps the aspect
        assert read_frame_index(shot.resize((320, 240))) == video.frame_at(at)
    # 5 shots, 2 x 2 a sheet: 2 sheets; Margin outside, Padding between (ffmpeg's tile).
    sprites = detail["Operation"]["MediaResult"]["SpriteOutputFile"]["ObjectName"]
    assert sprites == ["sprite-0.jpg", "sprite-1.jpg"]
    for number in range(2):
        sheet = _image(cos_emulator, f"out/sprite-{number}.jpg")
        assert sheet.size == (3 + 160 + 4 + 160 + 3, 3 + 120 + 4 + 120 + 3)
        for slot in range(4):
            shot_number = 4 * number + slot
            row, column = divmod(slot, 2)
            x, y = 3 + column * 164, 3 + row * 124
            cell = sheet.crop((x, y, x + 160, y + 120)).resize((320, 240))
            if shot_number < 5:
                assert read_frame_index(cell) == video.frame_at(times[shot_number])
            else:
                r, g, b = cell.getpixel((160, 120))  # type: ignore[misc]
                assert (r > 200, g < 60, b < 60) == (True, True, True)  # an empty cell: Color
    r, g, b = _image(cos_emulator, "out/sprite-0.jpg").getpixel((1, 1))  # type: ignore[misc]
    assert (r > 200, g < 60, b < 60) == (True, True, True)  # the margin too


def test_average_spreads_count_shots_from_start_to_the_end(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    job_id = _submit(sdk, cos_emulator.bucket, {"Mode": "Average", "Start": "1", "Count": "6"})
    detail = _wait(sdk, cos_emulator.bucket, job_id)
    assert detail["State"] == "Success", detail
    for number in range(6):
        at = 1 + Fraction(3 * number, 6)  # 1, 1.5, … 3.5: the end excluded
        shot = _image(cos_emulator, f"out/shot-{number}.jpg")
        assert shot.size == (320, 240)
        assert read_frame_index(shot) == video.frame_at(at)
    assert not (cos_emulator.root / "out/shot-6.jpg").exists()


def test_keyframe_mode_takes_the_keyframes_from_start_bounded_by_count(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    job_id = _submit(sdk, cos_emulator.bucket, {"Mode": "KeyFrame", "Start": "0.5", "Count": "2"})
    detail = _wait(sdk, cos_emulator.bucket, job_id)
    assert detail["State"] == "Success", detail
    expected = [k for k in video.keyframes if video.times[k] >= Fraction(1, 2)][:2]
    got = [read_frame_index(_image(cos_emulator, f"out/shot-{n}.jpg")) for n in range(2)]
    assert got == expected
    assert not (cos_emulator.root / "out/shot-2.jpg").exists()


@pytest.mark.cos_emulator(job_decoders=2)
def test_a_job_shared_between_two_decoders_numbers_its_shots_in_order(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    # Every 0.2 s from 0: four GOPs, alternate ones on each decoder, a shot on each keyframe
    # (where a decoder's stretch starts).
    sdk = official_sdk(cos_emulator)
    job_id = _submit(
        sdk,
        cos_emulator.bucket,
        {
            "Mode": "Interval",
            "Start": "0",
            "TimeInterval": "0.2",
            "Count": "20",
            "SnapshotOutMode": "SnapshotAndSprite",
            "SpriteSnapshotConfig": {"Color": "black", "Columns": "20", "Lines": "1"},
        },
        SpriteObject="out/sprite-${Number}.jpg",
    )
    detail = _wait(sdk, cos_emulator.bucket, job_id)
    assert detail["State"] == "Success", detail
    times = [Fraction(n, 5) for n in range(20)]  # 0 … 3.8 s (frame 95)
    got = [read_frame_index(_image(cos_emulator, f"out/shot-{n}.jpg")) for n in range(20)]
    assert got == [video.frame_at(t) for t in times]
    assert {0, 25, 50, 75} <= set(got)


@pytest.mark.cos_emulator(job_workers=1)
def test_list_get_and_cancel_through_the_official_sdk(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    # One worker: the long job runs, the second waits, so cancelling it is certain to catch it.
    long = {"Mode": "Interval", "TimeInterval": "0.04", "Width": "4096", "Height": "4096"}
    first = _submit(sdk, bucket, long)
    second = _submit(sdk, bucket, {"Mode": "Average", "Count": "3"})
    assert sdk.ci_cancel_jobs(Bucket=bucket, JobID=second) == ""
    answer = sdk.ci_get_media_jobs(Bucket=bucket, JobIDs=f"{second},jnosuchjob")
    assert answer["JobsDetail"][0]["State"] == "Cancel"
    assert answer["NonExistJobIds"] == "jnosuchjob"
    listed = sdk.ci_list_media_jobs(Bucket=bucket, Tag="Snapshot", States="Cancel", Size=100)
    assert second in [job["JobId"] for job in listed["JobsDetail"]]
    assert first not in [job["JobId"] for job in listed["JobsDetail"]]
    sdk.ci_cancel_jobs(Bucket=bucket, JobID=first)
    assert _wait(sdk, bucket, first)["State"] == "Cancel"
    with pytest.raises(CosServiceError) as caught:
        sdk.ci_cancel_jobs(Bucket=bucket, JobID=first)  # it has ended
    assert caught.value.get_status_code() == 400


def test_a_missing_input_or_one_that_is_not_a_video_fails_the_job(
    cos_emulator: CosEmulator,
) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    missing = _wait(sdk, bucket, _submit(sdk, bucket, {"Count": "1"}))
    assert (missing["State"], missing["Code"]) == ("Failed", "InputNotExist")
    cos_emulator.put("demo.mp4", b"not a video at all")
    bad = _wait(sdk, bucket, _submit(sdk, bucket, {"Count": "1"}))
    assert (bad["State"], bad["Code"]) == ("Failed", "InvalidInput")


@pytest.mark.parametrize(
    ("snapshot", "output", "element"),
    [
        ({"Count": "0"}, "a-${Number}.jpg", "Snapshot/Count"),
        ({"Count": "10001"}, "a-${Number}.jpg", "Snapshot/Count"),
        ({"Count": "-1"}, "a-${Number}.jpg", "Snapshot/Count: -1 is outside (0, 10000]"),
        (
            {"Count": "99999999999"},
            "a-${Number}.jpg",
            "Snapshot/Count: 99999999999 is outside (0, 10000]",
        ),
        ({"Count": "1x"}, "a-${Number}.jpg", "Snapshot/Count: '1x' is not a whole number"),
        ({"Start": "-1"}, "a-${Number}.jpg", "Snapshot/Start: -1 is outside [0, "),
        ({"TimeInterval": "3600.5"}, "a-${Number}.jpg", "Snapshot/TimeInterval"),
        ({"Width": "127"}, "a-${Number}.jpg", "Snapshot/Width"),
        ({"Mode": "Sometimes"}, "a-${Number}.jpg", "Snapshot/Mode"),
        ({"Mode": "Average"}, "a-${Number}.jpg", "Snapshot/Count"),
        ({"Count": "1"}, "a.jpg", "Output/Object"),
        ({"Count": "1"}, "../a-${Number}.jpg", "Output/Object"),
        ({"Count": "1"}, "jobs/a-${Number}.jpg", "Output/Object"),
        ({"Count": "1"}, ".cos-emulator-tmp/a-${Number}.jpg", "Output/Object"),
        (
            {"SnapshotOutMode": "OnlySprite", "SpriteSnapshotConfig": {"Columns": "2"}},
            "a-${Number}.jpg",
            "SpriteSnapshotConfig/Color",
        ),
        (
            {
                "SnapshotOutMode": "OnlySprite",
                "SpriteSnapshotConfig": {"Color": "nocolour", "Columns": "1", "Lines": "1"},
            },
            "a-${Number}.jpg",
            "SpriteSnapshotConfig/Color",
        ),
    ],
)
def test_a_spec_out_of_range_is_refused_naming_the_element(
    cos_emulator: CosEmulator, snapshot: dict[str, Any], output: str, element: str
) -> None:
    sdk = official_sdk(cos_emulator)
    body = {
        "Input": {"Object": "demo.mp4"},
        "Tag": "Snapshot",
        "Operation": {
            "Snapshot": snapshot,
            "Output": {"Object": output, "SpriteObject": "s-${Number}.jpg"},
        },
    }
    with pytest.raises(CosServiceError) as caught:
        sdk.ci_create_media_jobs(Bucket=cos_emulator.bucket, Jobs=body, Lst={})
    assert caught.value.get_status_code() == 400
    assert caught.value.get_error_code() == "InvalidArgument"
    assert element in caught.value.get_error_msg()


def test_an_output_in_another_bucket_is_refused_and_input_echoes_the_request(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    # The emulator writes into its own root: an Output/Bucket naming another bucket would be
    # written there and reported Success, as if the other bucket had the shots.
    sdk = official_sdk(cos_emulator)
    with pytest.raises(CosServiceError) as caught:
        _submit(sdk, cos_emulator.bucket, {"Count": "1"}, Bucket="other-1250000000", Region="ap-x")
    assert caught.value.get_status_code() == 400
    assert caught.value.get_error_code() == "InvalidArgument"
    assert "Request/Operation/Output/Bucket" in caught.value.get_error_msg()
    assert "other-1250000000" in caught.value.get_error_msg()
    assert not (cos_emulator.root / "out").exists()
    # Its own bucket (any case) is taken; Input is the bucket and region the request was
    # sent to, not the output's.
    job_id = _submit(
        sdk,
        cos_emulator.bucket,
        {"Count": "1"},
        Bucket=cos_emulator.bucket.upper(),
        Region="ap-elsewhere",
    )
    detail = _wait(sdk, cos_emulator.bucket, job_id)
    assert detail["State"] == "Success", detail
    assert detail["Input"] == {
        "Region": cos_emulator.region,
        "Bucket": cos_emulator.bucket,
        "Object": "demo.mp4",
    }


def test_job_keys_are_reserved(cos_emulator: CosEmulator) -> None:
    sdk = official_sdk(cos_emulator)
    with pytest.raises(CosServiceError) as caught:
        sdk.put_object(Bucket=cos_emulator.bucket, Key="jobs/x.jpg", Body=b"x")
    assert caught.value.get_status_code() == 400
    assert not (cos_emulator.root / "jobs").exists()


@pytest.mark.cos_emulator(read_only=True)
def test_a_read_only_emulator_refuses_a_job(cos_emulator: CosEmulator) -> None:
    sdk = official_sdk(cos_emulator)
    with pytest.raises(CosServiceError) as caught:
        _submit(sdk, cos_emulator.bucket, {"Count": "1"})
    assert caught.value.get_status_code() == 403


def test_the_answers_are_the_vendors_documents(cos_emulator: CosEmulator) -> None:
    """Raw: the comma of two ids encoded in the path, x-ci-request-id, the root elements."""

    def get(path: str, decoded: str) -> httpx2.Response:
        auth = _authorization(cos_emulator, "GET", decoded)
        return httpx2.get(cos_emulator.endpoint_url + path, headers={"Authorization": auth})

    answer = get("/jobs/ja%2Cjb", "/jobs/ja,jb")
    assert answer.status_code == 200, answer.text
    assert answer.headers["x-ci-request-id"]
    root = ET.fromstring(answer.content)
    assert root.tag == "Response"
    assert [e.text for e in root.findall("NonExistJobIds")] == ["ja", "jb"]


@pytest.mark.parametrize(
    ("method", "path", "decoded"),
    [
        # Found by schemathesis (contract_tests/test_schema.py): answered 200 with the bytes
        # echoed in NonExistJobIds.
        ("GET", "/jobs/%C3%97%C3%B8%C2%9B", "/jobs/\u00d7\u00f8\u009b"),
        ("GET", "/jobs/ja,,jb", "/jobs/ja,,jb"),
        ("GET", "/jobs/ja,", "/jobs/ja,"),
        ("PUT", "/jobs/j%20a?cancel", "/jobs/j a"),
        ("PUT", "/jobs/ja,jb?cancel", "/jobs/ja,jb"),
    ],
)
def test_an_id_that_is_not_letters_digits_dash_or_underscore_is_refused(
    cos_emulator: CosEmulator, method: str, path: str, decoded: str
) -> None:
    auth = _authorization(cos_emulator, method, decoded)
    answer = httpx2.request(
        method, cos_emulator.endpoint_url + path, headers={"Authorization": auth}
    )
    assert answer.status_code == 400, answer.text
    assert ET.fromstring(answer.content).findtext("Code") == "InvalidArgument"


def test_a_path_of_many_ids_longer_than_a_key_is_read(cos_emulator: CosEmulator) -> None:
    """Found by schemathesis: ids are no object keys, and 50 of them (as the client asks at
    once; the spec allows 2048 characters) are longer than a key's 850 bytes."""
    ids = [f"j{number:032x}" for number in range(50)]
    path = "/jobs/" + ",".join(ids)
    auth = _authorization(cos_emulator, "GET", path)
    answer = httpx2.get(cos_emulator.endpoint_url + path, headers={"Authorization": auth})
    assert answer.status_code == 200, answer.text
    assert [e.text for e in ET.fromstring(answer.content).findall("NonExistJobIds")] == ids
    auth = _authorization(cos_emulator, "GET", "/" + "k" * 851)
    answer = httpx2.get(
        cos_emulator.endpoint_url + "/" + "k" * 851, headers={"Authorization": auth}
    )
    assert ET.fromstring(answer.content).findtext("Code") == "KeyTooLong"


@pytest.mark.parametrize("states", ["All,Success", "Cancel,All", "All"])
def test_all_in_a_list_of_states_is_every_state(cos_emulator: CosEmulator, states: str) -> None:
    """Found by schemathesis: the spec (and the vendor) allow All among other states."""
    params = {"tag": "Snapshot", "states": states}
    auth = _authorization(cos_emulator, "GET", "/jobs", params)
    answer = httpx2.get(
        cos_emulator.endpoint_url + "/jobs", params=params, headers={"Authorization": auth}
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    "params",
    [
        # Found by schemathesis: answered 200 as if tag were Snapshot.
        {"tag": None},
        # Found by schemathesis: answered 200 with no jobs.
        {"queueId": "\u0086\u00c9 queue"},
        {"queueId": "q" * 65},
        {"inputObject": "a\nb.mp4"},
        {"inputObject": "k" * 851},
    ],
)
def test_a_list_filter_outside_the_spec_is_refused(
    cos_emulator: CosEmulator, params: dict[str, str | None]
) -> None:
    params = {name: value for name, value in {"tag": "Snapshot", **params}.items() if value}
    auth = _authorization(cos_emulator, "GET", "/jobs", params)
    answer = httpx2.get(
        cos_emulator.endpoint_url + "/jobs", params=params, headers={"Authorization": auth}
    )
    assert answer.status_code == 400, answer.text
    assert ET.fromstring(answer.content).findtext("Code") == "InvalidArgument"


def _callback_receiver(statuses: list[int]) -> tuple[Any, list[bytes], threading.Event]:
    """A handler answering each callback with the next of ``statuses`` (then 200), the bodies
    it got, and an event set once one was answered 200."""
    bodies: list[bytes] = []
    done = threading.Event()

    def handle(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length: *(\d+)", head)[1])  # type: ignore[index]
        while len(body) < length:
            body += conn.recv(65536)
        bodies.append(body)
        status = statuses.pop(0) if statuses else 200
        conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
        if status == 200:
            done.set()

    return handle, bodies, done


@pytest.mark.parametrize("form", ["XML", "JSON"])
def test_callbacks_are_posted_to_loopback_with_retries(
    cos_emulator: CosEmulator, video: FixtureInfo, raw_server: Any, form: str
) -> None:
    handle, bodies, done = _callback_receiver([500])
    server = raw_server(handle)
    sdk = official_sdk(cos_emulator)
    body = {
        "Input": {"Object": "demo.mp4"},
        "Tag": "Snapshot",
        "Operation": {"Snapshot": {"Count": "1"}, "Output": {"Object": "cb-${Number}.jpg"}},
        "CallBack": server.url + "/hook",
        "CallBackFormat": form,
    }
    answer = sdk.ci_create_media_jobs(Bucket=cos_emulator.bucket, Jobs=body, Lst={})
    job_id = answer["JobsDetail"][0]["JobId"]
    assert done.wait(30)
    assert len(bodies) == 2  # the first answered 500, so it was sent again
    if form == "XML":
        root = ET.fromstring(bodies[-1])
        assert root.findtext("EventName") == "TaskFinish"
        assert root.findtext("JobsDetail/JobId") == job_id
        assert root.findtext("JobsDetail/State") == "Success"
    else:
        sent = json.loads(bodies[-1])
        assert sent["EventName"] == "TaskFinish"
        assert sent["JobsDetail"]["JobId"] == job_id


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        # Names that only look like loopback resolve wherever their owner points them.
        "http://127.0.0.1.nip.io/hook",
        "http://127.example.com/hook",
        "http://localhost.example.com/hook",
    ],
)
def test_a_callback_off_loopback_is_refused(cos_emulator: CosEmulator, url: str) -> None:
    sdk = official_sdk(cos_emulator)
    body = {
        "Input": {"Object": "demo.mp4"},
        "Tag": "Snapshot",
        "Operation": {"Snapshot": {"Count": "1"}, "Output": {"Object": "cb-${Number}.jpg"}},
        "CallBack": url,
    }
    with pytest.raises(CosServiceError) as caught:
        sdk.ci_create_media_jobs(Bucket=cos_emulator.bucket, Jobs=body, Lst={})
    assert "CallBack" in caught.value.get_error_msg()


@pytest.mark.cos_emulator(job_workers=1, job_queue_limit=0)
def test_a_full_queue_refuses_a_job_at_once(cos_emulator: CosEmulator, video: FixtureInfo) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    long = {"Mode": "Interval", "TimeInterval": "0.04", "Width": "4096", "Height": "4096"}
    first = _submit(sdk, bucket, long)
    with pytest.raises(CosServiceError) as caught:
        _submit(sdk, bucket, {"Count": "1"})
    assert caught.value.get_status_code() == 503
    assert caught.value.get_error_code() == "SlowDown"
    sdk.ci_cancel_jobs(Bucket=bucket, JobID=first)
    assert _wait(sdk, bucket, first)["State"] == "Cancel"


JOBS_STS = Credentials("AKIDJOBSSTS00001", "jobs-sts-secret", "jobs-session-token")


@pytest.mark.cos_emulator(credentials=(JOBS_STS,))
def test_an_sts_token_in_x_ci_security_token_is_accepted(cos_emulator: CosEmulator) -> None:
    """The SDK sends a temporary key's token in x-ci-security-token on CI calls."""
    sts = JOBS_STS
    port = httpx2.URL(cos_emulator.endpoint_url).port
    bucket = cos_emulator.bucket

    def sdk(token: str | None) -> CosS3Client:
        conf = CosConfig(
            Scheme="http",
            IP="127.0.0.1",
            Port=port,
            Region="ap-guangzhou",
            SecretId=sts.secret_id,
            SecretKey=sts.secret_key,
            Token=token,
        )
        return CosS3Client(conf, retry=0)

    answer = sdk(sts.token).ci_get_media_jobs(Bucket=bucket, JobIDs="jnone")
    assert answer["NonExistJobIds"] == "jnone"
    with pytest.raises(CosServiceError) as caught:
        sdk("another-token").ci_get_media_jobs(Bucket=bucket, JobIDs="jnone")
    assert caught.value.get_status_code() == 403


def test_is_check_black_skips_shots_the_black_frame_rule_calls_black(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    kept = _wait(sdk, bucket, _submit(sdk, bucket, {"Count": "2", "IsCheckBlack": "true"}))
    assert kept["Operation"]["MediaResult"]["OutputFile"]["ObjectName"] == [
        "shot-0.jpg",
        "shot-1.jpg",
    ]
    # Every pixel darker than 255 counts as black, 30 % of them make a black frame: every
    # shot is black, none is written.
    strict = {
        "Count": "2",
        "IsCheckBlack": "true",
        "PixelBlackThreshold": "255",
        "BlackLevel": "30",
    }
    skipped = _wait(sdk, bucket, _submit(sdk, bucket, strict, Object="dark-${Number}.jpg"))
    assert skipped["State"] == "Success"
    assert "ObjectName" not in skipped["Operation"]["MediaResult"]["OutputFile"]
    assert not list(cos_emulator.root.glob("dark-*"))


@pytest.mark.cos_emulator(job_rate=3)
def test_submissions_beyond_the_rate_are_refused(cos_emulator: CosEmulator) -> None:
    """The vendor's limit (10 a second there): no one-second window holds more than job_rate
    accepted jobs (these fail at once: there is no input)."""
    sdk = official_sdk(cos_emulator)
    accepted: list[float] = []
    refused = 0
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        try:
            _submit(sdk, cos_emulator.bucket, {"Count": "1"})
        except CosServiceError as error:
            answer = (error.get_status_code(), error.get_error_code())
        else:
            answer = (200, "")
            accepted.append(time.monotonic())
        assert answer in ((200, ""), (503, "SlowDown"))
        refused += answer[0] == 503
    assert refused > 0
    assert accepted
    # Each window of one second from an accepted submission holds at most 3 (measured here
    # after each answer, so a window seen here is never shorter than the server's).
    for first in accepted:
        assert sum(1 for t in accepted if first <= t < first + 0.9) <= 3


# A server of its own (other settings), so the list holds this test's jobs only.
@pytest.mark.cos_emulator(job_history=999)
def test_the_go_sdks_signed_cancel_and_the_list_pages(
    cos_emulator: CosEmulator, video: FixtureInfo
) -> None:
    sdk = official_sdk(cos_emulator)
    bucket = cos_emulator.bucket
    long = {"Mode": "Interval", "TimeInterval": "0.04", "Width": "4096", "Height": "4096"}
    job_id = _submit(sdk, bucket, long)
    auth = _authorization(cos_emulator, "PUT", f"/jobs/{job_id}", {"cancel": ""})
    answer = httpx2.put(
        f"{cos_emulator.endpoint_url}/jobs/{job_id}?cancel=", headers={"Authorization": auth}
    )
    assert answer.status_code == 200, answer.text
    assert _wait(sdk, bucket, job_id)["State"] == "Cancel"
    # Three more, then pages of one, newest first, by NextToken, the last without one.
    ids = [_submit(sdk, bucket, {"Count": "1"}) for _ in range(3)]
    seen: list[str] = []
    tokens: list[str | None] = []
    while len(seen) < 5 and (not tokens or tokens[-1]):
        page = sdk.ci_list_media_jobs(
            Bucket=bucket, Tag="Snapshot", Size=1, NextToken=tokens[-1] if tokens else ""
        )
        seen += [job["JobId"] for job in page["JobsDetail"]]
        tokens.append(page["NextToken"])
    assert seen == [*reversed(ids), job_id]
    assert all(tokens[:3])
    assert not tokens[3]
    for each in ids:  # ended before the next test empties the bucket
        assert _wait(sdk, bucket, each)["State"] == "Success"
    oldest = sdk.ci_list_media_jobs(Bucket=bucket, Tag="Snapshot", OrderByTime="Asc", Size=100)
    listed = [job["JobId"] for job in oldest["JobsDetail"]]
    assert listed.index(job_id) < listed.index(ids[0]) < listed.index(ids[2])
    with pytest.raises(CosServiceError) as caught:
        sdk.ci_list_media_jobs(Bucket=bucket, Tag="Snapshot", Size=101)
    assert caught.value.get_status_code() == 400


def test_a_body_that_is_not_a_safe_xml_document_is_refused(cos_emulator: CosEmulator) -> None:
    auth = _authorization(cos_emulator, "POST", "/jobs")
    bodies = {
        b'<!DOCTYPE x [<!ENTITY a "b">]><Request/>': "MalformedXML",
        b"<Request><Tag>Snapshot": "MalformedXML",
        b"<Request>" + b" " * (64 * 1024) + b"</Request>": "EntityTooLarge",
    }
    for body, code in bodies.items():
        answer = httpx2.post(
            cos_emulator.endpoint_url + "/jobs", content=body, headers={"Authorization": auth}
        )
        assert answer.status_code == 400, answer.text
        assert ET.fromstring(answer.content).findtext("Code") == code
        assert answer.headers["x-ci-request-id"]


_OUTPUT = "<Output><Object>a-${Number}.jpg</Object></Output>"


@pytest.mark.parametrize(
    ("operation", "element"),
    [
        # Found by schemathesis: read as one empty Snapshot (every default) and accepted.
        (f"<Snapshot>null</Snapshot><Snapshot>null</Snapshot>{_OUTPUT}", "Operation/Snapshot"),
        (f"<Snapshot>text</Snapshot>{_OUTPUT}", "Operation/Snapshot"),
        (f"<Snapshot><Count>1</Count><Count>2</Count></Snapshot>{_OUTPUT}", "Snapshot/Count"),
        (f"<Snapshot><Count><N>1</N></Count></Snapshot>{_OUTPUT}", "Snapshot/Count"),
    ],
)
def test_a_repeated_element_or_text_in_place_of_elements_is_refused(
    cos_emulator: CosEmulator, operation: str, element: str
) -> None:
    body = (
        "<Request><Tag>Snapshot</Tag><Input><Object>a.mp4</Object></Input>"
        f"<Operation>{operation}</Operation></Request>"
    )
    auth = _authorization(cos_emulator, "POST", "/jobs")
    answer = httpx2.post(
        cos_emulator.endpoint_url + "/jobs", content=body.encode(), headers={"Authorization": auth}
    )
    assert answer.status_code == 400, answer.text
    document = ET.fromstring(answer.content)
    assert document.findtext("Code") == "InvalidArgument"
    assert element in (document.findtext("Message") or "")


@pytest.mark.parametrize(
    "name", ["size", "states", "orderByTime", "startCreationTime", "endCreationTime"]
)
def test_a_list_parameter_given_empty_is_refused_not_read_as_its_default(name: str) -> None:
    # The spec types these (a number, a state list, Desc|Asc, a time): an empty value is none
    # of them. The official SDK never sends them empty; left out, each takes its default.
    defaults = parse_list_query({"tag": "Snapshot"})
    assert (defaults.size, defaults.descending, defaults.states) == (10, True, None)
    with pytest.raises(EmulatorError) as refused:
        parse_list_query({"tag": "Snapshot", name: ""})
    assert refused.value.status == 400
    assert name in str(refused.value)
