"""The metrics as figures: one table each (the page's table, the CSV, the chart's data)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from disclosure.metrics.queries import AGE_BUCKETS, SEVERITIES, Metrics

Cell = str | int | float | None
_DAY = 86_400


class ChartKind(StrEnum):
    BAR = "bar"
    STACKED = "stacked"
    HORIZONTAL = "horizontal"


@dataclass(frozen=True)
class Figure:
    """A titled table; the chart plots `series` (column indexes) against the first column."""

    key: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: ChartKind
    series: tuple[int, ...]
    unit: str = "cases"


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / _DAY, 1)


def time_to_act(metrics: Metrics) -> Figure:
    return Figure(
        "time-to-act",
        "Time to acknowledge, triage, fix and publish",
        "Days from receipt to each milestone, over the cases that reached it.",
        ("Milestone", "Cases", "Median (days)", "90th percentile (days)"),
        tuple(
            (d.milestone, d.cases, _days(d.median_seconds), _days(d.p90_seconds))
            for d in metrics.durations
        ),
        ChartKind.BAR,
        (2, 3),
        unit="days",
    )


def sla(metrics: Metrics) -> Figure:
    return Figure(
        "sla",
        "Disclosure deadline by month of receipt",
        "Met: fixed by the deadline in force. Met with extension: the same, after more time "
        "was granted. Missed: fixed late, or not fixed when the deadline passed. Pending: "
        "open, deadline ahead. Cases closed without a fix are not counted.",
        ("Month", "Met", "Met with extension", "Missed", "Pending"),
        tuple((m.month, m.met, m.met_with_extension, m.missed, m.pending) for m in metrics.sla),
        ChartKind.STACKED,
        (1, 2, 3, 4),
    )


def open_cases(metrics: Metrics) -> Figure:
    counts = {(c.severity, c.age): c.cases for c in metrics.open_cases}
    ages = [label for label, _days in AGE_BUCKETS]
    return Figure(
        "open-cases",
        "Open cases by severity and age",
        "Cases not yet disclosed or closed, by CVSS rating and by days since receipt (today).",
        ("Severity", *(f"Open {age}" for age in ages), "Total"),
        tuple(
            (
                severity,
                *(counts[(severity, age)] for age in ages),
                sum(counts[(severity, age)] for age in ages),
            )
            for severity in SEVERITIES
        ),
        ChartKind.STACKED,
        tuple(range(1, len(ages) + 1)),
    )


def extensions(metrics: Metrics) -> Figure:
    return Figure(
        "extensions",
        "Deadline extensions",
        "Requests for more time (extensions and grace periods) on these cases, by outcome.",
        ("Kind", "Outcome", "Requests", "Cases", "Days"),
        tuple((e.kind, e.status, e.requests, e.cases, e.days) for e in metrics.extensions),
        ChartKind.BAR,
        (2,),
    )


def states(metrics: Metrics) -> Figure:
    return Figure(
        "states",
        "Cases per state",
        "Where the cases received in the period are now.",
        ("State", "Cases"),
        tuple((state.replace("_", " "), n) for state, n in metrics.states),
        ChartKind.HORIZONTAL,
        (1,),
    )


def reporters(metrics: Metrics) -> Figure:
    r = metrics.reporters
    return Figure(
        "reporters",
        "Reporters",
        "Accounts that reported, those who reported more than once, and anonymous reports "
        "(counted, never identified).",
        ("Measure", "Count"),
        (
            ("distinct reporters", r.distinct),
            ("returning reporters", r.returning),
            ("reports from an account", r.reports_with_account),
            ("anonymous reports", r.anonymous_reports),
        ),
        ChartKind.BAR,
        (1,),
        unit="count",
    )


FIGURES: dict[str, Callable[[Metrics], Figure]] = {
    "time-to-act": time_to_act,
    "sla": sla,
    "open-cases": open_cases,
    "extensions": extensions,
    "states": states,
    "reporters": reporters,
}


def all_figures(metrics: Metrics) -> list[Figure]:
    return [build(metrics) for build in FIGURES.values()]
