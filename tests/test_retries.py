"""Client resilience: when to retry and how long to wait (RetryState, no I/O), then clock
correction, deadlines and presigned-URL expiry end to end against a real emulator."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

import httpx2
import pytest
from raw_server import Handler, RawServer

from cos_snapshot import (
    AsyncSnapshotClient,
    CosConnectionError,
    CosError,
    CosInvalidArgumentError,
    CosServiceError,
    CosTimeoutError,
    Credentials,
    RetryPolicy,
    SnapshotClient,
    Transport,
)
from cos_snapshot._client.retry import is_clock_error, is_retryable
from cos_snapshot._shared.http_dates import MAX_RETRY_AFTER_S, retry_after_seconds
from cos_snapshot.emulator import FaultSpec
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

CRED = Credentials("AKIDRETRYTEST00001", "retry-test-secret")


def _service_error(status: int, code: str, message: str = "m", **kwargs: object) -> CosServiceError:
    return CosServiceError(status, code, message, **kwargs)  # type: ignore[arg-type]


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- what is retried ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        _service_error(429, "TooManyRequests"),
        _service_error(500, "InternalError"),
        _service_error(502, "BadGateway"),
        _service_error(503, "SlowDown"),
        _service_error(504, "GatewayTimeout"),
        _service_error(400, "SlowDown"),
        CosConnectionError("reset"),
        CosTimeoutError("read timeout"),
    ],
    ids=repr,
)
def test_busy_or_broken_answers_are_retried(error: CosError) -> None:
    assert is_retryable(error)


@pytest.mark.parametrize(
    "error",
    [
        _service_error(400, "InvalidArgument"),
        _service_error(403, "AccessDenied"),
        _service_error(403, "SignatureDoesNotMatch"),
        _service_error(404, "NoSuchKey"),
        _service_error(405, "MethodNotAllowed"),
        CosInvalidArgumentError("time", "bad"),
    ],
    ids=repr,
)
def test_other_client_errors_are_not_retried(error: CosError) -> None:
    assert not is_retryable(error)
    with pytest.raises(type(error)):
        RetryPolicy().begin().delay_after(error)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_service_error(403, "RequestTimeTooSkewed"), True),
        (_service_error(403, "AccessDenied", "Request has expired"), True),
        (
            _service_error(403, "AccessDenied", "Request has expired: the window has not started."),
            True,
        ),
        (_service_error(403, "AccessDenied", "The request is not signed."), False),
        (_service_error(400, "RequestTimeTooSkewed"), False),
        (_service_error(403, "SignatureDoesNotMatch", "Request has expired"), False),
    ],
)
def test_clock_errors(error: CosError, expected: bool) -> None:
    assert is_clock_error(error) is expected


# --- how long to wait ----------------------------------------------------------------------------


def test_backoff_is_full_jitter_over_an_exponential_ceiling() -> None:
    ceilings: list[float] = []

    def rng(low: float, high: float) -> float:
        assert low == 0.0
        ceilings.append(high)
        return high / 2

    policy = RetryPolicy(max_attempts=6, base_backoff=0.1, max_backoff=0.5, deadline=None)
    state = policy.begin(rng=rng)
    delays = [state.delay_after(_service_error(503, "SlowDown")) for _ in range(5)]
    assert ceilings == [0.1, 0.2, 0.4, 0.5, 0.5]
    assert delays == [0.05, 0.1, 0.2, 0.25, 0.25]
    with pytest.raises(CosServiceError):
        state.delay_after(_service_error(503, "SlowDown"))
    assert state.attempts == 6


def test_retry_after_raises_the_wait_to_what_the_server_asks() -> None:
    state = RetryPolicy(deadline=None).begin(rng=lambda low, high: 0.01)
    assert state.delay_after(_service_error(503, "SlowDown", retry_after=2.0)) == 2.0
    state = RetryPolicy(deadline=None).begin(rng=lambda low, high: 0.01)
    assert state.delay_after(_service_error(503, "SlowDown")) == 0.01


def test_no_retry_starts_whose_wait_would_end_past_the_deadline() -> None:
    clock = FakeClock()
    state = RetryPolicy(max_attempts=5, deadline=10.0).begin(clock=clock, rng=lambda lo, hi: 0.0)
    clock.now += 9.0
    assert state.remaining() == 1.0
    assert state.delay_after(_service_error(503, "SlowDown", retry_after=0.5)) == 0.5
    with pytest.raises(CosServiceError):
        state.delay_after(_service_error(503, "SlowDown", retry_after=1.5))
    clock.now += 5.0
    assert state.remaining() == 0.0


# --- end to end against the emulator -------------------------------------------------------------


def _ten_seconds_ahead() -> float:
    return time.time() + 10


#: The clock of the emulator of the presigned-URL test, which moves it.
PRESIGN_CLOCK = FakeClock()
SLOW = FaultSpec.parse("slow=1", delay=3.0)
# The clients sign with CRED: every emulator here knows that key pair.
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


@pytest.fixture
def server(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> str:
    """The emulator (as the test's marker sets it up) holding ``clip.mp4``."""
    cos_emulator.put("clip.mp4", cos_fixture_video(name="retry.mp4", duration=2, size=(160, 120)))
    return cos_emulator.endpoint_url


class Attempts:
    """Counts the requests a client sends, through an httpx2 event hook."""

    def __init__(self) -> None:
        self.statuses: list[int] = []

    def hook(self, response: httpx2.Response) -> None:
        self.statuses.append(response.status_code)

    async def async_hook(self, response: httpx2.Response) -> None:
        self.statuses.append(response.status_code)


@pytest.mark.parametrize("skew", [-3600.0, 3600.0, -700.0])
def test_a_skewed_clock_is_corrected_from_the_emulators_date_header(
    server: str, skew: float
) -> None:
    attempts = Attempts()
    with SnapshotClient(
        endpoint_url=server,
        credentials=CRED,
        clock=lambda: time.time() + skew,
        httpx_args={"event_hooks": {"response": [attempts.hook]}},
    ) as client:
        assert client.get_snapshot("clip.mp4", 1).content_type == "image/jpeg"
        assert client.get_snapshot("clip.mp4", 1.5).content_type == "image/jpeg"
    # The first call was refused once ("Request has expired"), the second was right at once.
    assert attempts.statuses == [403, 200, 200]


async def test_the_async_client_corrects_its_clock_the_same_way(
    server: str, transport: Transport
) -> None:
    attempts = Attempts()
    async with AsyncSnapshotClient(
        endpoint_url=server,
        credentials=CRED,
        transport=transport,
        clock=lambda: time.time() - 3600,
        httpx_args={"event_hooks": {"response": [attempts.async_hook]}},
    ) as client:
        assert (await client.get_snapshot("clip.mp4", 1)).content_type == "image/jpeg"
    assert attempts.statuses == [403, 200]


@pytest.mark.cos_emulator(credentials=(CRED,), clock=_ten_seconds_ahead)
def test_an_expired_signature_with_a_right_clock_is_not_retried(server: str) -> None:
    # The emulator checks windows 10 s ahead of real time (its Date header is real time): a
    # 1-second signature has expired there, though the clocks agree. No correction applies.
    attempts = Attempts()
    with (
        SnapshotClient(
            endpoint_url=server,
            credentials=CRED,
            sign_expires=1,
            httpx_args={"event_hooks": {"response": [attempts.hook]}},
        ) as client,
        pytest.raises(CosServiceError) as info,
    ):
        client.get_snapshot("clip.mp4", 1)
    assert (info.value.code, info.value.message) == ("AccessDenied", "Request has expired.")
    assert attempts.statuses == [403]


def test_a_missing_key_is_not_retried(server: str) -> None:
    attempts = Attempts()
    with (
        SnapshotClient(
            endpoint_url=server,
            credentials=CRED,
            httpx_args={"event_hooks": {"response": [attempts.hook]}},
        ) as client,
        pytest.raises(CosServiceError, match="NoSuchKey"),
    ):
        client.get_snapshot("missing.mp4", 1)
    assert attempts.statuses == [404]


@pytest.mark.cos_emulator(credentials=(CRED,), faults=SLOW)
def test_the_deadline_also_bounds_a_single_attempt(server: str) -> None:
    # Every answer waits 3 s; the read timeout (30 s) would wait it out, the deadline does not.
    with (
        SnapshotClient(
            endpoint_url=server,
            credentials=CRED,
            timeout=30.0,
            retry=RetryPolicy(max_attempts=3, deadline=0.5),
        ) as client,
        pytest.raises(CosTimeoutError),
    ):
        client.get_snapshot("clip.mp4", 1)


@pytest.mark.cos_emulator(credentials=(CRED,), faults=SLOW)
async def test_the_async_deadline_bounds_an_attempt_too(server: str, transport: Transport) -> None:
    async with AsyncSnapshotClient(
        endpoint_url=server,
        credentials=CRED,
        transport=transport,
        timeout=30.0,
        retry=RetryPolicy(max_attempts=3, deadline=0.5),
    ) as client:
        with pytest.raises(CosTimeoutError):
            await client.get_snapshot("clip.mp4", 1)


TRICKLE_BYTES = 40


def _trickle(conn: socket.socket) -> None:
    """Every answer a 200 that promises 40 bytes and then sends one every 0.2 s: no single
    read waits long enough for a read timeout (the raw server ends when the client gives up)."""
    conn.recv(65536)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n"
        + f"Content-Length: {TRICKLE_BYTES}\r\n\r\n".encode()
    )
    for _ in range(TRICKLE_BYTES):
        conn.sendall(b"x")
        time.sleep(0.2)


