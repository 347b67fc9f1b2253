"""Snapshot jobs in the clients: the spec's checks, the request documents, the reading of the
answers, where job calls go, paging, cancelling, waiting, the submission rate, and a submission
whose answer is lost never making a second job."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx2
import pytest
from raw_server import RawServer

from cos_snapshot import (
    AsyncSnapshotClient,
    CosInvalidArgumentError,
    CosJobNotFoundError,
    CosJobTimeoutError,
    CosResponseError,
    CosServiceError,
    CosTimeoutError,
    Credentials,
    JobState,
    RetryPolicy,
    SnapshotClient,
    SnapshotJobSpec,
    SpriteSpec,
)
from cos_snapshot._client.jobs import MARK_LENGTH, MAX_USER_DATA, SubmitRate
from cos_snapshot._client.responses import EMPTY_LIMIT, to_submitted_job

BUCKET = "examplebucket-1250000000"
REGION = "ap-guangzhou"
SPEC = SnapshotJobSpec(output="out/snap-${Number}.jpg", time_interval=1, count=3)


# -- the spec ------------------------------------------------------------------------------

# (field, lowest accepted, highest accepted): one below and one above are refused.
RANGES = [
    ("count", 1, 10000),
    ("width", 128, 4096),
    ("height", 128, 4096),
]
SPRITE_RANGES = [
    ("columns", 1, 10000),
    ("lines", 1, 10000),
    ("cell_width", 8, 4096),
    ("cell_height", 8, 4096),
    ("padding", 0, 1024),
    ("margin", 0, 1024),
]


@pytest.mark.parametrize(("field", "low", "high"), RANGES)
def test_spec_ranges_are_the_vendors(field: str, low: int, high: int) -> None:
    for good in (low, high):
        SnapshotJobSpec(output="o-${Number}.jpg", **{field: good})
    for bad in (low - 1, high + 1):
        with pytest.raises(CosInvalidArgumentError) as caught:
            SnapshotJobSpec(output="o-${Number}.jpg", **{field: bad})
        assert caught.value.parameter == field


@pytest.mark.parametrize(("field", "low", "high"), SPRITE_RANGES)
def test_sprite_ranges_are_the_vendors(field: str, low: int, high: int) -> None:
    base: dict[str, Any] = {"columns": 2, "lines": 2}
    for good in (low, high):
        SpriteSpec(**{**base, field: good})
    for bad in (low - 1, high + 1):
        with pytest.raises(CosInvalidArgumentError) as caught:
            SpriteSpec(**{**base, field: bad})
        assert caught.value.parameter == f"sprite.{field}"


def test_spec_black_frame_and_interval_ranges() -> None:
    ok = {"output": "o-${Number}.jpg", "is_check_black": True}
    SnapshotJobSpec(**ok, black_level=30, pixel_black_threshold=0)
    SnapshotJobSpec(**ok, black_level=100, pixel_black_threshold=255)
    for field, bad in (("black_level", 29), ("black_level", 101), ("pixel_black_threshold", 256)):
        with pytest.raises(CosInvalidArgumentError, match=field):
            SnapshotJobSpec(**ok, **{field: bad})
    with pytest.raises(CosInvalidArgumentError, match="is_check_black: works only with start 0"):
        SnapshotJobSpec(**ok, start=1)
    SnapshotJobSpec(output="o-${Number}.jpg", time_interval=3600)
    for bad_interval in (0, -1, 3600.5, float("nan")):
        with pytest.raises(CosInvalidArgumentError, match="time_interval"):
            SnapshotJobSpec(output="o-${Number}.jpg", time_interval=bad_interval)
    with pytest.raises(CosInvalidArgumentError, match="start"):
        SnapshotJobSpec(output="o-${Number}.jpg", start=-0.5)


@pytest.mark.parametrize("name", ["shots/${Number}.jpg", "shots/${number}.jpg"])
def test_either_spelling_of_the_counter_is_accepted(name: str) -> None:
    assert SnapshotJobSpec(output=name).output == name


@pytest.mark.parametrize("name", ["shots/a.jpg", "shots/${NUMBER}.jpg", "shots/$Number.jpg", ""])
def test_an_output_name_without_the_counter_is_refused(name: str) -> None:
    with pytest.raises(CosInvalidArgumentError, match=r"output"):
        SnapshotJobSpec(output=name)


def test_sprites_need_their_config_and_their_own_counted_name() -> None:
    with pytest.raises(CosInvalidArgumentError, match="sprite: is required"):
        SnapshotJobSpec(output="o-${Number}.jpg", snapshot_out_mode="SnapshotAndSprite")
    with pytest.raises(CosInvalidArgumentError, match="sprite_output"):
        SnapshotJobSpec(
            output="o-${Number}.jpg",
            snapshot_out_mode="SnapshotAndSprite",
            sprite=SpriteSpec(columns=2, lines=2),
            sprite_output="sprite.jpg",
        )
    only_sprites = SnapshotJobSpec(
        snapshot_out_mode="OnlySprite",
        sprite=SpriteSpec(columns=2, lines=2),
        sprite_output="s-${number}.jpg",
    )
    assert only_sprites.output is None


def test_other_spec_checks() -> None:
    with pytest.raises(CosInvalidArgumentError, match="count: is required with mode Average"):
        SnapshotJobSpec(output="o-${Number}.jpg", mode="Average")
    with pytest.raises(CosInvalidArgumentError, match="mode"):
        SnapshotJobSpec(output="o-${Number}.jpg", mode="Every")  # type: ignore[arg-type]
    with pytest.raises(CosInvalidArgumentError, match=r"sprite\.color"):
        SpriteSpec(columns=1, lines=1, color="red; drop")
    assert SpriteSpec(columns=1, lines=1, color="#FF00aa").color == "#FF00aa"
    assert SpriteSpec(columns=1, lines=1, color="0xFF00aa").color == "0xFF00aa"  # ffmpeg's too
    with pytest.raises(CosInvalidArgumentError) as caught:
        SpriteSpec(columns=1, lines=1, color="#GGGGGG")
    assert str(caught.value) == (
        "sprite.color: '#GGGGGG' is not a colour: a name (white), #RRGGBB or 0xRRGGBB"
    )
    with pytest.raises(CosInvalidArgumentError, match="job_level"):
        SnapshotJobSpec(output="o-${Number}.jpg", job_level=3)


def test_user_data_leaves_room_for_the_submission_mark() -> None:
    room = MAX_USER_DATA - MARK_LENGTH
    SnapshotJobSpec(output="o-${Number}.jpg", user_data="x" * room)
    with pytest.raises(CosInvalidArgumentError, match="user_data"):
        SnapshotJobSpec(output="o-${Number}.jpg", user_data="x" * (room + 1))
    with pytest.raises(CosInvalidArgumentError, match="user_data"):
        SnapshotJobSpec(output="o-${Number}.jpg", user_data="caf\u00e9")  # printable ASCII only


# -- a scripted CI service ----------------------------------------------------------------


def job_detail(
    job_id: str,
    *,
    state: str = "Submitted",
    user_data: str = "",
    created: str = "2019-07-07T12:12:12+0800",
    key: str = "videos/a.mp4",
) -> str:
    return f"""<JobsDetail><Code>Success</Code><Message/><JobId>{job_id}</JobId><Tag>Snapshot</Tag>
