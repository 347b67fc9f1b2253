"""Credentials providers: asked again before the credentials expire, used for every attempt.

Against the real emulator, which checks each request's ``x-cos-security-token`` against the
STS credentials it knows, with faults that make the client retry.
"""

from __future__ import annotations

import asyncio
import threading
import time
import traceback
from urllib.request import urlopen

import httpx2
import pytest

from cos_snapshot import (
    REFRESH_MARGIN,
    AsyncSnapshotClient,
    CosClientError,
    CosServiceError,
    Credentials,
    CredentialsProvider,
    RetryPolicy,
    SnapshotClient,
)
from cos_snapshot.emulator import FaultSpec
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

SECRET = "sk-PROVIDED-SECRET/5e=="
STS = tuple(
    Credentials(f"AKIDPROVIDED0000{i}", f"{SECRET}{i}", token=f"tok-PROVIDED-{i}") for i in range(3)
)
CLIENTS = ["sync", "httpx2", "aiohttp"]


class Rotating:
    """A provider (with ``refresh()``) that hands out the next of ``STS`` at every call."""

    def __init__(self, expires_in: float | None = None) -> None:
        self.given: list[Credentials] = []
        self.expires_in = expires_in

    def refresh(self) -> Credentials:
        base = STS[len(self.given) % len(STS)]
        expires_at = None if self.expires_in is None else time.time() + self.expires_in
        creds = Credentials(base.secret_id, base.secret_key, base.token, expires_at=expires_at)
        self.given.append(creds)
        return creds

    def __repr__(self) -> str:  # a careless provider: its repr holds a secret
        return f"Rotating({SECRET})"


class Sent:
    """The token and access key id of every request a client sends (an httpx2 event hook)."""

    def __init__(self) -> None:
        self.tokens: list[str | None] = []

    def hook(self, request: httpx2.Request) -> None:
        self.tokens.append(request.headers.get("x-cos-security-token"))

    async def async_hook(self, request: httpx2.Request) -> None:
        self.hook(request)


#: 503 to 40% of the requests: the client retries.
FLAKY = FaultSpec.parse("503=0.4", seed=20261201)
pytestmark = pytest.mark.cos_emulator(credentials=STS)


