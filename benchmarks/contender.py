"""One in-process contender of the concurrency benchmark, in a process of its own so that its
CPU time is its own.

    python -m benchmarks.contender KIND --endpoint-url URL --items FILE --concurrency C --out DIR

KIND is ``httpx2`` or ``aiohttp`` (``AsyncSnapshotClient`` on that transport, C tasks, the pool
sized C) or ``sdk`` (the official SDK's ``get_snapshot`` in a ``ThreadPoolExecutor`` of C threads,
``CosConfig(PoolConnections=C, PoolMaxSize=C)``). Each writes every image to a file under DIR.
Imports and client set-up happen before the timed window; the window opens just before the first
request and closes after the last file is written. It prints one JSON line:
``{"items": N, "bytes": B, "cpu_s": user+sys of this process over the window, "wall_s": ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("httpx2", "aiohttp", "sdk")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def read_items(path: Path) -> list[dict[str, Any]]:
    """The JSON Lines items file the batch contender reads too."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def output_name(item: dict[str, Any]) -> str:
    """The file an item goes to: what ``cos-snapshot batch``'s default template gives."""
    stem = Path(item["key"]).stem
    return f"{stem}_{item['time']}.{item.get('format', 'jpg')}"


async def _async_run(
    kind: str, endpoint_url: str, items: list[dict[str, Any]], concurrency: int, out: Path
) -> tuple[float, float, int]:
    from cos_snapshot import AsyncSnapshotClient, Credentials  # noqa: PLC0415

    from .serve import SECRET_ID, SECRET_KEY  # noqa: PLC0415

    queue = list(reversed(items))
    written = 0
    async with AsyncSnapshotClient(
        endpoint_url=endpoint_url,
        credentials=Credentials(SECRET_ID, SECRET_KEY),
        transport=kind,  # type: ignore[arg-type]
        max_connections=concurrency,
    ) as client:

        async def worker() -> None:
            nonlocal written
            while queue:
                item = queue.pop()
                snapshot = await client.get_snapshot(
                    item["key"], item["time"], width=item.get("width", 0), mode=item["mode"]
                )
                (out / output_name(item)).write_bytes(snapshot.content)
                written += len(snapshot.content)

        cpu, wall = _cpu(), time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return _cpu() - cpu, time.monotonic() - wall, written


def _sdk_run(
    endpoint_url: str, items: list[dict[str, Any]], concurrency: int, out: Path
) -> tuple[float, float, int]:
    from qcloud_cos import CosConfig, CosS3Client  # noqa: PLC0415

    from .serve import SECRET_ID, SECRET_KEY  # noqa: PLC0415
    from .servers import BUCKET  # noqa: PLC0415

    logging.getLogger("qcloud_cos").setLevel(logging.CRITICAL)
    where = urlsplit(endpoint_url)
    conf = CosConfig(
        Scheme="http",
        IP=where.hostname,
        Port=where.port,
        Region="ap-guangzhou",
        SecretId=SECRET_ID,
        SecretKey=SECRET_KEY,
        PoolConnections=concurrency,
        PoolMaxSize=concurrency,
    )
    sdk = CosS3Client(conf, retry=0)

    def one(item: dict[str, Any]) -> int:
        response = sdk.get_snapshot(
            Bucket=BUCKET,
            Key=item["key"],
            Time=str(item["time"]),
            Width=str(item.get("width", 0)),
            Mode=item["mode"],
        )
        body = b"".join(response["Body"].get_stream(65536))
        (out / output_name(item)).write_bytes(body)
        return len(body)

    with ThreadPoolExecutor(concurrency) as pool:
        cpu, wall = _cpu(), time.monotonic()
        written = sum(pool.map(one, items))
        return _cpu() - cpu, time.monotonic() - wall, written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--items", type=Path, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    items = read_items(args.items)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.kind == "sdk":
        cpu, wall, written = _sdk_run(args.endpoint_url, items, args.concurrency, args.out)
    else:
        cpu, wall, written = asyncio.run(
            _async_run(args.kind, args.endpoint_url, items, args.concurrency, args.out)
        )
    print(json.dumps({"items": len(items), "bytes": written, "cpu_s": cpu, "wall_s": wall}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