<State>{state}</State><Progress>40</Progress><CreationTime>{created}</CreationTime>
<StartTime>2019-07-07T04:12:13Z</StartTime><EndTime/><QueueId>p1</QueueId>
<Input><Region>{REGION}</Region><Bucket>{BUCKET}</Bucket><Object>{key}</Object></Input>
<Operation><Snapshot><Mode>Interval</Mode><Start>0</Start><TimeInterval>1</TimeInterval>
<Count>3</Count><Width>0</Width><SnapshotOutMode>SnapshotAndSprite</SnapshotOutMode>
<SpriteSnapshotConfig><Color>black</Color><Columns>2</Columns><Lines>1</Lines>
</SpriteSnapshotConfig></Snapshot>
<Output><Region>{REGION}</Region><Bucket>{BUCKET}</Bucket><Object>out/snap-${{Number}}.jpg</Object>
<SpriteObject>out/sprite-${{Number}}.jpg</SpriteObject></Output><UserData>{user_data}</UserData>
<MediaResult><OutputFile><Bucket>{BUCKET}</Bucket><Region>{REGION}</Region>
<ObjectPrefix>out/</ObjectPrefix><ObjectName>snap-0.jpg</ObjectName><ObjectName>snap-1.jpg</ObjectName>
<ObjectName>snap-2.jpg</ObjectName><Md5Info><ObjectName>snap-0.jpg</ObjectName><Md5>0cc1</Md5></Md5Info>
<SpriteOutputFile><Bucket>{BUCKET}</Bucket><Region>{REGION}</Region><ObjectPrefix>out/</ObjectPrefix>
<ObjectName>sprite-0.jpg</ObjectName><ObjectName>sprite-1.jpg</ObjectName></SpriteOutputFile>
</OutputFile></MediaResult></Operation></JobsDetail>"""


def response(*details: str, unknown: str = "", token: str = "") -> bytes:
    extra = f"<NonExistJobIds>{unknown}</NonExistJobIds>" if unknown else ""
    extra += f"<NextToken>{token}</NextToken>" if token else ""
    return f"<Response>{''.join(details)}{extra}</Response>".encode()


class FakeCi:
    """The job operations of a CI service, in memory, behind an httpx2.MockTransport."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.jobs: dict[str, str] = {}  # id -> state
        self.user_data: dict[str, str] = {}
        self.polls_until_done = 0

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        path = unquote(request.url.path)
        headers = {"x-ci-request-id": f"req-{len(self.requests)}"}
        if request.method == "POST" and path == "/jobs":
            root = ET.fromstring(request.content)
            job_id = f"s{len(self.jobs):04d}"
            self.jobs[job_id] = "Submitted"
            self.user_data[job_id] = root.findtext("Operation/UserData") or ""
            return httpx2.Response(200, content=self.detail(job_id), headers=headers)
        if request.method == "GET" and path.startswith("/jobs/"):
            ids = path.removeprefix("/jobs/").split(",")
            known = [i for i in ids if i in self.jobs]
            if self.polls_until_done:
                self.polls_until_done -= 1
                if not self.polls_until_done:
                    for i in known:
                        self.jobs[i] = "Failed"
            details = [job_detail(i, state=self.jobs[i]) for i in known]
            unknown = ",".join(i for i in ids if i not in self.jobs)
            return httpx2.Response(
                200, content=response(*details, unknown=unknown), headers=headers
            )
        if request.method == "GET" and path == "/jobs":
            details = [job_detail(i, state=s) for i, s in reversed(self.jobs.items())]
            return httpx2.Response(200, content=response(*details), headers=headers)
        if request.method == "PUT" and path.startswith("/jobs/"):
            self.jobs[path.removeprefix("/jobs/")] = "Cancel"
            return httpx2.Response(200, content=b"<Response/>", headers=headers)
        return httpx2.Response(404, content=b"<Error><Code>NoSuchKey</Code></Error>")

    def detail(self, job_id: str) -> bytes:
        return response(job_detail(job_id, user_data=self.user_data.get(job_id, "")))


