"""The metrics as aggregate SQL over plaintext metadata columns of `case_file` and
`extension_request`: timestamps the lifecycle sets, the deadline in force, state, severity,
the reporter's account id. Nothing here reads a blob, a message or a note, or decrypts.

Every figure counts the cases *received* in the period (a cohort), in the programs of the
scope; "open" and ages are as of `now`. Grouping by an expression goes through a subquery,
because PostgreSQL does not match an expression with bound parameters in SELECT and in
GROUP BY as the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from disclosure.cases.lifecycle import OPEN
from disclosure.cases.models import Case, CaseState, ExtensionRequest, ExtensionStatus
from disclosure.db import is_postgresql
from disclosure.metrics.period import Period
from disclosure.metrics.sql import seconds_between, utc_month

# When the vendor first did what each clock asks. Reaching `accepted` (triaged) without
# passing through `acknowledged` (from needs_info) acknowledges the report too.
MILESTONES: dict[str, Any] = {
    "acknowledge": func.coalesce(col(Case.acknowledged_at), col(Case.triaged_at)),
    "triage": col(Case.triaged_at),
    "fix": col(Case.fixed_at),
    "publish": col(Case.disclosed_at),
}
PERCENTILES = (50, 90)
SLA_OUTCOMES = ("met", "met_with_extension", "missed", "pending")
UNSCORED = "unscored"
SEVERITIES = ("Critical", "High", "Medium", "Low", "None", UNSCORED)
AGE_BUCKETS = (  # (label, younger than this many days); the last one has no bound
    ("under 7 days", 7),
    ("7 to 30 days", 30),
    ("30 to 90 days", 90),
    ("over 90 days", None),
)
_LIVE = tuple(OPEN)
_SECONDS_A_DAY = 86_400.0


@dataclass(frozen=True)
class Scope:
    """Which cases count: received in `period`, in `program_ids` (None: every program)."""

    program_ids: tuple[int, ...] | None
    period: Period
    now: datetime

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        received = col(Case.received_at)
        found = [received >= self.period.starts_at, received < self.period.ends_before]
        return [*found, *self.program_condition()]

    def program_condition(self) -> list[sa.ColumnElement[bool]]:
        if self.program_ids is None:
            return []
        return [col(Case.program_id).in_(self.program_ids)]


@dataclass(frozen=True)
class Duration:
    """From receipt to a milestone, over the cases that reached it."""

    milestone: str
    cases: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class SlaMonth:
    """The disclosure deadline of the cases received in one month."""

    month: str  # YYYY-MM
    met: int
    met_with_extension: int
    missed: int
    pending: int


@dataclass(frozen=True)
class OpenCount:
    severity: str
    age: str
    cases: int


@dataclass(frozen=True)
class ExtensionCount:
    kind: str  # extension or grace
    status: str  # an ExtensionStatus value
    requests: int
    cases: int
    days: int


@dataclass(frozen=True)
class Reporters:
    """Counts only: no name, address or id of any reporter ever leaves this module."""

    distinct: int  # accounts that reported in the period
    returning: int  # of those, the ones with more than one report to these programs so far
    reports_with_account: int
    anonymous_reports: int  # reports with a tracking code only: each counted, none identified


@dataclass(frozen=True)
class Metrics:
    durations: list[Duration]
    sla: list[SlaMonth]
    open_cases: list[OpenCount]
    extensions: list[ExtensionCount]
    states: list[tuple[str, int]]
    reporters: Reporters


@dataclass(frozen=True)
class _Group:
    """The cases of one month of receipt, in one state, with one deadline outcome."""

    month: str
    state: CaseState
    outcome: str | None
    cases: int
    with_account: int


def compute(session: Session, scope: Scope) -> Metrics:
    """Every figure for the scope: six queries, each one pass over the metrics index."""
    groups = _groups(session, scope)
    return Metrics(
        durations=durations(session, scope),
        sla=sla_by_month(scope, groups),
        open_cases=open_cases(session, scope),
        extensions=extensions(session, scope),
        states=states(groups),
        reporters=reporters(session, scope, groups),
    )


def durations(session: Session, scope: Scope) -> list[Duration]:
    """Median and 90th percentile of each milestone, interpolated as percentile_cont does.

    PostgreSQL computes them with percentile_cont. SQLite has no percentile aggregate: it
    gathers each milestone's durations (in days, one text list each, one pass over the index)
    and they are sorted here; four ranked window queries take three times as long, and so
    does reading the durations as 84,000 result rows.
    """
    if is_postgresql(session):
        return _durations_postgresql(session, scope)
    received = func.julianday(col(Case.received_at))
    lists = [func.group_concat(func.julianday(at) - received) for at in MILESTONES.values()]
    row = session.execute(select(*lists).where(*scope.conditions())).one()
    found = []
    for name, listed in zip(MILESTONES, row, strict=True):
        days = sorted(map(float, listed.split(","))) if listed else []
        found.append(
            Duration(name, len(days), *(_scaled(p, _SECONDS_A_DAY) for p in _percentiles(days)))
        )
    return found


def _durations_postgresql(session: Session, scope: Scope) -> list[Duration]:
    seconds = [seconds_between(at, col(Case.received_at)) for at in MILESTONES.values()]
    columns = [
        aggregate
        for value in seconds
        for aggregate in (
            func.count(value),
            *(func.percentile_cont(p / 100).within_group(value) for p in PERCENTILES),
        )
    ]
    row = session.execute(select(*columns).where(*scope.conditions())).one()
    return [
        Duration(name, row[3 * i], *(row[3 * i + 1 + j] for j in range(len(PERCENTILES))))
        for i, name in enumerate(MILESTONES)
    ]


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _percentiles(ordered: list[float]) -> tuple[float | None, ...]:
    """Each of PERCENTILES of the sorted values, interpolated linearly between ranks."""
    if not ordered:
        return tuple(None for _ in PERCENTILES)
    found = []
    for p in PERCENTILES:
        position = (len(ordered) - 1) * p / 100
        low = int(position)
        high = min(low + 1, len(ordered) - 1)
        found.append(ordered[low] + (position - low) * (ordered[high] - ordered[low]))
    return tuple(found)


def _groups(session: Session, scope: Scope) -> list[_Group]:
    """The cases by month of receipt, state and deadline outcome: what the deadline, state
    and reporter figures add up, in one grouped pass instead of one each.

    Outcomes: fixed by the disclosure deadline in force (with or without an extension
    granted), missed (fixed late, or not fixed when it passed), or pending (open, deadline
    ahead). Cases without a disclosure deadline, and cases closed without a fix, have none.
    """
    fixed, deadline, state = col(Case.fixed_at), col(Case.disclose_by), col(Case.state)
    extended = (
        select(ExtensionRequest.id)
        .where(
            ExtensionRequest.case_id == Case.id,
            ExtensionRequest.status == ExtensionStatus.ACCEPTED,
        )
        .exists()
    )
    on_time = sa.and_(fixed.is_not(None), fixed <= deadline)
    outcome = sa.case(
        (deadline.is_(None), sa.null()),
        (sa.and_(on_time, extended), "met_with_extension"),
        (on_time, "met"),
        (fixed.is_not(None), "missed"),
        (sa.and_(state.in_((*_LIVE, CaseState.DISCLOSED)), deadline <= scope.now), "missed"),
        (state.in_(_LIVE), "pending"),
        else_=sa.null(),
    )
    rows = (
        select(
            utc_month(col(Case.received_at)).label("month"),
            state.label("state"),
            outcome.label("outcome"),
            col(Case.reporter_id).label("reporter_id"),
        )
        .where(*scope.conditions())
        .subquery()
    )
    keys = [rows.c.month, rows.c.state, rows.c.outcome]
    found = session.execute(
        select(*keys, func.count(), func.count(rows.c.reporter_id)).group_by(*keys)
    ).all()
    return [_Group(m, CaseState(s), o, n, a) for m, s, o, n, a in found]


def sla_by_month(scope: Scope, groups: list[_Group]) -> list[SlaMonth]:
    """The disclosure deadline's outcomes per month of receipt (see `_groups`)."""
    counts: dict[tuple[str, str], int] = {}
    for group in groups:
        if group.outcome is not None:
            key = (group.month, group.outcome)
            counts[key] = counts.get(key, 0) + group.cases
    return [
        SlaMonth(month, *(counts.get((month, outcome), 0) for outcome in SLA_OUTCOMES))
        for month in scope.period.months()
    ]


