"""Benchmarks for cos-snapshot: `nox -s bench` (or `python -m benchmarks`) writes results.md and
the latency plot. Set BENCH_QUICK=1 for a smoke run of about a minute."""
