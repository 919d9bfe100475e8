"""The one table of `make bench`: each figure beside its baseline, the ratio, the target, met.

Benchmarks return `Figure`s; the runner gathers them from every benchmark on every database
and renders them here, for the terminal and for `benchmarks/results.md` (which the README
quotes). Nothing here measures anything, so a unit test can check the assembly.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Bound(StrEnum):
    """How a target reads the figure: its ratio to the baseline, or its own value."""

    RATIO_AT_MOST = "ratio_at_most"
    RATIO_AT_LEAST = "ratio_at_least"
    VALUE_BELOW = "value_below"


@dataclass(frozen=True)
class Target:
    bound: Bound
    limit: float

    def describe(self, unit: str) -> str:
        """The target as the table shows it, e.g. `<= 1.5x` or `< 250 ms`."""
        if self.bound is Bound.RATIO_AT_MOST:
            return f"<= {self.limit:g}x"
        if self.bound is Bound.RATIO_AT_LEAST:
            return f">= {self.limit:g}x"
        return f"< {self.limit:g} {unit}"


def at_most(ratio: float) -> Target:
    """The figure may be at most `ratio` times its baseline."""
    return Target(Bound.RATIO_AT_MOST, ratio)


def at_least(ratio: float) -> Target:
    """The figure must be at least `ratio` times its baseline (e.g. requests per second)."""
    return Target(Bound.RATIO_AT_LEAST, ratio)


def below(value: float) -> Target:
    """The figure itself, in its unit, must stay under `value`."""
    return Target(Bound.VALUE_BELOW, value)


@dataclass(frozen=True)
class Figure:
    """One measured figure (a median) and the baseline measured beside it in the same run."""

    benchmark: str
    name: str
    value: float
    baseline_name: str
    baseline: float
    unit: str = "ms"
    target: Target | None = None
    database: str = ""  # filled in by the runner: "SQLite" or "PostgreSQL"

    @property
    def ratio(self) -> float:
        """The figure over its baseline (inf when the baseline measured nothing)."""
        return self.value / self.baseline if self.baseline else float("inf")

    @property
    def is_met(self) -> bool | None:
        """Whether the target is met; None when the figure has no target."""
        if self.target is None:
            return None
        if self.target.bound is Bound.RATIO_AT_MOST:
            return self.ratio <= self.target.limit
        if self.target.bound is Bound.RATIO_AT_LEAST:
            return self.ratio >= self.target.limit
        return self.value < self.target.limit


HEADER = ("benchmark", "database", "figure", "measured", "baseline", "ratio", "target", "result")


def _amount(value: float, unit: str) -> str:
    if unit == "ms" and value < 10:
        return f"{value:.2f} ms"
    return f"{value:,.1f} {unit}" if value < 1000 else f"{value:,.0f} {unit}"


def rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    """One row of text cells per figure, in the order the benchmarks produced them."""
    verdicts = {True: "met", False: "NOT MET", None: "-"}
    return [
        (
            figure.benchmark,
            figure.database or "-",
            figure.name,
            _amount(figure.value, figure.unit),
            f"{_amount(figure.baseline, figure.unit)} ({figure.baseline_name})",
            f"{figure.ratio:.2f}x",
            figure.target.describe(figure.unit) if figure.target else "-",
            verdicts[figure.is_met],
        )
        for figure in figures
    ]


def text_table(figures: Sequence[Figure]) -> str:
    """The table with aligned columns, for the terminal."""
    cells = [HEADER, *rows(figures)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(figures: Sequence[Figure]) -> str:
    """The same table in Markdown, `|` in cells escaped."""
    cells = [[cell.replace("|", "\\|") for cell in row] for row in rows(figures)]
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def summary(figures: Sequence[Figure]) -> str:
    """`N of M targets met`, naming those not met."""
    targeted = [f for f in figures if f.is_met is not None]
    missed = [f"{f.benchmark}/{f.database}: {f.name}" for f in targeted if not f.is_met]
    text = f"{len(targeted) - len(missed)} of {len(targeted)} targets met"
    return text + (f"; not met: {'; '.join(missed)}" if missed else "")


def machine() -> str:
    """What the figures were measured on: CPU, cores, Python, SQLite and gpg versions."""
    model = platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                model,
            )
    except OSError:
        pass
    try:
        gpg = subprocess.run(
            ["gpg", "--version"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        gpg = "gpg unknown"
    return (
        f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {gpg}"
    )


def markdown_document(
    figures: Sequence[Figure], *, when: datetime, on: str, mode: str, seconds: float
) -> str:
    """benchmarks/results.md: when, where and how the table was measured, then the table."""
    return (
        "# Benchmark results\n\n"
        "Written by `make bench` (`python -m benchmarks`); every ratio is against a baseline "
        "measured in the same run, so compare ratios between machines, not milliseconds.\n\n"
        f"- date: {when:%Y-%m-%d %H:%M} UTC\n"
        f"- machine: {on}\n"
        f"- mode: {mode}, {seconds / 60:.1f} minutes\n"
        f"- {summary(figures)}\n\n"
        f"{markdown_table(figures)}\n"
    )