def open_cases(session: Session, scope: Scope) -> list[OpenCount]:
    """Cases in an open state, by severity and by age (since receipt, as of now)."""
    received = col(Case.received_at)
    age = sa.case(
        *(
            (received > scope.now - timedelta(days=days), label)
            for label, days in AGE_BUCKETS
            if days is not None
        ),
        else_=AGE_BUCKETS[-1][0],
    )
    severity = func.coalesce(col(Case.cvss_rating), UNSCORED)
    rows = select(severity.label("severity"), age.label("age")).where(
        *scope.conditions(), col(Case.state).in_(_LIVE)
    )
    counts = _grouped(session, rows.subquery(), "severity", "age")
    return [
        OpenCount(severity, label, counts.get((severity, label), 0))
        for severity in SEVERITIES
        for label, _days in AGE_BUCKETS
    ]


def extensions(session: Session, scope: Scope) -> list[ExtensionCount]:
    """Requests for more time on the scope's cases, by kind and outcome, with days granted."""
    rows = session.execute(
        select(
            col(ExtensionRequest.is_grace),
            col(ExtensionRequest.status),
            func.count(),
            func.count(sa.distinct(ExtensionRequest.case_id)),
            func.coalesce(func.sum(ExtensionRequest.days), 0),
        )
        # from the requests, each probing its case by id: far fewer than the cases
        .where(
            select(Case.id).where(Case.id == ExtensionRequest.case_id, *scope.conditions()).exists()
        )
        .group_by(col(ExtensionRequest.is_grace), col(ExtensionRequest.status))
    ).all()
    found = {(bool(g), ExtensionStatus(s)): (n, c, d) for g, s, n, c, d in rows}
    return [
        ExtensionCount(
            "grace" if is_grace else "extension",
            status.value,
            *found.get((is_grace, status), (0, 0, 0)),
        )
        for is_grace in (False, True)
        for status in ExtensionStatus
    ]


