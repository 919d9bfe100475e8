"""Run every benchmark: `make bench` (or `python -m benchmarks [NAME ...]`)."""

from __future__ import annotations

import sys

from benchmarks import feeds, inbox, metrics, request_overhead, submission, timer_sweep

BENCHMARKS = {
    "feeds": feeds.main,
    "inbox": inbox.main,
    "metrics": metrics.main,
    "request-overhead": request_overhead.main,
    "submission": submission.main,
    "timer-sweep": timer_sweep.main,
}


def main(argv: list[str]) -> None:
    chosen = argv or list(BENCHMARKS)
    for name in chosen:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"== {name}")
        BENCHMARKS[name]()


main(sys.argv[1:])
