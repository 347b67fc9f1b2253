"""The emulator's commands: serve, make-fixture, demo.

They need the ``emulator`` extra (PyAV, Pillow, Starlette, uvicorn); it is imported when a
command runs, so ``cos-snapshot --help`` and the client commands work without it.
"""

from __future__ import annotations

import argparse
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import Credentials
from .._shared.extras import needs_extra
from ._common import EXIT_OK, UsageError, local_path, print_json, subparser

__all__ = ["register"]


def _require_emulator_extra() -> None:
    message = needs_extra("emulator", "this command")
    if message:
        raise UsageError(message)


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() or int(width) < 2 or int(height) < 2:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT, e.g. 320x240; got {text!r}")
    return int(width), int(height)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return int(text)


_MAX_PORT = 65535


def _seconds(text: str, *, above_zero: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf") or (above_zero and value == 0):
        bound = "> 0" if above_zero else ">= 0"
        raise argparse.ArgumentTypeError(f"must be a number of seconds {bound}, got {text!r}")
    return value


def _positive_seconds(text: str) -> float:
    """Seconds above 0: one message for ``0``, ``-1`` and ``nan``."""
    return _seconds(text, above_zero=True)


def cmd_serve(args: argparse.Namespace) -> int:
    _require_emulator_extra()
    from ..emulator import EmulatorSettings, FaultSpec, run_server  # noqa: PLC0415 - optional extra

    if not 0 <= args.port <= _MAX_PORT:
        raise UsageError(f"--port must be a whole number from 0 to {_MAX_PORT}, not {args.port}")
    if args.anonymous and args.read_only:
        raise UsageError("--read-only is for signed mode: --anonymous is read-only already")
    if args.allow_writes and not args.anonymous:
        raise UsageError(
            "--allow-writes is for --anonymous: a signed emulator writes unless --read-only"
        )
    root = Path(args.root)
    if not root.is_dir():
        raise UsageError(f"--root {root} is not a directory")
    if args.anonymous and (args.secret_id or args.secret_key):
        raise UsageError("--anonymous and --secret-id/--secret-key exclude each other")
    credentials: tuple[Credentials, ...] = ()
    if not args.anonymous:
        if args.secret_id or args.secret_key:
            if not (args.secret_id and args.secret_key):
                raise UsageError("give both --secret-id and --secret-key")
            credentials = (Credentials(args.secret_id, args.secret_key, args.token),)
        else:
            try:
                credentials = (Credentials.from_env(),)
            except Exception as error:
                raise UsageError(
                    f"{error}; pass --secret-id/--secret-key, or --anonymous to accept unsigned requests"
                ) from None
    faults = None
    if args.faults:
        try:
            faults = FaultSpec.parse(args.faults, delay=args.fault_delay, seed=args.fault_seed)
        except ValueError as error:
            raise UsageError(f"--faults: {error}") from None
    settings = EmulatorSettings(
        root=root,
        bucket=args.bucket,
        credentials=credentials,
        anonymous=args.anonymous,
        allow_writes=args.allow_writes,
        read_only=args.read_only,
        request_head_timeout_s=args.request_timeout,
        request_body_timeout_s=args.request_timeout,
        exactframe=args.exactframe,
        past_end=args.past_end,
        media_size=args.media_size,
        rotation_sign=args.rotation_sign,
        stream_bitrate=args.stream_bitrate,
        one_side_zero=args.one_side_zero,
        both_sides=args.both_sides,
        workers=args.workers,
        queue_limit=args.queue_limit,
        max_connections=args.max_connections,
        job_workers=args.job_workers,
        job_decoders=args.job_decoders,
        job_queue_limit=args.job_queue_limit,
        job_history=args.job_history,
        job_rate=args.job_rate,
        job_average_end=args.job_average_end,
        job_keyframe_count=args.job_keyframe_count,
        job_sprite_spacing=args.job_sprite_spacing,
        faults=faults,
    )

    def listening(url: str) -> None:
        if getattr(args, "json", False):
            print_json({"url": url, "root": str(root.resolve()), "writable": settings.writable})

    run_server(
        settings, host=args.host, port=args.port, log_level=args.log_level, on_listening=listening
    )
    return EXIT_OK


def _fps(text: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        value = Fraction(0)
    if value <= 0:
        raise argparse.ArgumentTypeError(
            f"must be a positive number like 25 or 30000/1001, got {text!r}"
        )
    return value


def _span(text: str) -> tuple[float, float]:
    start, sep, end = text.partition(":")
    if sep:
        try:
            a, b = _seconds(start), _seconds(end)
        except argparse.ArgumentTypeError:
            pass
        else:
            if a < b:
                return a, b
    raise argparse.ArgumentTypeError(
        f"must be FROM:TO in seconds with FROM < TO, e.g. 1:2.5; got {text!r}"
    )


def _intro(text: str) -> float:
    kind, sep, seconds = text.partition(":")
    if kind != "black" or not sep:
        raise argparse.ArgumentTypeError(f"must be black:SECONDS, e.g. black:1; got {text!r}")
    return _positive_seconds(seconds)


#: The containers make-fixture writes, by file suffix (as ``fixtures.CONTAINERS``, which needs
#: the emulator extra to import; a test keeps the two equal).
FIXTURE_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".ts")


def cmd_make_fixture(args: argparse.Namespace) -> int:
    output = local_path(args.output, "OUTPUT", "; put it there with the SDK or coscli")
    _require_emulator_extra()
    import av  # noqa: PLC0415 - optional extra

    from ..testing.videos import make_fixture  # noqa: PLC0415 - optional extra

    try:
        info = make_fixture(
            output,
            duration=args.duration,
            fps=args.fps,
            gop=args.gop,
            size=args.size,
            codec=args.codec,
            rotate=args.rotate,
            flip=args.flip,
            bframes=args.bframes,
            style=args.style,
            intro_black=args.intro,
            fade_in=args.fade_in,
            blur=args.blur,
            flash=args.flash,
            flat=args.flat,
        )
    except ValueError as error:
        if isinstance(error, av.FFmpegError):
            raise  # the encoder failed: not a usage problem
        raise UsageError(f"make-fixture: {error}") from None
    if args.json:
        print_json(_fixture_record(info))
    else:
        print(f"{args.output}: {info}")
    return EXIT_OK


def _fixture_record(info: Any) -> dict[str, Any]:
    """``make-fixture --json``'s line: the :class:`~cos_snapshot.testing.FixtureInfo` as JSON,
    exact fractions as text ("1/25"), the frames' times as their count and the file's end."""
    width, height = info.display_size
    return {
        "path": str(info.path),
        "codec": info.codec,
        "container": info.container,
        "pix_fmt": info.pix_fmt,
        "width": width,
        "height": height,
        "stored_size": list(info.stored_size),
        "rotation": info.orientation.rotation,
        "mirrored": info.orientation.mirrored,
        "frames": info.frame_count,
        "duration": str(info.end),
        "start": str(info.start),
        "time_base": str(info.time_base),
        "keyframes": list(info.keyframes),
        "has_audio": info.has_audio,
        "style": info.style,
        "sample_aspect": str(info.sample_aspect),
        "effects": [
            {
                "kind": e.kind,
                "start": str(e.start),
                "end": str(e.end),
                "first_frame": e.first,
                "frames": e.stop - e.first,
            }
            for e in info.effects
        ],
    }


def cmd_demo(args: argparse.Namespace) -> int:
    _require_emulator_extra()
    from ..tools.demo import run_demo  # noqa: PLC0415 - optional extra

    return run_demo(Path(args.output_dir), as_json=args.json)


def register(sub: Any) -> None:
    serve = subparser(
        sub,
        "serve",
        "run the local GetSnapshot emulator over the video files under a directory",
        cmd_serve,
        epilog="""
        examples:
          cos-snapshot serve --root ./videos --anonymous
          cos-snapshot serve --root ./videos --port 9000 --secret-id AKIDEXAMPLE --secret-key s3cret
          cos-snapshot serve --root ./videos --anonymous --exactframe next --past-end error
          cos-snapshot serve --root ./videos --anonymous --faults 503=0.2,reset=0.1,slow=0.1
        """,
    )
    serve.add_argument("--root", required=True, help="directory whose files are the objects")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default loopback)"
    )
    serve.add_argument("--port", type=int, default=9000, help="port to listen on (default 9000)")
    serve.add_argument("--bucket", help="bucket name to answer for (others get NoSuchBucket)")
    serve.add_argument(
        "--secret-id", help="accepted access key id (default: TENCENTCLOUD_SECRET_ID)"
    )
    serve.add_argument("--secret-key", help="its secret key (default: TENCENTCLOUD_SECRET_KEY)")
    serve.add_argument("--token", help="STS token that signed requests must carry")
    serve.add_argument(
        "--anonymous",
        action="store_true",
        help="accept unsigned requests; read-only unless --allow-writes",
    )
    serve.add_argument(
        "--allow-writes",
        action="store_true",
        help="with --anonymous: let unsigned requests PUT and DELETE the files under --root "
        "(any local process could then change them)",
    )
    serve.add_argument(
        "--read-only",
        action="store_true",
        help="signed mode: refuse PUT, DELETE and every other write with 403 AccessDenied",
    )
    serve.add_argument(
        "--request-timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="a connection's request head must arrive within this time, and a request body may "
        "pause no longer; slower clients are dropped (default 10)",
    )
    serve.add_argument(
        "--exactframe",
        choices=["previous", "next"],
        default="previous",
        help="exactframe picks the frame on screen at time (previous, default) or the first "
        "frame at or after it (next, as ffmpeg -ss)",
    )
    serve.add_argument(
        "--past-end",
        choices=["last", "error"],
        default="last",
        help="a time past the last frame gives the last frame (default) or 400 InvalidArgument",
    )
    serve.add_argument(
        "--media-size",
        choices=["stored", "displayed"],
        default="stored",
        help="GetMediaInfo's Width/Height: the stored picture (default) or the displayed one",
    )
    serve.add_argument(
        "--rotation-sign",
        choices=["counter-clockwise", "clockwise"],
        default="counter-clockwise",
        help="GetMediaInfo's Rotation in counter-clockwise degrees (default, as FFmpeg) or "
        "clockwise ones",
    )
    serve.add_argument(
        "--stream-bitrate",
        choices=["measured", "empty"],
        default="measured",
        help="GetMediaInfo's video Bitrate: measured from its packets (default) or left empty, "
        "as ffprobe leaves it for MPEG-TS",
    )
    serve.add_argument(
        "--one-side-zero",
        choices=["round-half-up", "floor", "ceil", "even"],
        default="round-half-up",
        help="with width or height 0, how the side computed from the aspect is rounded "
        "(default round-half-up; even: half to even)",
    )
    serve.add_argument(
        "--both-sides",
        choices=["stretch", "fit", "fill"],
        default="stretch",
        help="with width and height both set: stretch to exactly that size (default), or keep "
        "the aspect and fit inside it or fill it",
    )
    serve.add_argument(
        "--workers", type=_positive_int, default=2, help="snapshots decoded at once (default 2)"
    )
    serve.add_argument(
        "--queue-limit",
        type=_count,
        default=32,
        help="snapshot requests that may wait for a worker; more get 503 SlowDown (default 32)",
    )
    serve.add_argument(
        "--max-connections",
        type=_positive_int,
        default=1000,
        help="connections served at once; more get a plain 503 from uvicorn (default 1000)",
    )
    serve.add_argument(
        "--job-workers",
        type=_positive_int,
        default=1,
        help="snapshot jobs (POST /jobs) run at once, one thread each (default 1)",
    )
    serve.add_argument(
        "--job-decoders",
        type=_positive_int,
        default=2,
        help="decoders each job's pass is shared between, one thread each when more than 1 "
        "(1: one decoder with two frame threads; default 2)",
    )
    serve.add_argument(
        "--job-queue-limit",
        type=_count,
        default=100,
        help="snapshot jobs that may wait for a worker; one more gets 503 SlowDown (default 100)",
    )
    serve.add_argument(
        "--job-history",
        type=_positive_int,
        default=1000,
        help="ended jobs remembered (in memory, for the server's life; default 1000)",
    )
    serve.add_argument(
        "--job-rate",
        type=_count,
        default=0,
        metavar="N",
        help="jobs accepted per second, as the vendor limits them (10 there); one more in a "
        "second gets 503 SlowDown (default 0: no limit)",
    )
    serve.add_argument(
        "--job-average-end",
        choices=["exclude", "include"],
        default="exclude",
        help="Average mode: Count shots a step apart ending a step before the end (default), "
        "or with the last at the end",
    )
    serve.add_argument(
        "--job-keyframe-count",
        choices=["bounds", "ignored"],
        default="bounds",
        help="KeyFrame mode: Count bounds the keyframes taken (default) or is ignored",
    )
    serve.add_argument(
        "--job-sprite-spacing",
        choices=["ffmpeg", "css"],
        default="ffmpeg",
        help="sprite Margin/Padding: ffmpeg tile's outer border and gap between cells "
        "(default), or a border and padding around each cell",
    )
    serve.add_argument(
        "--faults",
        metavar="SPEC",
        help="inject faults for resilience tests: comma-separated FAULT=PROBABILITY with FAULT "
        "a status (503, 500, ...), reset (connection reset mid-body), short (body cut short) "
        "or slow (answer after --fault-delay), e.g. 503=0.2,reset=0.1,slow=0.1",
    )
    serve.add_argument(
        "--fault-delay",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="how long a slow answer waits (default 1)",
    )
    serve.add_argument(
        "--fault-seed", type=int, metavar="N", help="seed the fault draws, for repeatable runs"
    )
    serve.add_argument(
        "--log-level",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        default="info",
        help="server log level (default info; access lines never show STS tokens)",
    )

    fixture = subparser(
        sub,
        "make-fixture",
        "write a test video whose every frame shows its own index",
        cmd_make_fixture,
        epilog="""
        Effects (black intro, fade-in, blur, flash, flat) cover the frames that appear in
        their span; those frames do not show their index, and --json lists where they are.

        examples:
          cos-snapshot make-fixture clip.mp4
          cos-snapshot make-fixture clock.mp4 --style clock
          cos-snapshot make-fixture rotated.mp4 --rotate 90 --size 640x360 --gop 50
          cos-snapshot make-fixture clip.webm --codec vp9 --duration 2
          cos-snapshot make-fixture hard.mp4 --style clock --duration 10 --intro black:1 \\
              --fade-in 1 --blur 2:4 --flash 5 --flat 6:8
        """,
    )
    fixture.add_argument(
        "output",
        help="file to write; its suffix picks the container: " + ", ".join(FIXTURE_SUFFIXES),
    )
    fixture.add_argument("--duration", type=float, default=4.0, help="seconds (default 4)")
    fixture.add_argument(
        "--fps",
        type=_fps,
        default=Fraction(25),
        help="frames per second, e.g. 30000/1001 (default 25)",
    )
    fixture.add_argument(
        "--gop", type=_positive_int, default=25, help="frames between keyframes (default 25)"
    )
    fixture.add_argument(
        "--size", type=_size, default=(320, 240), help="stored WIDTHxHEIGHT (default 320x240)"
    )
    fixture.add_argument(
        "--rotate",
        type=int,
        choices=[0, 90, 180, 270],
        default=0,
        help="display rotation metadata: degrees players turn the picture clockwise "
        "(default 0; not in .ts)",
    )
    fixture.add_argument("--flip", action="store_true", help="mark the video as mirrored")
    fixture.add_argument(
        "--bframes", type=_count, default=2, help="B-frames between references (default 2)"
    )
    fixture.add_argument(
        "--codec",
        choices=["h264", "hevc", "vp9", "av1"],
        default="h264",
        help="video codec (default h264; .webm takes vp9 or av1)",
    )
    fixture.add_argument(
        "--style",
        choices=["pattern", "clock"],
        default="pattern",
        help="pattern: the frame-index pattern fills the picture (default); clock: the time "
        "as a clock a person reads, the pattern in a corner",
    )
    fixture.add_argument(
        "--intro",
        type=_intro,
        metavar="black:S",
        help="start with S seconds of black",
    )
    fixture.add_argument(
        "--fade-in",
        type=_positive_seconds,
        metavar="S",
        help="fade in from black over S seconds (after the intro)",
    )
    fixture.add_argument(
        "--blur",
        type=_span,
        action="append",
        metavar="FROM:TO",
        help="blur the frames from FROM until TO seconds (repeatable)",
    )
    fixture.add_argument(
        "--flash",
        type=_seconds,
        action="append",
        metavar="T",
        help="white flash frames at T seconds: the frame on screen then and the next (repeatable)",
    )
    fixture.add_argument(
        "--flat",
        type=_span,
        action="append",
        metavar="FROM:TO",
        help="one uniform colour from FROM until TO seconds (repeatable)",
    )

    demo = subparser(
        sub,
        "demo",
        "make fixture videos, start the emulator on a free loopback port, fetch snapshots "
        "through the signed client and show what came back",
        cmd_demo,
        epilog="""
        examples:
          cos-snapshot demo
          cos-snapshot demo --output-dir ./demo-output
        """,
    )
    demo.add_argument(
        "--output-dir",
        default="demo-output",
        help="where snapshots are saved (default: %(default)s)",
    )