def states(groups: list[_Group]) -> list[tuple[str, int]]:
    """How many of the scope's cases are in each state now."""
    counts = dict.fromkeys(CaseState, 0)
    for group in groups:
        counts[group.state] += group.cases
    return [(state.value, n) for state, n in counts.items()]


def reporters(session: Session, scope: Scope, groups: list[_Group]) -> Reporters:
    """Distinct and returning reporters (accounts), and how many reports were anonymous."""
    total = sum(group.cases for group in groups)
    with_account = sum(group.with_account for group in groups)
    received = col(Case.received_at)
    in_range = sa.case((received >= scope.period.starts_at, 1), else_=0)
    per_reporter = (
        select(func.sum(in_range).label("in_range"), func.count().label("reports"))
        .where(
            *scope.program_condition(),
            received < scope.period.ends_before,
            col(Case.reporter_id).is_not(None),
        )
        .group_by(col(Case.reporter_id))
        .subquery()
    )
    reported = per_reporter.c.in_range > 0
    distinct, returning = session.execute(
        select(
            func.count().filter(reported),
            func.count().filter(sa.and_(reported, per_reporter.c.reports >= 2)),
        )
    ).one()
    return Reporters(distinct, returning, with_account, total - with_account)


def _grouped(session: Session, rows: Any, *keys: str) -> dict[tuple[Any, ...], int]:
    columns = [rows.c[key] for key in keys]
    found = session.execute(select(*columns, func.count()).group_by(*columns)).all()
    return {tuple(row[:-1]): row[-1] for row in found}
