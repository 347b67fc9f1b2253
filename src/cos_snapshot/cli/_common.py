"""What every command shares: exit codes, :class:`UsageError`, the connection options, the
``--json``/``--debug`` options, the subparser helper and JSON printing.

Command modules import this one; it imports none of them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import attrs

from .. import (
    AsyncSnapshotClient,
    CosClientError,
    CosInvalidArgumentError,
    Credentials,
    SnapshotArgs,
    SnapshotClient,
)
from .._shared.exits import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from .._shared.snapshot_params import (
    DEFAULT_FORMAT,
    DEFAULT_HEIGHT,
    DEFAULT_MODE,
    DEFAULT_ROTATE,
    DEFAULT_WIDTH,
    FORMATS,
    MAX_DIMENSION,
    MIN_DIMENSION,
    MODES,
    ROTATES,
)
from ..tools.batch import BatchInputError, parse_times
from ..tools.destination import BUCKET_SCHEME, BucketPrefix, OutputPlace

__all__ = [
    "DEFAULT_CONCURRENCY",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "MAX_CONCURRENCY",
    "SNAPSHOT_OPTIONS",
    "BucketPath",
    "Handler",
    "UsageError",
    "add_connection_options",
    "add_global_options",
    "add_snapshot_options",
    "async_client_from_args",
    "bucket_output",
    "bucket_path",
    "client_from_args",
    "client_options",
    "concurrency",
    "is_bucket_url",
    "only_broken_pipes",
    "options_named",
    "output_place",
    "parse_times_option",
    "print_json",
    "snapshot_args",
    "subparser",
    "usage_error",
    "whole_number",
]

#: Requests in flight at once for the commands that take many snapshots (batch, sheet).
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A problem with how the command was called (exit code 2)."""


#: A bucket's name as COS spells it: ``<name>-<appid>`` (the client checks the same form).
_BUCKET_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?-[0-9]+$")


def is_bucket_url(text: str | None) -> bool:
    """Whether ``text`` names a place in a bucket (``cos://...``) rather than a local path."""
    return text is not None and text.startswith(BUCKET_SCHEME)


@attrs.frozen
class BucketPath:
    """A place in a bucket: ``bucket`` (``None``: the endpoint's, with --endpoint-url) and the
    key ``prefix`` under it (``""``: the whole bucket)."""

    bucket: str | None
    prefix: str

    def __str__(self) -> str:
        return f"{BUCKET_SCHEME}{self.bucket or ''}/{self.prefix}"


def bucket_path(text: str, args: argparse.Namespace, *, option: str) -> BucketPath:
    """``text`` as a place in a bucket, and ``args.bucket`` set to its bucket.

    ``cos://bucket-appid/prefix`` (as coscli writes it) names the bucket; ``cos:///prefix``
    (no bucket) is the bucket in use: --bucket (or COS_BUCKET), else the endpoint's
    (--endpoint-url). Anything else after ``cos://`` is a usage error naming ``option``: a
    first segment that is no ``name-appid`` (``cos://posters/``) suggests ``cos:///posters/``,
    and no bucket with no endpoint names --bucket. Text without the scheme is a plain key
    prefix in the bucket in use."""
    if not is_bucket_url(text):
        return BucketPath(args.bucket, text)
    rest = text.removeprefix(BUCKET_SCHEME)
    first, slash, prefix = rest.partition("/")
    if first:
        if not _BUCKET_NAME.match(first):
            raise UsageError(
                f"{option} {text}: {first!r} is not a bucket (<name>-<appid>, e.g. "
                f"examplebucket-1250000000); for a prefix in the bucket in use write "
                f"{BUCKET_SCHEME}/{rest}"
            )
        args.bucket = first  # the path names the bucket: it wins over --bucket and COS_BUCKET
        return BucketPath(first, prefix)
    if not slash:
        prefix = ""
    if not args.bucket and not args.endpoint_url:
        raise UsageError(
            f"{option} {text} names no bucket: give --bucket (or COS_BUCKET), write "
            f"{BUCKET_SCHEME}<name>-<appid>/{prefix}, or give --endpoint-url"
        )
    return BucketPath(args.bucket, prefix)