@pytest.fixture
def ci() -> FakeCi:
    return FakeCi()


def sync_client(ci: FakeCi, **kwargs: Any) -> SnapshotClient:
    kwargs.setdefault("credentials", Credentials("AKIDEXAMPLE", "secret", "sts-token"))
    return SnapshotClient(
        BUCKET, REGION, httpx_args={"transport": httpx2.MockTransport(ci.handler)}, **kwargs
    )


def test_a_submission_is_the_documented_request_on_the_ci_host(ci: FakeCi) -> None:
    spec = SnapshotJobSpec(
        output="out/snap-${Number}.jpg",
        mode="Average",
        start=1.5,
        count=4,
        width=320,
        snapshot_out_mode="SnapshotAndSprite",
        sprite=SpriteSpec(columns=2, lines=2, padding=4, scale_method="MaxWHScale"),
        sprite_output="out/sprite-${number}.jpg",
        user_data="run-42",
        job_level=1,
        queue_id="p1",
        callback_format="JSON",
    )
    with sync_client(ci) as client:
        job = client.submit_snapshot_job("videos/a.mp4", spec)
    (request,) = ci.requests
    assert (request.method, str(request.url).split("?")[0]) == (
        "POST",
        f"https://{BUCKET}.ci.{REGION}.myqcloud.com/jobs",
    )
    assert request.headers["content-type"].startswith("application/xml")
    assert request.headers["x-ci-security-token"] == "sts-token"
    assert "x-cos-security-token" not in request.headers
    assert "x-ci-security-token" in request.headers["authorization"]  # signed
    root = ET.fromstring(request.content)
    assert root.tag == "Request"
    assert root.findtext("Tag") == "Snapshot"
    assert root.findtext("Input/Object") == "videos/a.mp4"
    snapshot = {e.tag: e.text for e in root.find("Operation/Snapshot") or []}
    assert snapshot["Mode"] == "Average"
    assert snapshot["Start"] == "1.5"
    assert (snapshot["Count"], snapshot["Width"]) == ("4", "320")
    assert "Height" not in snapshot
    assert snapshot["SnapshotOutMode"] == "SnapshotAndSprite"
    sprite = {e.tag: e.text for e in root.find("Operation/Snapshot/SpriteSnapshotConfig") or []}
    assert sprite == {
        "Padding": "4",
        "Color": "black",
        "Columns": "2",
        "Lines": "2",
        "ScaleMethod": "MaxWHScale",
    }
    output = {e.tag: e.text for e in root.find("Operation/Output") or []}
    assert output == {
        "Region": REGION,
        "Bucket": BUCKET,
        "Object": "out/snap-${Number}.jpg",
        "SpriteObject": "out/sprite-${number}.jpg",
    }
    user_data = root.findtext("Operation/UserData") or ""
    assert re.fullmatch(r"run-42#cos-snapshot-submit:[0-9a-f]{32}", user_data)
    assert root.findtext("Operation/JobLevel") == "1"
    assert (root.findtext("QueueId"), root.findtext("CallBackFormat")) == ("p1", "JSON")
    # The echoed spec gives back the caller's user data, not the mark.
    assert job.spec is not None
    assert job.spec.user_data == "run-42"
    assert job.raw["Operation"]["UserData"] == user_data
    assert job.request_id == "req-1"


