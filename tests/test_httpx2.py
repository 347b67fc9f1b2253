"""The client runs on httpx2: importing it loads no httpx, httpx2's own classes work in
``httpx_args``, and an object of the httpx package is refused with a message naming the httpx2
class to use instead. (httpx is installed for these tests only: see the `test` group.)"""

from __future__ import annotations

import socket
import subprocess
import sys

import anyio
import httpx
import httpx2
import pytest

from cos_snapshot import (
    AsyncSnapshotClient,
    CosConnectionError,
    CosInvalidArgumentError,
    Credentials,
    RetryPolicy,
    SnapshotClient,
)
from cos_snapshot.testing.pytest_plugin import CosEmulator, FixtureVideos

CRED = Credentials("AKIDHTTPX2TEST0001", "httpx2-test-secret")
ONE_TRY = RetryPolicy(max_attempts=1)


def test_importing_the_client_the_cli_and_the_emulator_loads_no_httpx() -> None:
    code = (
        "import sys, cos_snapshot, cos_snapshot.cli, cos_snapshot.tools.demo, cos_snapshot.emulator\n"
        "import cos_snapshot_api.api.snapshot.get_snapshot\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'httpcore'))))\n"
        "print('httpx2' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["", "True"]


# --- httpx objects are refused ---------------------------------------------------------------


class _OwnTransport(httpx.BaseTransport):
    """A user's transport built on httpx's base class."""


def _ok(request: object) -> httpx.Response:
    return httpx.Response(200)


HTTPX_ARGS = {
    "a transport": ({"transport": httpx.MockTransport(_ok)}, "['transport']", "MockTransport"),
    "an async transport": (
        {"transport": httpx.AsyncHTTPTransport()},
        "['transport']",
        "AsyncHTTPTransport",
    ),
    "an auth": ({"auth": httpx.BasicAuth("user", "pa55word")}, "['auth']", "BasicAuth"),
    "limits": ({"limits": httpx.Limits(max_connections=8)}, "['limits']", "Limits"),
    "a proxy": ({"proxy": httpx.Proxy("http://127.0.0.1:3128")}, "['proxy']", "Proxy"),
    "a mounted transport": (
        {"mounts": {"all://": httpx.HTTPTransport()}},
        "['mounts']['all://']",
        "HTTPTransport",
    ),
    "a client": ({"transport": httpx.Client()}, "['transport']", "Client"),
}


@pytest.mark.parametrize(("args", "where", "name"), HTTPX_ARGS.values(), ids=HTTPX_ARGS.keys())
@pytest.mark.parametrize("client_class", [SnapshotClient, AsyncSnapshotClient])
@pytest.mark.parametrize("anonymous", [False, True])
def test_an_httpx_object_in_httpx_args_is_refused_naming_the_httpx2_class(
    client_class: type[SnapshotClient | AsyncSnapshotClient],
    anonymous: bool,
    args: dict[str, object],
    where: str,
    name: str,
) -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        client_class(
            endpoint_url="http://127.0.0.1:9000",
            credentials=None if anonymous else CRED,
            anonymous=anonymous,
            httpx_args=args,
        )
    error = caught.value
    assert error.parameter == "httpx_args"
    assert str(error).startswith(f"httpx_args: {where} is an httpx.{name}, from the httpx package")
    assert f"use httpx2.{name} instead" in str(error)
    assert "pa55word" not in str(error)
    assert CRED.secret_key not in str(error)


def test_an_object_built_on_an_httpx_class_is_refused_naming_it_and_its_base() -> None:
    with pytest.raises(CosInvalidArgumentError) as caught:
        AsyncSnapshotClient(
            endpoint_url="http://127.0.0.1:9000",
            credentials=CRED,
            httpx_args={"transport": _OwnTransport()},
        )
    message = str(caught.value)
    assert message.startswith("httpx_args: ['transport'] is a test_httpx2._OwnTransport")
    assert "built on httpx.BaseTransport from the httpx package" in message
    assert "use one built on httpx2.BaseTransport instead" in message


@pytest.mark.parametrize(
    ("client_class", "transport", "wanted"),
    [
        (AsyncSnapshotClient, httpx2.HTTPTransport, "an async transport"),
        (SnapshotClient, httpx2.AsyncHTTPTransport, "a sync transport"),
    ],
)
@pytest.mark.parametrize("mounted", [False, True])
def test_a_transport_of_the_other_kind_is_refused_naming_it(
    client_class: type[SnapshotClient | AsyncSnapshotClient],
    transport: type[httpx2.HTTPTransport | httpx2.AsyncHTTPTransport],
    wanted: str,
    mounted: bool,
) -> None:
    # Without the check it fails at the first request, with an AttributeError.
    args: dict[str, object] = (
        {"mounts": {"http://": transport()}} if mounted else {"transport": transport()}
    )
    with pytest.raises(CosInvalidArgumentError) as caught:
        client_class(endpoint_url="http://127.0.0.1:9000", credentials=CRED, httpx_args=args)
    where = "['mounts']['http://']" if mounted else "['transport']"
    message = str(caught.value)
    assert message.startswith(f"httpx_args: {where} is of class httpx2.{transport.__name__}")
    assert f"this client needs {wanted}" in message


def test_an_httpx_timeout_is_refused_naming_the_httpx2_class() -> None:
    timeout: object = httpx.Timeout(5)
    with pytest.raises(CosInvalidArgumentError) as caught:
        SnapshotClient(endpoint_url="http://127.0.0.1:9000", credentials=CRED, timeout=timeout)  # type: ignore[arg-type]
    assert str(caught.value) == (
        "timeout: an httpx.Timeout, from the httpx package; cos-snapshot runs on httpx2: "
        "use httpx2.Timeout instead (`import httpx2`)"
    )


def test_an_httpx_event_hook_list_of_plain_functions_is_accepted() -> None:
    # Only httpx's own objects are refused, not everything that a module named httpx* touches.
    hooks = {"event_hooks": {"request": [print], "response": []}}
    with SnapshotClient(endpoint_url="http://127.0.0.1:9000", credentials=CRED, httpx_args=hooks):
        pass


# --- httpx2's classes work, against a real emulator ----------------------------------------


# The shipped ``cos_emulator`` knows this module's key pair (the clients here sign with it).
pytestmark = pytest.mark.cos_emulator(credentials=(CRED,))


@pytest.fixture
def server(cos_emulator: CosEmulator, cos_fixture_video: FixtureVideos) -> str:
    cos_emulator.put("clip.mp4", cos_fixture_video(name="httpx2.mp4", duration=2, size=(160, 120)))
    return cos_emulator.endpoint_url


def test_httpx2_transport_limits_and_timeout_work(server: str) -> None:
    sent: list[httpx2.Request] = []
    args = {
        "transport": httpx2.HTTPTransport(retries=0),
        "limits": httpx2.Limits(max_connections=1),
        "event_hooks": {"request": [sent.append]},
    }
    with SnapshotClient(
        endpoint_url=server,
        credentials=CRED,
        timeout=httpx2.Timeout(20, connect=5),
        httpx_args=args,
    ) as client:
        assert client.get_snapshot("clip.mp4", 1, width=80).size == (80, 60)
    assert len(sent) == 1


async def test_httpx2_async_transport_with_limits_serves_many_in_flight(server: str) -> None:
    transport = httpx2.AsyncHTTPTransport(limits=httpx2.Limits(max_connections=2))
    sizes: list[tuple[int, int]] = []
    async with AsyncSnapshotClient(
        endpoint_url=server, credentials=CRED, httpx_args={"transport": transport}
    ) as client:

        async def one(width: int) -> None:
            sizes.append((await client.get_snapshot("clip.mp4", 1, width=width)).size)

        async with anyio.create_task_group() as tasks:
            for width in (40, 80, 120, 160):
                tasks.start_soon(one, width)
    assert sorted(sizes) == [(40, 30), (80, 60), (120, 90), (160, 120)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("proxy", [str, httpx2.Proxy])
def test_an_httpx2_proxy_is_used(server: str, proxy: type) -> None:
    with SnapshotClient(endpoint_url=server, credentials=CRED, retry=ONE_TRY) as direct:
        assert direct.get_snapshot("clip.mp4", 1).content_type == "image/jpeg"
    args = {"proxy": proxy(f"http://127.0.0.1:{_closed_port()}")}
    with (
        SnapshotClient(endpoint_url=server, credentials=CRED, retry=ONE_TRY, httpx_args=args) as c,
        pytest.raises(CosConnectionError),
    ):
        c.get_snapshot("clip.mp4", 1)
