"""``cos-snapshot contract``: the argparse glue; the work is :mod:`cos_snapshot.testing.contract`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import UsageError, subparser

__all__ = ["register"]


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0, e.g. 0.3 or 3; got {text!r}")
    return value


def cmd_contract(args: argparse.Namespace) -> int:
    from ..testing.contract import ContractOptions, ContractUsageError, run_contract  # noqa: PLC0415

    extra = list(args.pytest_args)
    if extra and extra[0] == "--":
        extra = extra[1:]
    try:
        options = ContractOptions(
            live=args.live,
            bucket=args.bucket,
            region=args.region,
            endpoint_url=args.endpoint_url,
            strict=args.strict,
            anonymous=args.anonymous,
            junit=args.junit,
            report=args.report,
            examples=args.examples,
            seed=args.seed,
            pytest_args=extra,
        )
        return run_contract(options, as_json=bool(args.json))
    except ContractUsageError as error:
        raise UsageError(str(error)) from None


def register(sub: Any) -> None:
    parser = subparser(
        sub,
        "contract",
        "run the GetSnapshot contract suite against the embedded emulator, or with --live "
        "against your bucket or any signed COS-compatible server",
        cmd_contract,
        epilog="""
        exit codes: 0 every test passed, 1 a contract failed, 2 bad usage (a setting missing,
        no test ran), 130 interrupted (after deleting a live run's uploads)

        examples:
          cos-snapshot contract
          cos-snapshot contract --live --bucket examplebucket-1250000000 --region ap-guangzhou
          cos-snapshot contract --live --endpoint-url http://127.0.0.1:9000 \\
              --bucket examplebucket-1250000000 --region ap-guangzhou --report report.json
          cos-snapshot contract --examples 0.3 -- -x -k frames
        """,
    )
    live = parser.add_argument_group(
        "live target (defaults: COS_CONTRACT_BUCKET, COS_CONTRACT_REGION, "
        "COS_CONTRACT_ENDPOINT_URL, then COS_BUCKET, COS_REGION, COS_ENDPOINT_URL; credentials "
        "from TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SECURITY_TOKEN)"
    )
    live.add_argument(
        "--live", action="store_true", help="run against a bucket instead of the emulator"
    )
    live.add_argument("--bucket", help="bucket, <name>-<appid>")
    live.add_argument("--region", help="region, e.g. ap-guangzhou")
    live.add_argument("--endpoint-url", help="any signed COS-compatible server")
    live.add_argument(
        "--strict",
        action="store_true",
        default=None,
        help="hold the target to the emulator's exact choices (default: COS_CONTRACT_STRICT)",
    )
    live.add_argument(
        "--anonymous",
        action="store_true",
        default=None,
        help="the bucket allows public reads: check them too (default: COS_CONTRACT_ANONYMOUS)",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--report", type=Path, metavar="FILE", help="write the behaviour report (JSON)"
    )
    parser.add_argument(
        "--examples",
        type=_scale,
        metavar="SCALE",
        help="multiply every example count (0.3 for a quick run; default 1)",
    )
    parser.add_argument("--seed", type=int, metavar="N", help="the schemathesis seed")
    parser.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="after --: arguments for pytest"
    )