def test_the_output_bucket_and_region_may_be_others(ci: FakeCi) -> None:
    spec = SnapshotJobSpec(
        output="o-${Number}.jpg", output_bucket="other-1250000000", output_region="ap-beijing"
    )
    with sync_client(ci) as client:
        client.submit_snapshot_job("a.mp4", spec)
    root = ET.fromstring(ci.requests[0].content)
    assert root.findtext("Operation/Output/Bucket") == "other-1250000000"
    assert root.findtext("Operation/Output/Region") == "ap-beijing"


def test_a_template_wins_over_the_inline_settings(ci: FakeCi) -> None:
    spec = SnapshotJobSpec(output="o-${Number}.jpg", template_id="t1abc", count=3)
    with sync_client(ci) as client:
        client.submit_snapshot_job("a.mp4", spec)
    root = ET.fromstring(ci.requests[0].content)
    assert root.findtext("Operation/TemplateId") == "t1abc"
    assert root.find("Operation/Snapshot") is None


def test_with_endpoint_url_every_job_call_goes_there(ci: FakeCi) -> None:
    client = SnapshotClient(
        endpoint_url="http://127.0.0.1:9000",
        anonymous=True,
        httpx_args={"transport": httpx2.MockTransport(ci.handler)},
    )
    with client:
        job = client.submit_snapshot_job("a.mp4", SPEC)
        client.get_jobs([job.job_id])
        client.list_jobs()
        client.cancel_job(job.job_id)
    assert {r.url.host for r in ci.requests} == {"127.0.0.1"}
    assert {r.url.port for r in ci.requests} == {9000}
    # No bucket or region known: the output names neither, the server's own bucket.
    assert ET.fromstring(ci.requests[0].content).find("Operation/Output/Bucket") is None