@pytest.fixture
def server(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> str:
    """The emulator knowing the three STS credentials (faults as the test's marker says),
    holding ``clip.mp4``."""
    cos_emulator.put(
        "clip.mp4", cos_fixture_video(name="provider.mp4", duration=1, size=(160, 120))
    )
    return cos_emulator.endpoint_url


def _times(calls: int) -> list[float]:
    return [round(0.05 * i, 2) for i in range(calls)]


def _run(kind: str, url: str, provider: object, sent: Sent, calls: int, **kwargs: object) -> None:
    """``calls`` snapshots one after the other through a client of ``kind``."""
    retry = RetryPolicy(max_attempts=8, base_backoff=0.01, max_backoff=0.05)
    if kind == "sync":
        hooks = {"event_hooks": {"request": [sent.hook]}}
        with SnapshotClient(
            endpoint_url=url, credentials=provider, retry=retry, httpx_args=hooks, **kwargs
        ) as client:  # type: ignore[arg-type]
            for at in _times(calls):
                assert client.get_snapshot("clip.mp4", at).content_type == "image/jpeg"
        return

    async def go() -> None:
        hooks = {"event_hooks": {"request": [sent.async_hook]}}
        async with AsyncSnapshotClient(
            endpoint_url=url,
            credentials=provider,  # type: ignore[arg-type]
            retry=retry,
            httpx_args=hooks,
            transport=kind,  # type: ignore[arg-type]
            **kwargs,  # type: ignore[arg-type]
        ) as client:
            for at in _times(calls):
                assert (await client.get_snapshot("clip.mp4", at)).content_type == "image/jpeg"

    asyncio.run(go())


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.cos_emulator(credentials=STS, faults=FLAKY)
def test_every_attempt_is_signed_with_the_providers_current_token(kind: str, server: str) -> None:
    provider = Rotating()  # no expires_at: asked again for every attempt
    sent = Sent()
    _run(kind, server, provider, sent, calls=12)
    # Retries happened, each attempt asked the provider, and went out with what it gave; the
    # emulator accepted every token (each call ended with an image).
    assert len(sent.tokens) > 12
    assert sent.tokens == [creds.token for creds in provider.given]
    assert len(set(sent.tokens)) == len(STS)


@pytest.mark.parametrize("kind", CLIENTS)
def test_credentials_are_kept_until_near_their_expiry(kind: str, server: str) -> None:
    lasting = Rotating(expires_in=REFRESH_MARGIN + 3600)
    sent = Sent()
    _run(kind, server, lasting, sent, calls=5)
    assert len(lasting.given) == 1
    assert sent.tokens == [STS[0].token] * 5

    expiring = Rotating(expires_in=REFRESH_MARGIN - 1)  # already within the margin
    sent = Sent()
    _run(kind, server, expiring, sent, calls=4)
    assert sent.tokens == [creds.token for creds in expiring.given]
    assert len(expiring.given) == 4


def test_a_plain_callable_is_a_provider_and_presigned_urls_carry_its_token(server: str) -> None:
    calls: list[int] = []

    def provide() -> Credentials:
        calls.append(1)
        return STS[1]

    assert not isinstance(provide, CredentialsProvider)
    assert isinstance(Rotating(), CredentialsProvider)
    with SnapshotClient(endpoint_url=server, credentials=provide) as client:
        assert client.credentials is None  # not asked before it is needed
        url = client.presign_snapshot_url("clip.mp4", 0.5, expires=60)
        assert client.credentials == STS[1]
    assert "x-cos-security-token=tok-PROVIDED-1" in url
    with urlopen(url, timeout=30) as response:
        assert response.status == 200
    assert calls == [1]


class Failing:
    def refresh(self) -> Credentials:
        raise RuntimeError(f"the STS service said no to {SECRET}")


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("provider", [Failing(), lambda: "AKID:secret"])
def test_a_provider_that_fails_gives_a_typed_error_and_sends_nothing(
    kind: str, provider: object, server: str
) -> None:
    sent = Sent()
    with pytest.raises(CosClientError) as info:
        _run(kind, server, provider, sent, calls=1)
    error = info.value
    assert type(error) is CosClientError  # not retried
    assert "provider" in str(error)
    assert ("RuntimeError" if isinstance(provider, Failing) else "returned a str") in str(error)
    assert SECRET not in str(error)
    assert "secret" not in str(error)
    assert sent.tokens == []


def test_client_reprs_name_the_provider_never_its_repr() -> None:
    for client in (
        SnapshotClient(endpoint_url="http://127.0.0.1:9", credentials=Rotating()),
        AsyncSnapshotClient(endpoint_url="http://127.0.0.1:9", credentials=Rotating()),
    ):
        assert SECRET not in repr(client)
        assert "provided by Rotating" in repr(client)
    creds = Credentials("AKIDPROVIDED00009", SECRET, token="tok-x", expires_at=1.7e9)
    assert SECRET not in repr(creds)
    assert "tok-x" not in repr(creds)
    assert "expires_at=1700000000.0" in repr(creds)


@pytest.mark.parametrize("bad", ["soon", float("nan"), True])
def test_expires_at_must_be_unix_seconds(bad: object) -> None:
    with pytest.raises(ValueError, match="expires_at"):
        Credentials("AKIDPROVIDED00009", SECRET, expires_at=bad)  # type: ignore[arg-type]


def test_a_non_provider_is_refused() -> None:
    with pytest.raises(CosClientError, match="refresh"):
        SnapshotClient(endpoint_url="http://127.0.0.1:9", credentials="AKID:secret")  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", ["httpx2", "aiohttp"])
async def test_the_async_client_asks_a_slow_provider_off_the_event_loop(
    server: str, transport: str
) -> None:
    loop_ran = threading.Event()

    def provide() -> Credentials:
        # Returns only once a task on the event loop has run: a provider called on the loop's
        # own thread would wait here in vain.
        assert loop_ran.wait(timeout=30), "the event loop was blocked by the provider"
        return STS[2]

    async def on_the_loop() -> None:
        await asyncio.sleep(0)
        loop_ran.set()

    async with AsyncSnapshotClient(
        endpoint_url=server,
        credentials=provide,
        transport=transport,  # type: ignore[arg-type]
    ) as client:
        ticker = asyncio.create_task(on_the_loop())
        snapshot = await client.get_snapshot("clip.mp4", 0.5)
        await ticker
    assert snapshot.content_type == "image/jpeg"


async def test_a_token_the_emulator_does_not_know_is_refused(server: str) -> None:
    def provide() -> Credentials:
        return Credentials(STS[0].secret_id, STS[0].secret_key, token="tok-PROVIDED-2")

    async with AsyncSnapshotClient(endpoint_url=server, credentials=provide) as client:
        with pytest.raises(CosServiceError) as info:
            await client.get_snapshot("clip.mp4", 0.5)
    assert info.value.code == "InvalidAccessKeyId"
    text = "".join(traceback.format_exception(info.value))
    assert SECRET not in text
