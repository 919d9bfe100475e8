"""A case's disclosure clock: deadlines from its policy and timeline, kept on the case row."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.lifecycle import CLOSING
from disclosure.cases.models import Case, CaseState
from disclosure.cases.timeline import clock_events, events_of
from disclosure.errors import ServiceUnavailable
from disclosure.policies import timers, versions
from disclosure.policies.deadlines import Deadlines, compute_deadlines
from disclosure.policies.presets import DisclosurePolicy


def policy_for(
    policies: Mapping[str, DisclosurePolicy], case: Case, session: Session | None = None
) -> DisclosurePolicy:
    """The policy version the case arrived under (a stored copy once the file has moved on)."""
    if session is not None:
        return versions.policy_for_case(session, policies, case.policy_name, case.policy_version)
    policy = policies.get(case.policy_name)
    if policy is None or policy.version != case.policy_version:
        raise ServiceUnavailable(
            f"The case follows {case.policy_name} v{case.policy_version}, which is not loaded."
        )
    return policy


def find_policy(
    session: Session, policies: Mapping[str, DisclosurePolicy], case: Case
) -> DisclosurePolicy | None:
    """The case's policy version, or None when it is neither loaded nor stored (shown as such)."""
    try:
        return versions.policy_for_case(session, policies, case.policy_name, case.policy_version)
    except ServiceUnavailable:
        return None


def deadlines_of(
    session: Session, case: Case, policy: DisclosurePolicy, *, now: datetime
) -> Deadlines:
    """The case's deadlines with their explanations, computed from its timeline."""
    events = clock_events(case, events_of(session, case.id or 0))
    return compute_deadlines(
        policy, events, policy_label=f"{policy.name} v{policy.version}", now=now
    )


def refresh_case(
    session: Session, case: Case, policies: Mapping[str, DisclosurePolicy], *, now: datetime
) -> Deadlines:
    """`refresh` under the policy version the case arrived under."""
    return refresh(session, case, policy_for(policies, case, session), now=now)


def refresh(session: Session, case: Case, policy: DisclosurePolicy, *, now: datetime) -> Deadlines:
    """Recompute the deadlines after an event, store them on the case, reschedule timers."""
    session.flush()
    deadlines = deadlines_of(session, case, policy, now=now)
    case.acknowledge_by = deadlines.acknowledge_by.at if deadlines.acknowledge_by else None
    case.triage_by = deadlines.triage_by.at if deadlines.triage_by else None
    case.disclose_by = deadlines.disclose_by.at if deadlines.disclose_by else None
    case.publish_at = deadlines.publish_at.at if deadlines.publish_at else None
    is_done = case.state in CLOSING or case.state is CaseState.DISCLOSED
    live = timers.live_deadlines(deadlines, is_fixed=case.state is CaseState.FIXED, is_done=is_done)
    case.next_deadline_at = min((d.at for d in live.values()), default=None)
    session.add(case)
    reschedule(session, case.id or 0, timers.plan(live, policy.warnings.fractions), now=now)
    return deadlines


def reschedule(
    session: Session, case_id: int, planned: list[timers.PlannedTimer], *, now: datetime
) -> None:
    """Replace the case's pending timers with `planned`; fired ones stay fired.

    A warning whose moment has already passed when it is planned is dropped (it would only
    be noise); a deadline that is already due is kept, so it still fires.
    """
    session.execute(
        sa.delete(CaseTimer).where(
            col(CaseTimer.case_id) == case_id, col(CaseTimer.fired_at).is_(None)
        )
    )
    fired = {
        (t.deadline, t.level, t.due_at)
        for t in session.exec(select(CaseTimer).where(CaseTimer.case_id == case_id))
    }
    for timer in planned:
        if (timer.deadline, timer.level, timer.due_at) in fired:
            continue
        if timer.level != timers.DUE and timer.due_at <= now:
            continue
        session.add(
            CaseTimer(
                case_id=case_id,
                deadline=timer.deadline,
                level=timer.level,
                due_at=timer.due_at,
                created_at=now,
            )
        )
