"""Emulator processes for the benchmarks, and their memory as the kernel reports it."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2

from .serve import SECRET_ID, SECRET_KEY

BUCKET = "examplebucket-1250000000"
REPO = Path(__file__).resolve().parent.parent  # so `-m benchmarks.serve` imports


@dataclass(frozen=True)
class Server:
    url: str
    port: int
    pid: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(process: subprocess.Popen[bytes], url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"emulator exited with {process.returncode} before it answered")
        with contextlib.suppress(httpx2.TransportError):
            httpx2.head(url + "/", timeout=1.0)  # any answer (403 unsigned) means it is up
            return
        time.sleep(0.05)
    raise RuntimeError(f"emulator at {url} did not answer within {timeout}s")


@contextlib.contextmanager
def emulator_process(command: list[str]) -> Iterator[Server]:
    """Run ``command`` (which must listen on the port it is given) until the block ends."""
    port = free_port()
    argv = [part.replace("{port}", str(port)) for part in command]
    process = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url)
        yield Server(url, port, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def bench_emulator(
    root: Path, *, result_cache_bytes: int, extra: tuple[str, ...] = ()
) -> contextlib.AbstractContextManager[Server]:
    """The emulator app with a chosen result-cache size (0: every request decodes); ``extra``
    arguments go to ``benchmarks.serve``."""
    return emulator_process(
        [
            sys.executable,
            "-m",
            "benchmarks.serve",
            "--root",
            str(root),
            "--port",
            "{port}",
            "--result-cache-bytes",
            str(result_cache_bytes),
            *extra,
        ]
    )


def cli_emulator(root: Path) -> contextlib.AbstractContextManager[Server]:
    """`cos-snapshot serve`, exactly as a user runs it."""
    exe = Path(sys.executable).with_name("cos-snapshot")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "cos_snapshot.cli"]
    return emulator_process(
        [
            *command,
            "serve",
            "--root",
            str(root),
            "--port",
            "{port}",
            "--secret-id",
            SECRET_ID,
            "--secret-key",
            SECRET_KEY,
            "--log-level",
            "warning",
        ]
    )


def rss_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found