def test_a_report_is_read_whole(ci: FakeCi) -> None:
    with sync_client(ci) as client:
        job = client.submit_snapshot_job("videos/a.mp4", SPEC)
    assert job.state is JobState.SUBMITTED
    assert not job.done
    assert (job.code, job.message, job.progress) == ("Success", None, 40)
    assert job.created == datetime(2019, 7, 7, 12, 12, 12, tzinfo=timezone(timedelta(hours=8)))
    assert job.created is not None
    assert job.created.utcoffset() == timedelta(hours=8)
    assert job.started == datetime(2019, 7, 7, 4, 12, 13, tzinfo=UTC)
    assert job.ended is None
    assert job.outputs == ("out/snap-0.jpg", "out/snap-1.jpg", "out/snap-2.jpg")
    assert job.sprites == ("out/sprite-0.jpg", "out/sprite-1.jpg")
    assert (job.output_bucket, job.output_region) == (BUCKET, REGION)
    assert job.md5s == {"snap-0.jpg": "0cc1"}
    assert job.input_key == "videos/a.mp4"
    assert job.spec is not None
    assert (job.spec.count, job.spec.width, job.spec.snapshot_out_mode) == (
        3,
        None,
        "SnapshotAndSprite",
    )
    assert job.spec.sprite is not None
    assert (job.spec.sprite.columns, job.spec.sprite.lines) == (
        2,
        1,
    )
    assert job.raw["Operation"]["MediaResult"]["OutputFile"]["ObjectName"] == [
        "snap-0.jpg",
        "snap-1.jpg",
        "snap-2.jpg",
    ]


@pytest.mark.parametrize(
    ("body", "element"),
    [
        (response(job_detail("s1", state="Done")), "Response/JobsDetail/State"),
        (response(job_detail("s1", created="yesterday")), "Response/JobsDetail/CreationTime"),
        (response(job_detail("s1", created="2019-07-07T12:12:12")), "CreationTime"),
        (b"<Error2/>", "Response"),
        (response(), "Response/JobsDetail"),
    ],
)
def test_a_malformed_report_names_its_element(body: bytes, element: str) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body, headers={"x-ci-request-id": "r9"})

    client = SnapshotClient(
        BUCKET, REGION, anonymous=True, httpx_args={"transport": httpx2.MockTransport(handler)}
    )
    with client, pytest.raises(CosResponseError) as caught:
        client.submit_snapshot_job("a.mp4", SPEC)
    assert element in caught.value.element
    assert caught.value.request_id == "r9"


def test_get_jobs_gives_the_known_jobs_and_the_unknown_ids(ci: FakeCi) -> None:
    with sync_client(ci) as client:
        first = client.submit_snapshot_job("a.mp4", SPEC)
        second = client.submit_snapshot_job("a.mp4", SPEC)
        found = client.get_jobs([second.job_id, "nosuchjob", first.job_id])
        many = client.get_jobs([first.job_id] + [f"x{i}" for i in range(60)])
        with pytest.raises(CosJobNotFoundError, match="nosuchjob"):
            client.get_job("nosuchjob")
        with pytest.raises(CosInvalidArgumentError, match="ids"):
            client.get_jobs("s0000")
        with pytest.raises(CosInvalidArgumentError, match="ids"):
            client.get_jobs(["a/b"])
    assert [j.job_id for j in found.jobs] == [second.job_id, first.job_id]
    assert found.unknown_ids == ("nosuchjob",)
    describe = [r for r in ci.requests if r.method == "GET"]
    # The ids go out in one path segment, the comma encoded as the official SDK sends it.
    assert describe[0].url.raw_path.decode().startswith(f"/jobs/{second.job_id}%2Cnosuchjob%2C")
    assert len(describe) == 1 + 2 + 1  # 61 ids: two requests of at most 50
    assert [j.job_id for j in many.jobs] == [first.job_id]
    assert len(many.unknown_ids) == 60


