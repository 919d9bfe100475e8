"""The deadlines a user's calendar feed shows: one event per live deadline of the cases they
follow, with metadata only (the case number, the kind of deadline, its explanation and the
case's URL). Report titles and text are encrypted at rest and never appear here: calendar
apps sync feeds to third-party servers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from disclosure.accounts.calendar.feed import CalendarEvent
from disclosure.accounts.models import User
from disclosure.cases.clock.view import CaseClock, case_clocks
from disclosure.cases.lifecycle import CLOSING
from disclosure.cases.models import Case, CaseState
from disclosure.policies.presets import DisclosurePolicy
from disclosure.policy import Principal, can_follow_case, case_role
from disclosure.programs.models import ProgramMember

WHAT = {
    "acknowledge_by": "acknowledgement deadline",
    "triage_by": "triage deadline",
    "disclose_by": "disclosure deadline",
    "publish_at": "publication date",
}


def deadline_events(
    session: Session,
    user: User,
    policies: Mapping[str, DisclosurePolicy],
    *,
    base_url: str,
    now: datetime,
) -> list[CalendarEvent]:
    """The events of the user's feed: every live deadline of the cases they follow."""
    clocks = case_clocks(session, followed_cases(session, user), policies, now=now)
    return events_of(clocks, base_url=base_url)


def followed_cases(session: Session, user: User) -> list[Case]:
    """Open cases whose deadlines the user may see: their programs' cases and their reports."""
    memberships = dict(
        session.exec(
            select(ProgramMember.program_id, ProgramMember.role).where(
                ProgramMember.user_id == user.id
            )
        ).all()
    )
    done = [*CLOSING, CaseState.DISCLOSED]
    query = select(Case).where(
        col(Case.program_id).in_(list(memberships)) | (Case.reporter_id == user.id),
        col(Case.state).not_in(done),
    )
    principal = Principal(user=user)
    cases = []
    for case in session.exec(query.order_by(col(Case.id))):
        member_role = memberships.get(case.program_id)
        role = case_role(
            principal,
            reporter_id=case.reporter_id,
            member_role=member_role.value if member_role else None,
        )
        if can_follow_case(principal, role):
            cases.append(case)
    return cases


def events_of(clocks: Iterable[CaseClock], *, base_url: str) -> list[CalendarEvent]:
    """One event per deadline row; only the case number and the deadline's kind, never the
    title, which is report text."""
    host = urlsplit(base_url).hostname or "localhost"
    events = []
    for clock in clocks:
        url = f"{base_url}/cases/{clock.case_id}"
        events += [
            CalendarEvent(
                uid=f"case-{clock.case_id}-{row.name}@{host}",
                start=row.at,
                summary=f"Case #{clock.case_id}: {WHAT[row.name]}",
                description=f"{row.explanation}\n\n{url}",
                url=url,
            )
            for row in clock.rows
        ]
    return events