@pytest.fixture
def trickle(raw_server: Callable[[Handler], RawServer]) -> RawServer:
    return raw_server(_trickle)


def test_the_deadline_bounds_an_answer_that_trickles_in(trickle: RawServer) -> None:
    policy = RetryPolicy(max_attempts=3, deadline=1.0)
    with (
        SnapshotClient(endpoint_url=trickle.url, credentials=CRED, retry=policy) as client,
        pytest.raises(CosTimeoutError, match="deadline"),
    ):
        client.get_snapshot("clip.mp4", 1)


async def test_the_async_deadline_bounds_an_answer_that_trickles_in(
    trickle: RawServer, transport: Transport
) -> None:
    policy = RetryPolicy(max_attempts=3, deadline=1.0)
    async with AsyncSnapshotClient(
        endpoint_url=trickle.url, credentials=CRED, retry=policy, transport=transport
    ) as client:
        with pytest.raises(CosTimeoutError, match="deadline"):
            await client.get_snapshot("clip.mp4", 1)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), ("²", None), ("99999999999999999999", MAX_RETRY_AFTER_S), ("soon", None)],
)
def test_retry_after_is_read_as_ascii_seconds_and_capped(
    header: str, seconds: float | None
) -> None:
    assert retry_after_seconds(header) == seconds