def output_place(text: str, args: argparse.Namespace, *, option: str = "-o") -> OutputPlace:
    """Where a command's outputs go: ``text`` as a local path, or, written ``cos://...``, a
    prefix in a bucket (:func:`bucket_path`; ``args.bucket`` set to its bucket), taken as a
    directory (``cos:///posters`` is ``posters/``). One command reads and writes one bucket:
    a ``cos://`` output naming another bucket than the one its videos are read from
    (``--bucket``, ``COS_BUCKET`` or ``--prefix cos://...``) is refused."""
    if not is_bucket_url(text):
        return Path(text)
    place = bucket_output(text, args, option=option)
    return BucketPrefix(place.prefix, place.bucket)


def bucket_output(text: str, args: argparse.Namespace, *, option: str = "-o") -> BucketPath:
    """The ``cos://`` output ``text`` as a place in a bucket (:func:`bucket_path`), refused
    when it names another bucket than the one the videos are read from (``--bucket``,
    ``COS_BUCKET``, or a ``cos://`` input): a command reads and writes one bucket."""
    reading = args.bucket
    place = bucket_path(text, args, option=option)
    named = _named_bucket(text)
    if reading and named and named != reading:
        raise UsageError(
            f"{option} {text}: the videos are read from {reading}, and a command reads and "
            f"writes one bucket; write {BUCKET_SCHEME}/{place.prefix} for a place in {reading}"
        )
    return place


def _named_bucket(text: str) -> str | None:
    """The bucket a ``cos://`` text names itself (``None`` for ``cos:///...``)."""
    return text.removeprefix(BUCKET_SCHEME).partition("/")[0] or None


#: The option of each parameter that the library's time selections name in their errors.
_TIME_OPTIONS = {"time": "--times", "count": "--count", "every": "--every"}


#: The option of each snapshot parameter, for the commands that take one time (``--time``).
SNAPSHOT_OPTIONS = {
    "time": "--time",
    "width": "--width",
    "height": "--height",
    "format": "--format",
    "rotate": "--rotate",
    "mode": "--mode",
}


def usage_error(
    error: CosInvalidArgumentError, options: Mapping[str, str] | None = None
) -> UsageError:
    """``error`` as a usage error that names the option as the command line spells it
    (``every: ...`` becomes ``--every: ...``; ``options`` maps parameters to options, the
    time selections' by default); any other parameter keeps its name."""
    names = _TIME_OPTIONS if options is None else options
    return UsageError(f"{names.get(error.parameter, error.parameter)}: {error.problem}")


@contextlib.contextmanager
def options_named(options: Mapping[str, str] | None = None) -> Iterator[None]:
    """Within it, a :class:`~cos_snapshot.CosInvalidArgumentError` becomes the
    :func:`usage_error` naming the option (``--times``, ``--count``, ``--every``, or as
    ``options`` maps them)."""
    try:
        yield
    except CosInvalidArgumentError as error:
        raise usage_error(error, options) from None


def _env_default(name: str) -> str | None:
    return os.environ.get(name) or None


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """--bucket, --region, --endpoint-url (defaults from the environment) and --anonymous."""
    group = parser.add_argument_group(
        "where (defaults from COS_BUCKET, COS_REGION, COS_ENDPOINT_URL)"
    )
    group.add_argument(
        "--bucket",
        default=_env_default("COS_BUCKET"),
        help="bucket, <name>-<appid> (default: $COS_BUCKET)",
    )
    group.add_argument(
        "--region",
        default=_env_default("COS_REGION"),
        help="region, e.g. ap-guangzhou (default: $COS_REGION)",
    )
    group.add_argument(
        "--endpoint-url",
        default=_env_default("COS_ENDPOINT_URL"),
        help="any COS-compatible endpoint, e.g. the emulator's http://127.0.0.1:9000 "
        "(default: $COS_ENDPOINT_URL; without it, the bucket's COS endpoint)",
    )
    group.add_argument(
        "--anonymous",
        action="store_true",
        help="send unsigned requests (otherwise credentials come from TENCENTCLOUD_SECRET_ID, "
        "TENCENTCLOUD_SECRET_KEY and TENCENTCLOUD_SECURITY_TOKEN)",
    )


