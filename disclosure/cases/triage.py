"""Triage verbs: change a case's state. Each sets state through the lifecycle, writes the
timeline and the audit log, and refreshes the disclosure clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from disclosure.audit.service import Actor
from disclosure.cases import lifecycle
from disclosure.cases.access import CaseAccess
from disclosure.cases.clock import service as clock
from disclosure.cases.models import Case, CaseState
from disclosure.cases.timeline import EventKind, events_of, log_event, state_before_needs_info
from disclosure.errors import Conflict, NotFound
from disclosure.limits import is_row_id
from disclosure.policies.presets import DisclosurePolicy
from disclosure.policy import CaseRole


def check_version(case: Case, expected: int | None) -> None:
    """409 when the caller edited an older version of the case (nothing is lost: retry)."""
    if expected is not None and expected != case.version:
        raise Conflict(
            f"The case changed since you loaded it (version {expected}, now {case.version}). "
            "Reload it and apply your change again.",
            fields={"version": f"Current version is {case.version}."},
        )


def bump(case: Case, now: datetime) -> None:
    case.version += 1
    case.updated_at = now


def change_state(
    session: Session,
    access: CaseAccess,
    policies: Mapping[str, DisclosurePolicy],
    *,
    to: CaseState,
    actor: Actor,
    now: datetime,
    reason: str = "",
    duplicate_of: int | None = None,
    expected_version: int | None = None,
) -> lifecycle.Transition:
    """Move the case through the lifecycle; the reporter may only withdraw or answer."""
    case = access.case
    check_version(case, expected_version)
    side = lifecycle.Side.REPORTER if access.role is CaseRole.REPORTER else lifecycle.Side.VENDOR
    if duplicate_of is not None:
        original = session.get(Case, duplicate_of) if is_row_id(duplicate_of) else None
        if original is None or original.program_id != case.program_id:
            raise NotFound(
                "No such original case in this program.", fields={"duplicate_of": "Unknown case."}
            )
    resume_to = state_before_needs_info(events_of(session, case.id or 0))
    move = lifecycle.transition(
        case,
        to,
        side=side,
        now=now,
        duplicate_of=duplicate_of,
        resume_to=CaseState(resume_to) if resume_to else None,
    )
    bump(case, now)
    details = {"from": move.before.value, "to": move.after.value, "reason": reason[:500]}
    if duplicate_of is not None:
        details["duplicate_of"] = duplicate_of
    kind = EventKind.REOPENED if move.is_reopen else EventKind.STATE_CHANGED
    action = "case.reopen" if move.is_reopen else "case.transition"
    log_event(session, case, kind, action, actor=actor, now=now, details=details)
    clock.refresh_case(session, case, policies, now=now)
    return move


def disclose(
    session: Session,
    case: Case,
    policies: Mapping[str, DisclosurePolicy],
    *,
    advisory: str,
    actor: Actor,
    now: datetime,
) -> lifecycle.Transition:
    """The case's advisory is out: the case is disclosed (its deadlines stop)."""
    move = lifecycle.transition(case, CaseState.DISCLOSED, side=lifecycle.Side.PUBLICATION, now=now)
    bump(case, now)
    details = {"from": move.before.value, "to": move.after.value, "advisory": advisory}
    log_event(
        session,
        case,
        EventKind.STATE_CHANGED,
        "case.transition",
        actor=actor,
        now=now,
        details=details,
    )
    clock.refresh_case(session, case, policies, now=now)
    return move
