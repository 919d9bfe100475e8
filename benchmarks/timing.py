"""Tiny timing helpers: run a callable many times, report median and p95 in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float

    def __str__(self) -> str:
        return f"median {self.median_ms:7.3f} ms   p95 {self.p95_ms:7.3f} ms"


def measure(call: Callable[[], object], *, repeat: int = 300, warmup: int = 20) -> Timing:
    """Time `call` `repeat` times after `warmup` untimed calls."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return _timing(samples)


def measure_interleaved(
    calls: Mapping[str, Callable[[], object]], *, repeat: int = 300, warmup: int = 20
) -> dict[str, Timing]:
    """Time several callables in turn, round after round, so that a load spike on a shared
    machine lands on a figure and on its baseline alike instead of on whichever ran then."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: _timing(times) for name, times in samples.items()}


def _timing(samples: list[float]) -> Timing:
    samples = sorted(samples)
    return Timing(statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)])
