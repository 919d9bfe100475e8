"""Tiny timing helpers: run a callable many times, report median and p95 in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
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
    samples.sort()
    return Timing(statistics.median(samples), samples[int(len(samples) * 0.95) - 1])
