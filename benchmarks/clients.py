"""The client alone: SnapshotClient against the official SDK (cos-python-sdk-v5) on the same
emulator; signing rates; AsyncSnapshotClient throughput at concurrency 16."""

from __future__ import annotations

import asyncio
import http.client
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2
import requests
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_auth import CosS3Auth

from cos_snapshot import AsyncSnapshotClient, Credentials
from cos_snapshot._client.auth import Signer
from cos_snapshot.signing import build_authorization

from .serve import SECRET_ID, SECRET_KEY
from .servers import BUCKET
from .snapshots import client_for
from .timing import rotated
from .videos import Video

logging.getLogger("qcloud_cos").setLevel(logging.CRITICAL)


def sdk_client(port: int) -> CosS3Client:
    conf = CosConfig(
        Scheme="http",
        IP="127.0.0.1",
        Port=port,
        Region="ap-guangzhou",
        SecretId=SECRET_ID,
        SecretKey=SECRET_KEY,
    )
    return CosS3Client(conf, retry=0)


def sdk_get(sdk: CosS3Client, key: str, time: str, mode: str = "exactframe") -> bytes:
    response = sdk.get_snapshot(Bucket=BUCKET, Key=key, Time=time, Mode=mode)
    return b"".join(response["Body"].get_stream(65536))


def _per_call_ms(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) * 1000 / n


@dataclass
class PerRequest:
    ours: list[float]  # ms per request, one value per block
    sdk: list[float]
    raw: list[float]  # a bare http.client request with a precomputed signature


def _raw_request(port: int, key: str, time_: str) -> Callable[[], bytes]:
    """The least a client can do: one kept-alive http.client connection, the Authorization
    header computed once. What is left is the emulator's and the loopback's share."""
    now = int(time.time())
    params = {"ci-process": "snapshot", "time": time_}
    authorization = build_authorization(
        secret_id=SECRET_ID,
        secret_key=SECRET_KEY,
        method="GET",
        path="/" + key,
        params=params,
        headers={},
        start=now - 60,
        end=now + 3600,
    )
    target = f"/{quote(key)}?ci-process=snapshot&time={time_}"
    connection = http.client.HTTPConnection("127.0.0.1", port)

    def get() -> bytes:
        connection.request("GET", target, headers={"Authorization": authorization})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"raw request: {response.status} {body[:200]!r}")
        return body

    return get


def per_request(video: Video, url: str, port: int, *, blocks: int, per_block: int) -> PerRequest:
    """Per-request time of a request the emulator answers from its result cache, in blocks
    of ``per_block`` calls, alternating which client goes first."""
    sdk = sdk_client(port)
    time_ = video.time_of(video.frames // 2)
    with client_for(url) as ours:
        calls = {
            "ours": lambda: ours.get_snapshot(video.key, time_).content,
            "sdk": lambda: sdk_get(sdk, video.key, time_),
            "raw": _raw_request(port, video.key, time_),
        }
        if not calls["ours"]() == calls["sdk"]() == calls["raw"]():
            raise RuntimeError("the clients got different images")
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for turn in range(blocks + 1):
            for name in rotated(list(calls), turn):
                value = _per_call_ms(calls[name], per_block)
                if turn:  # the first block warms up
                    samples[name].append(value)
    return PerRequest(samples["ours"], samples["sdk"], samples["raw"])


@dataclass
class Signing:
    ours: list[float]  # signatures per second, one value per block
    ours_pure: list[float]
    sdk: list[float]


def signing(*, blocks: int, per_block: int) -> Signing:
    """Signatures per second for the same snapshot request: our Signer on an httpx2 request
    (what the client does per request), the pure build_authorization, and the SDK's
    CosS3Auth on a prepared requests request (what it does per request)."""
    host = f"{BUCKET}.cos.ap-guangzhou.myqcloud.com"
    key = "videos/bench-720p.mp4"
    params = {
        "ci-process": "snapshot",
        "time": "12.34",
        "width": "0",
        "height": "0",
        "format": "jpg",
        "rotate": "auto",
        "mode": "exactframe",
    }
    url = f"https://{host}/{key}"
    signer = Signer(Credentials(SECRET_ID, SECRET_KEY))
    ours_request = httpx2.Request("GET", url, params=params, headers={"Host": host})
    conf = CosConfig(Region="ap-guangzhou", SecretId=SECRET_ID, SecretKey=SECRET_KEY)
    sdk_request = requests.Request("GET", url, params=params, headers={"Host": host}).prepare()
    now = int(time.time())
    calls: dict[str, Callable[[], Any]] = {
        "ours": lambda: signer.sign_headers(ours_request, expires=600),
        "ours_pure": lambda: build_authorization(
            secret_id=SECRET_ID,
            secret_key=SECRET_KEY,
            method="GET",
            path="/" + key,
            params=params,
            headers={"host": host},
            start=now,
            end=now + 600,
        ),
        "sdk": lambda: CosS3Auth(conf, key, params=params, expire=600)(sdk_request),
    }
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for turn in range(blocks + 1):
        for name in rotated(list(calls), turn):
            rate = 1000 / _per_call_ms(calls[name], per_block)
            if turn:
                samples[name].append(rate)
    return Signing(samples["ours"], samples["ours_pure"], samples["sdk"])


@dataclass
class Throughput:
    requests: int
    sdk_sequential: list[float]  # requests per second, one value per round
    ours_sequential: list[float]
    ours_async: dict[int, list[float]]  # concurrency -> requests per second


async def _async_run(url: str, key: str, times: list[str], concurrency: int) -> None:
    limit = asyncio.Semaphore(concurrency)
    async with AsyncSnapshotClient(
        endpoint_url=url, credentials=Credentials(SECRET_ID, SECRET_KEY)
    ) as client:

        async def one(time_: str) -> None:
            async with limit:
                await client.get_snapshot(key, time_)

        await asyncio.gather(*(one(t) for t in times))


def throughput(
    video: Video,
    url: str,
    port: int,
    *,
    requests_per_round: int,
    rounds: int,
    concurrency: list[int],
) -> Throughput:
    """Requests per second over distinct times (an emulator without result cache, so every
    request decodes): the SDK one after another, ours one after another, and
    AsyncSnapshotClient at each concurrency."""
    rng = random.Random(5)
    times = [video.time_of(f) for f in rng.sample(range(video.frames), requests_per_round)]
    sdk = sdk_client(port)

    def sdk_sequential() -> None:
        for t in times:
            sdk_get(sdk, video.key, t)

    def ours_sequential() -> None:
        with client_for(url) as client:
            for t in times:
                client.get_snapshot(video.key, t)

    calls: dict[str, Callable[[], None]] = {"sdk": sdk_sequential, "ours": ours_sequential}
    for c in concurrency:
        calls[f"async{c}"] = lambda c=c: asyncio.run(_async_run(url, video.key, times, c))
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for turn in range(rounds + 1):
        for name in rotated(list(calls), turn):
            start = time.perf_counter()
            calls[name]()
            rate = len(times) / (time.perf_counter() - start)
            if turn:
                samples[name].append(rate)
    return Throughput(
        len(times),
        samples["sdk"],
        samples["ours"],
        {c: samples[f"async{c}"] for c in concurrency},
    )
