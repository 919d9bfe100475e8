"""The disclosure clock as people see it: each live deadline, why, how long is left, how urgent.

One presenter for every page and the calendar feed, so the vendor, the reporter and the
anonymous tracking page always show the same numbers for the same case at the same moment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from disclosure.cases.clock.service import deadlines_of, find_policy, policy_for
from disclosure.cases.lifecycle import CLOSING
from disclosure.cases.models import Case, CaseEvent, CaseState
from disclosure.cases.timeline import clock_events
from disclosure.policies.deadlines import Deadlines, compute_deadlines
from disclosure.policies.presets import DisclosurePolicy
from disclosure.policies.timers import live_deadlines
from disclosure.policies.urgency import describe_time_left, timer_status

LABELS = {
    "acknowledge_by": "Acknowledgement",
    "triage_by": "Triage",
    "disclose_by": "Disclosure",
    "publish_at": "Publication",
}


@dataclass(frozen=True)
class ClockRow:
    """One live deadline of a case at one moment."""

    name: str  # acknowledge_by, triage_by, disclose_by or publish_at
    at: datetime
    explanation: str
    left: str  # "12 days 3 hours left", "overdue by 2 days"
    level: str  # "ok", "warn-50", ..., "overdue": also the CSS class suffix

    @property
    def label(self) -> str:
        """The deadline's name in words."""
        return LABELS[self.name]

    @property
    def level_text(self) -> str:
        """The warning level in words, so colour is never the only signal."""
        if self.level == "overdue":
            return "overdue"
        if self.level.startswith("warn-"):
            return f"{self.level.removeprefix('warn-')} % of the time used"
        return "on track"


@dataclass(frozen=True)
class CaseClock:
    """Every live deadline of a case, soonest first, under its policy."""

    case_id: int
    policy_label: str
    rows: tuple[ClockRow, ...]
    in_the_wild: bool = False
    paused_since: datetime | None = None
    problem: str = ""  # why there is no clock to show (the policy is not loaded)


def is_done(case: Case) -> bool:
    """Whether the case asks nothing more of the vendor (closed or disclosed)."""
    return case.state in CLOSING or case.state is CaseState.DISCLOSED


def present(
    case: Case, deadlines: Deadlines, policy: DisclosurePolicy, *, now: datetime
) -> CaseClock:
    """The clock of a case from its computed deadlines (pure)."""
    live = live_deadlines(deadlines, is_fixed=case.state is CaseState.FIXED, is_done=is_done(case))
    fractions = policy.warnings.fractions
    rows = [
        ClockRow(
            name=name,
            at=deadline.at,
            explanation=deadline.explanation,
            left=describe_time_left(deadline.at - now),
            level=timer_status(deadline.counted_from, deadline.at, now, fractions).level,
        )
        for name, deadline in live.items()
    ]
    rows.sort(key=lambda row: row.at)
    return CaseClock(
        case_id=case.id or 0,
        policy_label=policy.label,
        rows=tuple(rows),
        in_the_wild=deadlines.in_the_wild,
        paused_since=deadlines.paused_since,
    )


def case_clock(
    session: Session, case: Case, policies: Mapping[str, DisclosurePolicy], *, now: datetime
) -> CaseClock:
    """The clock of one case, read from its timeline."""
    policy = find_policy(session, policies, case)
    if policy is None:
        return _unknown_policy(case)
    return present(case, deadlines_of(session, case, policy, now=now), policy, now=now)


def case_clocks(
    session: Session,
    cases: Iterable[Case],
    policies: Mapping[str, DisclosurePolicy],
    *,
    now: datetime,
) -> list[CaseClock]:
    """The clocks of many cases, reading all their timelines in one query."""
    cases = list(cases)
    timelines: dict[int, list[CaseEvent]] = defaultdict(list)
    if cases:
        ids = [case.id for case in cases]
        query = (
            select(CaseEvent)
            .where(col(CaseEvent.case_id).in_(ids))
            .order_by(col(CaseEvent.at), col(CaseEvent.id))
        )
        for event in session.exec(query):
            timelines[event.case_id].append(event)
    clocks = []
    for case in cases:
        policy = find_policy(session, policies, case)
        if policy is None:
            clocks.append(_unknown_policy(case))
            continue
        events = clock_events(case, timelines[case.id or 0])
        deadlines = compute_deadlines(policy, events, policy_label=policy.label, now=now)
        clocks.append(present(case, deadlines, policy, now=now))
    return clocks


def _unknown_policy(case: Case) -> CaseClock:
    return CaseClock(
        case_id=case.id or 0,
        policy_label=f"{case.policy_name} v{case.policy_version}",
        rows=(),
        problem=f"The policy {case.policy_name!r} is not loaded, so no deadline can be shown.",
    )


# --- deadline rows and API shapes, shared by the portal, the console and the API ------------


@dataclass(frozen=True)
class DeadlineRow:
    """One deadline of a case as a page shows it."""

    label: str
    at: datetime | None
    explanation: str
    left: str


def time_left_text(at: datetime | None, current: datetime) -> str:
    """Time left in the same words as every clock on the site ("3 days 4 hours left")."""
    return "no deadline" if at is None else describe_time_left(at - current)


def deadline_rows(
    session: Session,
    case: Case,
    policies: Mapping[str, DisclosurePolicy],
    current: datetime,
    deadlines: Deadlines | None = None,
) -> list[DeadlineRow]:
    """The case's acknowledge, triage and disclose deadlines with why and how long is left."""
    if deadlines is None and (policy := policy_for(policies, case, session)):
        deadlines = deadlines_of(session, case, policy, now=current)
    why = explanations(deadlines) if deadlines else {}
    return [
        DeadlineRow(label, at, why.get(name, ""), time_left_text(at, current))
        for name, label in LABELS.items()
        if name != "publish_at" and (at := getattr(case, name)) is not None
    ]


class DeadlinesOut(BaseModel):
    acknowledge_by: datetime | None
    triage_by: datetime | None
    disclose_by: datetime | None


def deadlines_out(case: Case) -> DeadlinesOut:
    return DeadlinesOut(
        acknowledge_by=case.acknowledge_by, triage_by=case.triage_by, disclose_by=case.disclose_by
    )


def explanations(deadlines: Deadlines) -> dict[str, str]:
    """Each deadline's explanation in plain words, by name."""
    named = {
        "acknowledge_by": deadlines.acknowledge_by,
        "triage_by": deadlines.triage_by,
        "disclose_by": deadlines.disclose_by,
        "publish_at": deadlines.publish_at,
    }
    return {name: d.explanation for name, d in named.items() if d is not None}
