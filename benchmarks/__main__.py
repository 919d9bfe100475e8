"""Run every benchmark: `make bench` (or `python -m benchmarks [--quick] [NAME ...]`).

Each benchmark runs on SQLite and, when DISCLOSURE_BENCH_DATABASE_URL names a PostgreSQL
database, on PostgreSQL too (its tables are emptied). A progress line per benchmark, then one
table of every figure against its baseline and target, also written to benchmarks/results.md.
`--quick` measures fewer rounds (and the feed at fewer advisories) to stay well inside the
10-minute bound on a busy machine; the inbox and the sweep keep their 100,000 cases.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    feeds,
    inbox,
    metrics,
    request_overhead,
    results,
    submission,
    timer_sweep,
)
from benchmarks.database import Database, databases

Benchmark = Callable[[Database, bool], list[results.Figure]]
BENCHMARKS: dict[str, Benchmark] = {
    "inbox": inbox.run,
    "submission": submission.run,
    "request-overhead": request_overhead.run,
    "timer-sweep": timer_sweep.run,
    "feeds": feeds.run,
    "metrics": metrics.run,
}
RESULTS = Path(__file__).with_name("results.md")


def main(argv: list[str]) -> None:
    is_quick = "--quick" in argv
    chosen = [arg for arg in argv if arg != "--quick"] or list(BENCHMARKS)
    for name in chosen:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
    plan = [(db, name) for db in databases(os.environ) for name in chosen]
    figures: list[results.Figure] = []
    began = time.perf_counter()
    for number, (db, name) in enumerate(plan, 1):
        print(f"[{number}/{len(plan)}] {name} on {db.label} ...", flush=True)
        started = time.perf_counter()
        measured = BENCHMARKS[name](db, is_quick)
        figures += [replace(figure, database=db.label) for figure in measured]
        print(f"[{number}/{len(plan)}] {name} on {db.label}: {time.perf_counter() - started:.0f} s")
    seconds = time.perf_counter() - began
    print()
    print(results.text_table(figures))
    print(results.summary(figures))
    if set(chosen) == set(BENCHMARKS):  # a partial run does not overwrite the whole table
        RESULTS.write_text(
            results.markdown_document(
                figures,
                when=datetime.now(UTC),
                on=results.machine(),
                mode="quick" if is_quick else "full",
                seconds=seconds,
            ),
            encoding="utf-8",
        )
        print(f"written to {RESULTS} ({seconds / 60:.1f} minutes)")


main(sys.argv[1:])
