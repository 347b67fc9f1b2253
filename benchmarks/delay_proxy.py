"""A TCP proxy that delays every byte by half a round trip in each direction.

    python -m benchmarks.delay_proxy --listen-port N --target-port M --rtt 0.2

It stands for a link to a distant COS region: the client talks to the proxy, the proxy to the
emulator on loopback, and whatever crosses it in either direction arrives ``rtt / 2`` seconds
after it was sent (bytes keep their order, bandwidth is not limited). It runs as its own process
so its CPU is not counted as the client's. Standard library only.

On start it prints ``ready <port>`` on stdout; SIGINT or SIGTERM stops it. SIGUSR1 prints
``window <first> <last> <connections>`` and starts a new window: ``first`` is when the first
request byte arrived from a client, ``last`` when the last response byte was written back to one
(``time.monotonic()``, the system-wide CLOCK_MONOTONIC on Linux, so another process can compare
them with its own clock), ``nan`` if none; ``connections`` is how many clients connected. That is
a client's time from its first request to its last response, start-up and imports left out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

CHUNK = 65536


@dataclass
class Window:
    """When the traffic of one measured run began and ended (see the module's docstring)."""

    first: float = math.nan
    last: float = math.nan
    connections: int = 0

    def request_bytes(self) -> None:
        if math.isnan(self.first):
            self.first = time.monotonic()

    def response_bytes(self) -> None:
        self.last = time.monotonic()

    def line(self) -> str:
        return f"window {self.first!r} {self.last!r} {self.connections}"


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    delay: float,
    on_read: Callable[[], None] | None = None,
    on_write: Callable[[], None] | None = None,
) -> None:
    """Copy reader to writer, each chunk written ``delay`` seconds after it was read
    (``on_read`` is called as a chunk arrives, ``on_write`` as one is written)."""
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
            if on_write is not None:
                on_write()
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(CHUNK)
            if data and on_read is not None:
                on_read()
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


def _handler(target_host: str, target_port: int, delay: float, windows: list[Window]) -> Handler:
    """The connection handler; ``windows[0]`` is the window being measured."""

    async def handle(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        # Cancelled when the proxy stops with connections open: end quietly (Python 3.11's
        # stream server logs a handler that ends cancelled as an error, once per connection).
        with contextlib.suppress(asyncio.CancelledError):
            await relay(client_reader, client_writer)

    async def relay(
        client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        windows[0].connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                target_host, target_port
            )
        except OSError:
            client_writer.close()
            return
        try:
            await asyncio.gather(
                _pump(
                    client_reader,
                    upstream_writer,
                    delay,
                    on_read=lambda: windows[0].request_bytes(),  # noqa: PLW0108 - the window of now
                ),
                _pump(
                    upstream_reader,
                    client_writer,
                    delay,
                    on_write=lambda: windows[0].response_bytes(),  # noqa: PLW0108
                ),
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
    windows = [Window()]
    server = await asyncio.start_server(
        _handler(target_host, target_port, rtt / 2, windows),
        "127.0.0.1",
        listen_port,
        backlog=backlog,
    )
    port = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def report_window() -> None:
        print(windows[0].line(), flush=True)
        windows[0] = Window()

    loop.add_signal_handler(signal.SIGUSR1, report_window)
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
