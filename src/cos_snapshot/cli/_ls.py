"""``cos-snapshot ls``: the bucket's objects under a prefix, a page at a time.

Each page (up to 1000 entries) is printed as it arrives: nothing is held but the page, so a
listing of millions of keys starts at once and takes no more memory than its first page.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC
from typing import Any

from .._shared.text import plural
from ._common import (
    EXIT_OK,
    add_connection_options,
    bucket_path,
    client_from_args,
    print_json,
    subparser,
)

__all__ = ["register"]

EPILOG = """
examples:
  # every object under videos/ in the bucket in use (--bucket, or COS_BUCKET)
  cos-snapshot ls videos/
  # the same, naming the bucket as coscli does; cos:///videos/ is the bucket in use
  cos-snapshot ls cos://examplebucket-1250000000/videos/
  # one level: the objects directly under videos/ and its "directories" (PRE videos/a/)
  cos-snapshot ls videos/ --delimiter /

Each line is the time modified (UTC), the size in bytes and the key; a key holding control
characters is shown quoted (--json gives every key exactly). The count follows on stderr:
'0 objects under PREFIX' when there are none (exit 0).

exit codes: 0 listed (none included); 1 the service refused or failed (its message is
shown); 2 bad usage
"""


def _shown(key: str) -> str:
    """``key`` on one line: as it is when printable, else quoted with its escapes."""
    return key if key.isprintable() else repr(key)


def cmd_ls(args: argparse.Namespace) -> int:
    where = bucket_path(args.prefix, args, option="ls")
    objects = total_bytes = 0
    with client_from_args(args) as client:
        marker: str | None = None
        while True:
            page = client.list_objects(where.prefix, delimiter=args.delimiter, marker=marker)
            for prefix in page.common_prefixes:
                if args.json:
                    print_json({"type": "prefix", "prefix": prefix})
                else:
                    print(f"{'PRE':>32}  {_shown(prefix)}")
            for summary in page.objects:
                objects += 1
                total_bytes += summary.size
                modified = summary.last_modified.astimezone(UTC)
                if args.json:
                    print_json(
                        {
                            "type": "object",
                            "key": summary.key,
                            "size": summary.size,
                            "etag": summary.etag,
                            "last_modified": modified.isoformat().replace("+00:00", "Z"),
                            "storage_class": summary.storage_class,
                        }
                    )
                else:
                    print(
                        f"{modified:%Y-%m-%d %H:%M:%S}  {summary.size:>12}  {_shown(summary.key)}"
                    )
            sys.stdout.flush()
            if not page.is_truncated:
                break
            marker = page.next_marker
    under = where.prefix or "the bucket's root"
    print(
        f"{plural(objects, 'object')} under {under} ({plural(total_bytes, 'byte')})",
        file=sys.stderr,
    )
    return EXIT_OK


def register(sub: Any) -> None:
    ls = subparser(
        sub,
        "ls",
        "list the bucket's objects under a prefix: time, size, key (streamed a page at a time)",
        cmd_ls,
        epilog=EPILOG,
    )
    ls.add_argument(
        "prefix",
        nargs="?",
        default="",
        metavar="PREFIX",
        help="a key prefix (videos/), or cos://<name>-<appid>/PREFIX, or cos:///PREFIX for the "
        "bucket in use (default: the whole bucket)",
    )
    ls.add_argument(
        "--delimiter",
        metavar="D",
        help="group the keys below the next D after the prefix into one PRE line each "
        "(e.g. /: one level; default: every key)",
    )
    add_connection_options(ls)
