"""A benchmark emulator process: the real app, with the frame engine's result cache sized by
a flag (0 turns it off, so the same frame can be timed cold again and again).

    python -m benchmarks.serve --root DIR --port N --result-cache-bytes 0
"""

from __future__ import annotations

import argparse
import logging

import uvicorn

from cos_snapshot import Credentials
from cos_snapshot.emulator import EmulatorSettings, create_app, tune_process_memory
from cos_snapshot.emulator.frames import SnapshotEngine

SECRET_ID = "AKIDBENCHMARK000001"
SECRET_KEY = "benchmark-secret-key"  # a throwaway credential for loopback only


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--result-cache-bytes", type=int, default=64 * 2**20)
    parser.add_argument("--workers", type=int, default=2)
    # Snapshot jobs (benchmarks.jobs): a job submits as a write; the queue sized for the run.
    parser.add_argument("--allow-writes", action="store_true")
    parser.add_argument("--job-queue-limit", type=int, default=100)
    parser.add_argument("--job-rate", type=int, default=0)
    parser.add_argument("--job-history", type=int, default=1000)
    parser.add_argument("--job-decoders", type=int, default=2)
    args = parser.parse_args()
    tune_process_memory()  # as `cos-snapshot serve` does: this process only serves
    settings = EmulatorSettings(
        root=args.root,
        credentials=(Credentials(SECRET_ID, SECRET_KEY),),
        workers=args.workers,
        queue_limit=64,
        allow_writes=args.allow_writes,
        job_queue_limit=args.job_queue_limit,
        job_rate=args.job_rate,
        job_history=args.job_history,
        job_decoders=args.job_decoders,
    )
    # As the app builds its own engine: `workers` decode passes at once.
    engine = SnapshotEngine(result_cache_bytes=args.result_cache_bytes, max_decodes=args.workers)
    logging.basicConfig(level=logging.WARNING)
    uvicorn.run(
        create_app(settings, engine=engine),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        http="h11",  # as cos-snapshot serve
        lifespan="on",
    )


if __name__ == "__main__":
    main()