def test_cancel_is_a_put_with_cancel(ci: FakeCi) -> None:
    with sync_client(ci) as client:
        job = client.submit_snapshot_job("a.mp4", SPEC)
        client.cancel_job(job.job_id)
        assert client.get_job(job.job_id).state is JobState.CANCEL
    put = ci.requests[1]
    assert put.method == "PUT"
    assert put.url.path == f"/jobs/{job.job_id}"
    assert put.url.query == b"cancel="
    assert "cancel" in put.headers["authorization"]  # the Go SDK's reading: signed


def test_iter_jobs_pages_by_next_token() -> None:
    pages = {
        None: response(job_detail("j1"), job_detail("j2"), token="t2"),
        "t2": response(job_detail("j3"), token="t3"),
        "t3": response(job_detail("j4")),
    }
    asked: list[dict[str, list[str]]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        asked.append(query)
        return httpx2.Response(200, content=pages[query.get("nextToken", [None])[0]])

    client = SnapshotClient(
        BUCKET, REGION, anonymous=True, httpx_args={"transport": httpx2.MockTransport(handler)}
    )
    after = datetime(2026, 12, 7, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    with client:
        jobs = list(
            client.iter_jobs(
                states=[JobState.RUNNING, "Success"],
                order="Asc",
                input_key="videos/a b.mp4",
                created_after=after,
                page_size=2,
            )
        )
        with pytest.raises(CosInvalidArgumentError, match="states"):
            client.iter_jobs(states=["Done"])
        with pytest.raises(CosInvalidArgumentError, match="page_size"):
            client.iter_jobs(page_size=101)
    assert [j.job_id for j in jobs] == ["j1", "j2", "j3", "j4"]
    assert len(asked) == 3
    assert asked[0] == {
        "tag": ["Snapshot"],
        "states": ["Running,Success"],
        "orderByTime": ["Asc"],
        "size": ["2"],
        "inputObject": ["videos/a b.mp4"],
        "startCreationTime": ["2026-12-07T08:00:00+0800"],
    }
    assert asked[2]["nextToken"] == ["t3"]


def test_wait_returns_a_failed_job_and_times_out_with_the_last_job(ci: FakeCi) -> None:
    with sync_client(ci) as client:
        job = client.submit_snapshot_job("a.mp4", SPEC)
        ci.polls_until_done = 3
        ended = client.wait_for_job(job.job_id, timeout=30, poll=0.01)
        assert ended.state is JobState.FAILED
        assert ended.done
        stuck = client.submit_snapshot_job("a.mp4", SPEC)
        with pytest.raises(CosJobTimeoutError) as caught:
            client.wait_for_job(stuck.job_id, timeout=0.05, poll=0.01)
        with pytest.raises(CosJobNotFoundError):
            client.wait_for_job("nosuchjob", timeout=1, poll=0.01)
        with pytest.raises(CosInvalidArgumentError, match="poll"):
            client.wait_for_job(job.job_id, poll=0)
    assert isinstance(caught.value, CosTimeoutError)
    assert caught.value.job.job_id == stuck.job_id
    assert caught.value.job.state is JobState.SUBMITTED


def test_the_async_client_does_the_same_and_its_wait_is_cancellable(ci: FakeCi) -> None:
    async def main() -> None:
        client = AsyncSnapshotClient(
            BUCKET,
            REGION,
            credentials=Credentials("AKIDEXAMPLE", "secret", "sts-token"),
            httpx_args={"transport": httpx2.MockTransport(ci.handler)},
        )
        async with client:
            job = await client.submit_snapshot_job("a.mp4", SPEC)
            found = await client.get_jobs([job.job_id, "zz"])
            assert found.unknown_ids == ("zz",)
            assert [j.job_id async for j in client.iter_jobs()] == [job.job_id]
            wait = asyncio.ensure_future(client.wait_for_job(job.job_id, timeout=60, poll=0.01))
            await asyncio.sleep(0.1)
            wait.cancel()
            with pytest.raises(asyncio.CancelledError):
                await wait
            await client.cancel_job(job.job_id)
            assert (await client.get_job(job.job_id)).state is JobState.CANCEL
        assert ci.requests[0].headers["x-ci-security-token"] == "sts-token"

    asyncio.run(main())


# -- the submission rate ------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_one_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


def test_no_second_holds_more_submissions_than_the_rate(ci: FakeCi) -> None:
    clock = FakeClock()
    sent: list[float] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(clock())
        clock.now += 0.001  # each answer takes a little time
        return ci.handler(request)

    client = SnapshotClient(
        BUCKET, REGION, anonymous=True, httpx_args={"transport": httpx2.MockTransport(handler)}
    )
    rate = SubmitRate(10, clock=clock)
    rate.sleep = clock.sleep
    client._submit_rate = rate
    with client:
        for _ in range(35):
            client.submit_snapshot_job("a.mp4", SPEC)
    assert len(sent) == 35
    assert most_in_one_second(sent) == 10
    # The rate is a bound, not a pause: 35 submissions take about 3 seconds, not 35.
    assert sent[-1] - sent[0] < 4.0


@pytest.mark.parametrize(("rate", "window", "most"), [(2.5, 1.0, 2), (0.5, 2.0, 1)])
def test_a_fractional_rate_is_kept_too(rate: float, window: float, most: int) -> None:
    clock = FakeClock()
    limiter = SubmitRate(rate, clock=clock)
    limiter.sleep = clock.sleep
    times = []
    for _ in range(9):
        limiter.wait()
        times.append(clock())
    assert max(sum(1 for t in times if s <= t < s + window) for s in times) == most


def test_the_rate_is_a_client_option() -> None:
    with pytest.raises(CosInvalidArgumentError, match="job_rate"):
        SnapshotClient(BUCKET, REGION, anonymous=True, job_rate=0)
    assert SnapshotClient(BUCKET, REGION, anonymous=True, job_rate=3).job_rate == 3.0


# -- a submission whose answer is lost -----------------------------------------------------


class DroppingCi:
    """A CI service on a raw socket: ``POST /jobs`` makes the job (or not, ``create``) and
    drops the connection without answering the first ``drops`` times; ``GET /jobs`` lists
    the jobs (newest first) with their UserData, or fails with ``list_status``."""

    def __init__(self, *, create: bool = True, drops: int = 1, list_status: int = 200) -> None:
        self.create = create
        self.drops = drops
        self.list_status = list_status
        self.posts = 0
        self.lists = 0
        self.jobs: list[tuple[str, str]] = []  # (id, user data)
        self.lock = threading.Lock()

    def handle(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                return
            head += chunk
        head, _, body = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ")
        length = next(
            (
                int(v)
                for k, _, v in (h.partition(":") for h in lines[1:])
                if k.lower() == "content-length"
            ),
            0,
        )
        while len(body) < length:
            body += conn.recv(65536)
        path = urlsplit(target).path
        with self.lock:
            if method == "POST" and path == "/jobs":
                self.posts += 1
                user_data = ET.fromstring(body).findtext("Operation/UserData") or ""
                job_id = f"s{len(self.jobs) + 100}"
                if self.create or self.posts > self.drops:
                    self.jobs.append((job_id, user_data))
                if self.posts <= self.drops:
                    return  # the answer is lost: the connection closes unanswered
                answer = response(job_detail(job_id, user_data=user_data))
                status = 200
            elif method == "GET" and path == "/jobs":
                self.lists += 1
                status = self.list_status
                now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S%z")
                answer = response(
                    *(job_detail(i, user_data=u, created=now) for i, u in reversed(self.jobs))
                )
            else:
                status, answer = 404, b"<Error><Code>NoSuchKey</Code></Error>"
        conn.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(answer)}\r\nConnection: close\r\n\r\n".encode()
            + answer
        )


@pytest.fixture
def dropping(
    raw_server: Callable[[Any], RawServer],
) -> Callable[..., tuple[DroppingCi, str]]:
    def start(**kwargs: Any) -> tuple[DroppingCi, str]:
        service = DroppingCi(**kwargs)
        return service, raw_server(service.handle).url

    return start


FAST_RETRY = RetryPolicy(max_attempts=4, base_backoff=0.01, max_backoff=0.02)


def test_a_lost_answer_to_a_created_job_leaves_one_job(dropping: Any) -> None:
    service, url = dropping(create=True)
    with SnapshotClient(endpoint_url=url, anonymous=True, retry=FAST_RETRY) as client:
        job = client.submit_snapshot_job("videos/a.mp4", SPEC)
    assert service.posts == 1  # found by its mark, not sent again
    assert len(service.jobs) == 1
    assert job.job_id == service.jobs[0][0]
    assert job.spec is not None
    assert job.spec.user_data is None


def test_a_lost_answer_to_a_job_never_made_is_sent_again(dropping: Any) -> None:
    service, url = dropping(create=False)
    with SnapshotClient(endpoint_url=url, anonymous=True, retry=FAST_RETRY) as client:
        job = client.submit_snapshot_job("videos/a.mp4", SPEC)
    assert (service.posts, service.lists) == (2, 1)
    assert [i for i, _ in service.jobs] == [job.job_id]


def test_a_failed_look_up_is_raised_not_sent_again(dropping: Any) -> None:
    service, url = dropping(create=True, list_status=400)
    with (
        SnapshotClient(endpoint_url=url, anonymous=True, retry=FAST_RETRY) as client,
        pytest.raises(CosServiceError) as caught,
    ):
        client.submit_snapshot_job("videos/a.mp4", SPEC)
    assert service.posts == 1
    assert any("may have been made" in note for note in caught.value.__notes__)


def test_the_async_client_leaves_one_job_too(dropping: Any) -> None:
    service, url = dropping(create=True)

    async def main() -> str:
        async with AsyncSnapshotClient(endpoint_url=url, anonymous=True, retry=FAST_RETRY) as c:
            return (await c.submit_snapshot_job("videos/a.mp4", SPEC)).job_id

    job_id = asyncio.run(main())
    assert service.posts == 1
    assert [i for i, _ in service.jobs] == [job_id]


# -- end to end, on the emulator ----------------------------------------------------------


def test_a_job_on_the_emulator_from_submit_to_its_outputs(
    cos_emulator: Any, cos_fixture_video: Any
) -> None:
    info = cos_fixture_video.info(duration=4, fps=25, gop=25, size=(320, 240))
    cos_emulator.put("videos/a.mp4", info.path)
    spec = SnapshotJobSpec(
        output="out/a/shot-${Number}.jpg",
        time_interval=1,
        count=4,
        snapshot_out_mode="SnapshotAndSprite",
        sprite=SpriteSpec(columns=2, lines=1),
        sprite_output="out/a/sprite-${number}.jpg",
        user_data="e2e",
    )
    with cos_emulator.client() as client:
        submitted = client.submit_snapshot_job("videos/a.mp4", spec)
        job = client.wait_for_job(submitted.job_id, timeout=120, poll=0.05)
        listed = [j.job_id for j in client.iter_jobs(input_key="videos/a.mp4", page_size=1)]
        found = client.get_jobs([job.job_id, "s0nosuchjob"])
        shots = [client.get_object(key) for key in job.outputs + job.sprites]
    assert job.state is JobState.SUCCESS, (job.code, job.message)
    assert job.outputs == tuple(f"out/a/shot-{n}.jpg" for n in range(4))
    assert job.sprites == ("out/a/sprite-0.jpg", "out/a/sprite-1.jpg")
    assert all(shot.startswith(b"\xff\xd8") for shot in shots)  # JPEG, in the bucket
    assert job.spec is not None
    assert job.spec.user_data == "e2e"
    assert job.created is not None
    assert job.created.tzinfo is not None
    assert listed == [job.job_id]
    assert found.unknown_ids == ("s0nosuchjob",)


def test_a_spec_the_client_refuses_the_emulator_refuses_too(cos_emulator: Any) -> None:
    # Sent as the raw document, past the client's own check: the server names the element.
    with cos_emulator.client() as client:
        target, headers, body, _ = client._job_submission("a.mp4", SPEC)
        bad = body.replace(b"<Count>3</Count>", b"<Count>10001</Count>")
        headers = {**headers, "Content-Length": str(len(bad))}
        with pytest.raises(CosServiceError) as caught:
            client._call(
                target, to_submitted_job, EMPTY_LIMIT, headers=headers, body=lambda: (bad,), ci=True
            )
    assert caught.value.status == 400
    assert "Count" in (caught.value.message or "")
