"""A TCP proxy that delays every byte by half a round trip in each direction.

    python -m benchmarks.delay_proxy --listen-port N --target-port M --rtt 0.2

It stands for a link to a distant COS region: the client talks to the proxy, the proxy to the
emulator on loopback, and whatever crosses it in either direction arrives ``rtt / 2`` seconds
after it was sent (bytes keep their order, bandwidth is not limited). It runs as its own process
so its CPU is not counted as the client's. Standard library only.

On start it prints ``ready <port>`` on stdout; SIGINT or SIGTERM stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable

CHUNK = 65536


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy reader to writer, each chunk written ``delay`` seconds after it was read."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:  # end of stream, delayed like the bytes before it
                with contextlib.suppress(OSError):
                    if writer.can_write_eof():
                        writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(CHUNK)
            queue.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
    finally:
        if not sender.done():
            sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await sender


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _handler(target_host: str, target_port: int, delay: float) -> Handler:
    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                target_host, target_port
            )
        except OSError:
            client_writer.close()
            return
        try:
            await asyncio.gather(
                _pump(client_reader, upstream_writer, delay),
                _pump(upstream_reader, client_writer, delay),
            )
        finally:
            for writer in (client_writer, upstream_writer):
                writer.close()
                with contextlib.suppress(ConnectionError, OSError):
                    await writer.wait_closed()

    return handle


async def serve(
    listen_port: int, target_host: str, target_port: int, rtt: float, backlog: int = 1024
) -> None:
    server = await asyncio.start_server(
        _handler(target_host, target_port, rtt / 2),
        "127.0.0.1",
        listen_port,
        backlog=backlog,
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"ready {port}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen-port", type=int, default=0)
    parser.add_argument("--target-host", default="127.0.0.1")
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--rtt", type=float, required=True, help="round trip in seconds")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.listen_port, args.target_host, args.target_port, args.rtt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