@pytest.mark.cos_emulator(credentials=(CRED,), clock=PRESIGN_CLOCK)
def test_a_presigned_url_works_until_it_expires_and_not_after(server: str) -> None:
    clock = PRESIGN_CLOCK
    clock.now = time.time()
    with SnapshotClient(endpoint_url=server, credentials=CRED) as c:
        presigned = c.presign_snapshot_url("clip.mp4", 1, expires=2)
        start, end = map(int, httpx2.URL(presigned).params["q-sign-time"].split(";"))
        assert end - start == 60 + 2  # signed a minute back (clock slack), valid for 2 s
        clock.now = end  # the last second of the window
        assert httpx2.get(presigned).status_code == 200
        clock.now = end + 1
        expired = httpx2.get(presigned)
    assert expired.status_code == 403
    assert b"<Code>AccessDenied</Code>" in expired.content
    assert b"Request has expired" in expired.content


@pytest.mark.cos_emulator(credentials=(CRED,), faults=FaultSpec.parse("503=0.5", seed=3))
def test_retried_requests_carry_fresh_signatures_and_the_same_query(server: str) -> None:
    seen: list[httpx2.Request] = []
    with (
        SnapshotClient(
            endpoint_url=server,
            credentials=CRED,
            clock=iter(range(int(time.time()), int(time.time()) + 100)).__next__,
            retry=RetryPolicy(max_attempts=10, base_backoff=0.0),
            httpx_args={"event_hooks": {"request": [seen.append]}},
        ) as client,
    ):
        for moment in ("0.2", "0.4", "0.6", "0.8"):
            client.get_snapshot("clip.mp4", moment)
    assert len(seen) > 4  # some were retried
    assert len({r.headers["authorization"] for r in seen}) == len(seen)
    assert {r.url.params["time"] for r in seen} == {"0.2", "0.4", "0.6", "0.8"}
