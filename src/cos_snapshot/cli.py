"""The ``cos-snapshot`` command line.

Exit codes: 0 success; 1 the service or the network failed (or some batch items did);
2 bad usage or invalid arguments; 130 interrupted.

Commands that need the emulator extra (serve, make-fixture, demo) import it only when run, so
the client commands work with the bare install.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ._client import SnapshotClient
from ._credentials import Credentials
from ._errors import CosClientError, CosError, CosInvalidArgumentError, CosServiceError
from ._version import __version__

__all__ = ["main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A problem with how the command was called (exit code 2)."""


def _env_default(name: str) -> str | None:
    return os.environ.get(name) or None


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "where (defaults from COS_BUCKET, COS_REGION, COS_ENDPOINT_URL)"
    )
    group.add_argument(
        "--bucket", default=_env_default("COS_BUCKET"), help="bucket, <name>-<appid>"
    )
    group.add_argument(
        "--region", default=_env_default("COS_REGION"), help="region, e.g. ap-guangzhou"
    )
    group.add_argument(
        "--endpoint-url",
        default=_env_default("COS_ENDPOINT_URL"),
        help="any COS-compatible endpoint, e.g. the emulator's http://127.0.0.1:9000",
    )
    group.add_argument(
        "--anonymous",
        action="store_true",
        help="send unsigned requests (otherwise credentials come from TENCENTCLOUD_SECRET_ID, "
        "TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN)",
    )


def _add_snapshot_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", help="object key of the video, e.g. videos/intro.mp4")
    parser.add_argument("--time", "-t", required=True, help="seconds from the start, e.g. 1.5")
    parser.add_argument("--width", type=int, default=0, help="output width (0: follow the video)")
    parser.add_argument("--height", type=int, default=0, help="output height (0: follow the video)")
    parser.add_argument("--format", choices=["jpg", "png"], default="jpg")
    parser.add_argument("--rotate", choices=["auto", "off"], default="auto")
    parser.add_argument("--mode", choices=["keyframe", "exactframe"], default="exactframe")


def _snapshot_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "width": args.width,
        "height": args.height,
        "format": args.format,
        "rotate": args.rotate,
        "mode": args.mode,
    }


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for SnapshotClient or AsyncSnapshotClient from the connection options
    and the environment."""
    if not args.endpoint_url and not (args.bucket and args.region):
        raise UsageError(
            "say where: --endpoint-url (or COS_ENDPOINT_URL), or --bucket and --region "
            "(or COS_BUCKET and COS_REGION)"
        )
    try:
        credentials = None if args.anonymous else Credentials.from_env()
    except CosClientError as error:
        raise UsageError(f"{error} (or pass --anonymous for unsigned requests)") from None
    return {
        "bucket": args.bucket,
        "region": args.region,
        "credentials": credentials,
        "endpoint_url": args.endpoint_url,
        "anonymous": args.anonymous,
    }


def client_from_args(args: argparse.Namespace) -> SnapshotClient:
    """A client from the connection options and the environment."""
    return SnapshotClient(**client_options(args))


def _print_json(payload: object) -> None:
    print(json.dumps(payload, ensure_ascii=False, sort_keys=True))


def cmd_get(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        snapshot = client.get_snapshot(args.key, args.time, **_snapshot_kwargs(args))
    output = (
        Path(args.output)
        if args.output
        else Path(f"{Path(args.key).stem}_{args.time}.{snapshot.format}")
    )
    snapshot.save(output)
    result = {
        "key": args.key,
        "time": args.time,
        "output": str(output),
        "content_type": snapshot.content_type,
        "width": snapshot.width,
        "height": snapshot.height,
        "bytes": len(snapshot.content),
        "request_id": snapshot.request_id,
    }
    if args.json:
        _print_json(result)
    else:
        print(
            f"{output}: {snapshot.width}x{snapshot.height} {snapshot.content_type}, {len(snapshot.content)} bytes"
        )
    return EXIT_OK


def cmd_presign(args: argparse.Namespace) -> int:
    with client_from_args(args) as client:
        url = client.presign_snapshot_url(
            args.key, args.time, expires=args.expires, **_snapshot_kwargs(args)
        )
    if args.json:
        _print_json({"url": url, "expires": args.expires})
    else:
        print(url)
    return EXIT_OK


EXAMPLES = {
    "get": """
        examples:
          cos-snapshot get videos/intro.mp4 --time 1.5 -o poster.jpg \\
              --bucket examplebucket-1250000000 --region ap-guangzhou
          COS_ENDPOINT_URL=http://127.0.0.1:9000 cos-snapshot get a.mp4 -t 0 --width 320 --format png -o a.png
        """,
    "presign": """
        examples:
          cos-snapshot presign videos/intro.mp4 --time 3 --expires 600
          curl -o frame.jpg "$(cos-snapshot presign a.mp4 -t 1 --endpoint-url http://127.0.0.1:9000)"
        """,
}


def _subparser(
    sub: Any, name: str, help_text: str, handler: Handler, *, epilog: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=textwrap.dedent(epilog or EXAMPLES.get(name, "")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    _add_global_options(parser, default=argparse.SUPPRESS)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """--debug and --json, accepted before and after the command name. A command's parser
    leaves them unset unless given, so it never undoes the same option given before it."""
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks on errors"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default,
        help="print results as JSON (errors stay one plain line on stderr)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cos-snapshot",
        description="Frames of videos in Tencent Cloud COS (GetSnapshot), and a local emulator.",
        epilog=textwrap.dedent(
            """
            exit codes: 0 ok; 1 service, network or item failures; 2 bad usage; 130 interrupted

            start here:  cos-snapshot demo
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cos-snapshot {__version__}")
    _add_global_options(parser, default=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    get = _subparser(sub, "get", "save one snapshot of a video to a file", cmd_get)
    _add_snapshot_options(get)
    get.add_argument("-o", "--output", help="file to write (default: <key stem>_<time>.<format>)")
    _add_connection_options(get)

    presign = _subparser(sub, "presign", "print a presigned snapshot URL", cmd_presign)
    _add_snapshot_options(presign)
    presign.add_argument(
        "--expires", type=int, default=3600, help="seconds the URL stays valid (default 3600)"
    )
    _add_connection_options(presign)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[Any], None]]:
    """Commands defined in their own modules: the emulator's (serve, make-fixture, demo),
    batch, sheet and contract."""
    from . import (  # noqa: PLC0415 - they use this module
        _cli_batch,
        _cli_contract,
        _cli_emulator,
        _cli_sheet,
    )

    return [
        _cli_emulator.register,
        _cli_batch.register,
        _cli_sheet.register,
        _cli_contract.register,
    ]


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("cos-snapshot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, CosInvalidArgumentError) as error:
        if args.debug:
            raise
        print(f"cos-snapshot: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except (CosServiceError, CosClientError, CosError, OSError) as error:
        if args.debug:
            raise
        print(f"cos-snapshot: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