def add_snapshot_options(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *,
    what: str = "output",
    width: int = DEFAULT_WIDTH,
    format: bool = True,
    format_default: str | None = DEFAULT_FORMAT,
    format_help: str | None = None,
) -> None:
    """--width, --height, --format (unless not ``format``), --rotate and --mode: the snapshot
    parameters' choices, defaults and bounds (``cos_snapshot._shared.snapshot_params``).
    ``what`` names the picture they size (``output``, ``cell``), ``width`` is --width's
    default. The values are checked by :func:`snapshot_args`, which names a bad one."""
    bounds = f"{MIN_DIMENSION} to {MAX_DIMENSION} (0: follow the video)"
    parser.add_argument(
        "--width",
        type=int,
        default=width,
        help=f"{what} width in pixels, {bounds}; default: %(default)s",
    )
    parser.add_argument(
        "--height",
        type=int,
        default=DEFAULT_HEIGHT,
        help=f"{what} height in pixels, {bounds}; default: %(default)s",
    )
    if format:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default=format_default,
            help=format_help or f"image format (default: {format_default})",
        )
    parser.add_argument(
        "--rotate",
        choices=ROTATES,
        default=DEFAULT_ROTATE,
        help="auto: turn the picture as the video's rotation says, off: as stored "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--mode",
        choices=MODES,
        default=DEFAULT_MODE,
        help="exactframe: the frame on screen at the time, keyframe: the latest keyframe at or "
        "before it, faster (default: %(default)s)",
    )


def snapshot_args(args: argparse.Namespace, key: str, time: str) -> SnapshotArgs:
    """The options of :func:`add_snapshot_options` for ``key`` at ``time``, checked (a bad
    one raises :class:`~cos_snapshot.CosInvalidArgumentError` naming it: exit 2)."""
    return SnapshotArgs.check(
        key,
        time,
        width=args.width,
        height=args.height,
        format=getattr(args, "format", None) or DEFAULT_FORMAT,
        rotate=args.rotate,
        mode=args.mode,
    )


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for SnapshotClient or AsyncSnapshotClient from the connection options
    and the environment."""
    if not args.endpoint_url and not (args.bucket and args.region):
        missing = [
            f"{option} (or {variable})"
            for option, variable, given in (
                ("--bucket", "COS_BUCKET", args.bucket),
                ("--region", "COS_REGION", args.region),
            )
            if not given
        ]
        raise UsageError(
            f"no endpoint: give {' and '.join(missing)}, or --endpoint-url (or COS_ENDPOINT_URL)"
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


def async_client_from_args(args: argparse.Namespace, concurrency: int) -> AsyncSnapshotClient:
    """The async client of the commands that keep many requests in flight (batch, sheet):
    on aiohttp's transport when it is installed (the ``cli`` extra brings it), with a pool of
    ``concurrency`` connections."""
    return AsyncSnapshotClient(
        **client_options(args), transport="auto", max_connections=concurrency
    )


def print_json(payload: object, *, file: TextIO | None = None) -> None:
    """One JSON line on ``file`` (stdout by default)."""
    print(json.dumps(payload, ensure_ascii=False, sort_keys=True), file=file, flush=True)


def only_broken_pipes(error: BaseException) -> bool:
    """Whether ``error`` is a BrokenPipeError, or a group (the tasks of a batch) of nothing
    else: the reader of our output went away (``cos-snapshot --json batch ... | head -1``)."""
    if isinstance(error, BaseExceptionGroup):
        return all(only_broken_pipes(inner) for inner in error.exceptions)
    return isinstance(error, BrokenPipeError)


def concurrency(text: str) -> int:
    """The argparse type of --concurrency."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(
            f"must be a whole number from 1 to {MAX_CONCURRENCY}, got {text!r}"
        )
    return int(text)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (--cols, --count)."""

    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, got {text!r}"
            )
        return int(text)

    return parse


def parse_times_option(text: str, *, relative: bool = False) -> list[str]:
    """The times of --times (see :func:`cos_snapshot.tools.batch.parse_times`; with ``relative``,
    ``50%`` and ``end`` entries too); a usage error naming the option when they are not
    usable."""
    try:
        return parse_times(text, relative=relative)
    except BatchInputError as error:
        # The library's "times ..." is the option's: said once, as the command line spells it.
        message = str(error)
        raise UsageError(
            f"--{message}" if message.startswith("times") else f"--times: {message}"
        ) from None


def subparser(
    sub: Any, name: str, help_text: str, handler: Handler, *, epilog: str | None = None
) -> argparse.ArgumentParser:
    """Add the command ``name`` to ``sub`` (the subparsers action): its help, its dedented
    ``epilog`` (examples, exit codes), the handler it runs and the global options."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=textwrap.dedent(epilog or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    add_global_options(parser, default=argparse.SUPPRESS)
    return parser


def add_global_options(parser: argparse.ArgumentParser, *, default: Any) -> None:
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
