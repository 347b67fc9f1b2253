"""``cos-snapshot demo``: everything end to end, with nothing but the install.

It writes fixture videos in the clock style (every frame shows its time as a large clock for
people and its index in a corner for the demo to check), starts the emulator on a free
loopback port with a throwaway key pair, fetches snapshots through the signed
:class:`~cos_snapshot.SnapshotClient` (and one presigned URL), saves them, reads the frame
index back from each image and prints what it asked for next to what it got.
"""

from __future__ import annotations

import json
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx2

from .. import Credentials, Snapshot, SnapshotArgs, SnapshotClient
from ..emulator import EmulatorSettings, running_emulator
from ..testing.videos import FixtureInfo, make_fixture, read_frame_index

__all__ = ["DemoRow", "collect", "render_table", "run_demo"]

PLAIN_KEY = "videos/clip one.mp4"
ROTATED_KEY = "videos/旋转 rotated+90.mp4"


@dataclass(frozen=True)
class _Ask:
    label: str
    args: SnapshotArgs
    presigned: bool = False


def _ask(label: str, key: str, time: str, *, presigned: bool = False, **options: Any) -> _Ask:
    return _Ask(label, SnapshotArgs.check(key, time, **options), presigned)


ASKS = (
    _ask("exact frame", PLAIN_KEY, "1.52"),
    _ask("keyframe before it", PLAIN_KEY, "1.52", mode="keyframe"),
    _ask("exact frame as PNG", PLAIN_KEY, "2.04", format="png"),
    _ask("resized, width only", PLAIN_KEY, "0.4", width=160),
    _ask("stretched to 100x100", PLAIN_KEY, "3", width=100, height=100),
    _ask("past the end", PLAIN_KEY, "99"),
    _ask("rotated video, auto", ROTATED_KEY, "1"),
    _ask("rotated video, off", ROTATED_KEY, "1", rotate="off"),
    _ask("presigned URL", PLAIN_KEY, "0.76", presigned=True),
)


@dataclass
class DemoRow:
    """One line of the demo's table."""

    label: str
    key: str
    time: str
    params: str
    expected_frame: int
    got_frame: int | None = None
    size: str = ""
    bytes: int = 0
    ms: float = 0.0
    saved: str = ""
    error: str = ""
    ok: bool = field(default=False)


def _expected_frame(info: FixtureInfo, ask: _Ask) -> int:
    t = Decimal(ask.args.time)
    return info.keyframe_at(t) if ask.args.mode == "keyframe" else info.frame_at(t)


def _params_text(ask: _Ask) -> str:
    parts: list[str] = [ask.args.mode, ask.args.format]
    if ask.args.width or ask.args.height:
        parts.append(f"{ask.args.width}x{ask.args.height}")
    if ask.args.rotate != "auto":
        parts.append(f"rotate={ask.args.rotate}")
    return " ".join(parts)


def _fetch(client: SnapshotClient, ask: _Ask) -> Snapshot:
    if not ask.presigned:
        return client.get_snapshot(ask.args)
    url = client.presign_snapshot_url(ask.args, expires=300)
    response = httpx2.get(url, timeout=30)
    response.raise_for_status()
    return Snapshot.from_bytes(
        response.content, request_id=response.headers.get("x-cos-request-id")
    )


def _make_videos(root: Path) -> dict[str, FixtureInfo]:
    return {
        PLAIN_KEY: make_fixture(
            root / PLAIN_KEY, duration=4, fps=25, gop=25, size=(320, 240), style="clock"
        ),
        ROTATED_KEY: make_fixture(
            root / ROTATED_KEY,
            duration=2,
            fps=25,
            gop=25,
            size=(320, 240),
            rotate=90,
            style="clock",
        ),
    }


def collect(output_dir: Path, progress: Callable[[str], None] = lambda _: None) -> list[DemoRow]:
    """Run the demo and return its rows (saved images go to ``output_dir``)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    rows: list[DemoRow] = []
    with tempfile.TemporaryDirectory(prefix="cos-snapshot-demo-") as tmp:
        root = Path(tmp)
        progress("writing fixture videos ...")
        infos = _make_videos(root)
        credentials = Credentials(f"AKIDdemo{secrets.token_hex(8)}", secrets.token_urlsafe(24))
        settings = EmulatorSettings(root=root, credentials=(credentials,))
        with running_emulator(settings) as url:
            progress(f"emulator listening on {url}")
            with SnapshotClient(endpoint_url=url, credentials=credentials) as client:
                for number, ask in enumerate(ASKS, start=1):
                    rows.append(_run_one(client, ask, infos[ask.args.key], output_dir, number))
    return rows


def _run_one(
    client: SnapshotClient, ask: _Ask, info: FixtureInfo, output_dir: Path, number: int
) -> DemoRow:
    row = DemoRow(
        label=ask.label,
        key=ask.args.key,
        time=ask.args.time,
        params=_params_text(ask),
        expected_frame=_expected_frame(info, ask),
    )
    started = time.perf_counter()
    try:
        snapshot = _fetch(client, ask)
    except Exception as error:  # the demo reports every failure in its table
        row.error = f"{type(error).__name__}: {error}"
        return row
    row.ms = (time.perf_counter() - started) * 1000
    row.size = f"{snapshot.width}x{snapshot.height}"
    row.bytes = len(snapshot.content)
    path = (
        output_dir
        / f"{number:02d}-{ask.label.replace(' ', '-').replace(',', '')}.{snapshot.format}"
    )
    row.saved = str(snapshot.save(path))
    try:
        row.got_frame = read_frame_index(snapshot.content, style=info.style)
    except ValueError as error:
        row.error = f"frame index unreadable: {error}"
        return row
    row.ok = row.got_frame == row.expected_frame
    return row


def render_table(rows: list[DemoRow]) -> str:
    """A plain-text table of the rows."""
    header = (
        "#",
        "asked",
        "key",
        "time",
        "params",
        "frame index wanted",
        "frame index got",
        "size",
        "bytes",
        "ms",
        "verdict",
    )
    lines = [header]
    for number, row in enumerate(rows, start=1):
        got = "-" if row.got_frame is None else str(row.got_frame)
        verdict = "ok" if row.ok else (row.error or "WRONG FRAME")
        lines.append(
            (
                str(number),
                row.label,
                row.key,
                row.time,
                row.params,
                str(row.expected_frame),
                got,
                row.size,
                str(row.bytes),
                f"{row.ms:.1f}",
                verdict,
            )
        )
    widths = [max(_columns(line[i]) for line in lines) for i in range(len(header))]
    out = [
        "  ".join(
            cell + " " * (width - _columns(cell)) for cell, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in lines
    ]
    out.insert(1, "  ".join("-" * w for w in widths).rstrip())
    return "\n".join(out)


def _columns(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters (旋转) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run_demo(output_dir: Path, *, as_json: bool = False) -> int:
    """Run the demo, print the table (or JSON lines) and return the exit code: 0 when every
    snapshot showed the expected frame."""
    say: Callable[[str], None] = (lambda _: None) if as_json else print
    rows = collect(output_dir, progress=say)
    if as_json:
        for row in rows:
            print(json.dumps(row.__dict__, ensure_ascii=False, sort_keys=True))
    else:
        print(render_table(rows))
        good = sum(row.ok for row in rows)
        print(f"\n{good}/{len(rows)} snapshots showed the expected frame; images in {output_dir}/")
    return 0 if all(row.ok for row in rows) else 1
