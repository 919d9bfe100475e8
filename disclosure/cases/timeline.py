"""The case timeline: events as rows, and the events the disclosure clock reads from them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from disclosure.audit.service import Actor, record
from disclosure.cases.models import Case, CaseEvent
from disclosure.policies import events as clock


class EventKind(StrEnum):
    RECEIVED = "received"
    STATE_CHANGED = "state_changed"
    REOPENED = "reopened"
    IN_THE_WILD_SET = "in_the_wild_set"
    IN_THE_WILD_CLEARED = "in_the_wild_cleared"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_GRANTED = "extension_granted"
    EXTENSION_DECLINED = "extension_declined"
    EXTENSION_WITHDRAWN = "extension_withdrawn"
    GRACE_GRANTED = "grace_granted"
    ASSIGNED = "assigned"
    SEVERITY_SET = "severity_set"
    CWE_SET = "cwe_set"
    AFFECTED_SET = "affected_set"
    CVE_ASSIGNED = "cve_assigned"
    MESSAGE = "message"
    NOTE = "note"
    PARTICIPANT_INVITED = "participant_invited"
    VEX_UPDATED = "vex_updated"
    TIMER_FIRED = "timer_fired"
    PUBLICATION_DUE = "publication_due"
    ADVISORY_DRAFTED = "advisory_drafted"
    ADVISORY_REVIEW_REQUESTED = "advisory_review_requested"
    ADVISORY_APPROVED = "advisory_approved"
    ADVISORY_SCHEDULED = "advisory_scheduled"
    ADVISORY_UNSCHEDULED = "advisory_unscheduled"
    ADVISORY_RELEASE_REQUESTED = "advisory_release_requested"
    ADVISORY_PUBLISHED = "advisory_published"
    ADVISORY_REVISED = "advisory_revised"
    ADVISORY_WITHDRAWN = "advisory_withdrawn"
    DEADLINE_MISSED = "deadline_missed"


def add_event(
    session: Session,
    case: Case,
    kind: EventKind,
    *,
    actor: Actor,
    now: datetime,
    details: Mapping[str, Any] | None = None,
    internal: bool = False,
) -> CaseEvent:
    """Append an event to the case's timeline (metadata only, never report text)."""
    event = CaseEvent(
        case_id=case.id or 0,
        at=now,
        kind=kind.value,
        actor_id=actor.user_id,
        actor=actor.label,
        is_internal=internal,
        details=json.dumps(dict(details or {}), sort_keys=True, default=str),
    )
    session.add(event)
    return event


def log_event(
    session: Session,
    case: Case,
    kind: EventKind,
    action: str,
    *,
    actor: Actor,
    now: datetime,
    details: Mapping[str, Any] | None = None,
    audit_details: Mapping[str, Any] | None = None,
    internal: bool = False,
) -> CaseEvent:
    """A change to a case, in its timeline and in the audit chain at once: every verb that
    changes a case calls this, so neither record can be forgotten. `audit_details` (default:
    `details`) leaves out what the chain should not hold, such as free text about the case."""
    event = add_event(session, case, kind, actor=actor, now=now, details=details, internal=internal)
    record(
        session,
        actor,
        action,
        now=now,
        subject_type="case",
        subject_id=case.id,
        details=details if audit_details is None else audit_details,
    )
    return event


def events_of(session: Session, case_id: int, *, include_internal: bool = True) -> list[CaseEvent]:
    """The case's timeline, oldest first."""
    query = select(CaseEvent).where(CaseEvent.case_id == case_id)
    if not include_internal:
        query = query.where(col(CaseEvent.is_internal).is_(False))
    return list(session.exec(query.order_by(col(CaseEvent.at), col(CaseEvent.id))))


def details_of(event: CaseEvent) -> dict[str, Any]:
    return json.loads(event.details)


def clock_events(case: Case, timeline: Iterable[CaseEvent]) -> list[clock.Event]:
    """What the disclosure clock counts, read from the timeline."""
    found: list[clock.Event] = [clock.Received(case.received_at)]
    for event in timeline:
        data = details_of(event)
        match event.kind:
            case EventKind.IN_THE_WILD_SET:
                found.append(clock.InTheWildSet(event.at))
            case EventKind.IN_THE_WILD_CLEARED:
                found.append(clock.InTheWildCleared(event.at))
            case EventKind.EXTENSION_GRANTED:
                found.append(
                    clock.ExtensionGranted(
                        event.at, data["days"], data["reason"], data["granted_by"]
                    )
                )
            case EventKind.GRACE_GRANTED:
                found.append(
                    clock.GraceGranted(
                        event.at,
                        data["days"],
                        date.fromisoformat(data["patch_date"]) if data.get("patch_date") else None,
                        data["granted_by"],
                    )
                )
            case EventKind.STATE_CHANGED | EventKind.REOPENED:
                found.extend(_state_clock_events(event.at, data["from"], data["to"]))
    return found


def _state_clock_events(at: datetime, before: str, after: str) -> list[clock.Event]:
    moves: list[clock.Event] = []
    if after == "acknowledged" or (after == "accepted" and before == "new"):
        moves.append(clock.Acknowledged(at))
    if after == "accepted":
        moves.append(clock.Triaged(at))
    if after == "fixed":
        moves.append(clock.FixReleased(at))
    if after == "needs_info":
        moves.append(clock.ClockPaused(at))
    if before == "needs_info":
        moves.append(clock.ClockResumed(at))
    return moves


def state_before_needs_info(timeline: Iterable[CaseEvent]) -> str | None:
    """The state the case left for needs_info most recently (where answering returns it)."""
    previous = None
    for event in timeline:
        if event.kind == EventKind.STATE_CHANGED:
            data = details_of(event)
            if data["to"] == "needs_info":
                previous = data["from"]
    return previous
