"""Advisory verbs: the draft, the reporter's review, the embargo, the release, revisions and
withdrawal. Each sets state through publication.lifecycle, writes the case's timeline and the
audit chain in one step, and tells the people concerned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from disclosure.audit.service import Actor
from disclosure.cases.access import CaseAccess
from disclosure.cases.clock import service as clock
from disclosure.cases.models import Case
from disclosure.cases.timeline import EventKind, log_event
from disclosure.errors import Conflict, NotFound
from disclosure.programs.models import Program
from disclosure.publication import content, drafts, lifecycle, release
from disclosure.publication.content import AdvisoryIn
from disclosure.publication.lifecycle import Move
from disclosure.publication.models import RELEASED, Advisory, AdvisoryState
from disclosure.publication.publisher import Publisher

REVIEW_DAYS_DEFAULT = 5


@dataclass(frozen=True)
class Outcome:
    """What a release verb did: released, scheduled, or waiting for a second member."""

    advisory: Advisory
    is_pending_approval: bool = False


def advisory_of(session: Session, case: Case) -> Advisory | None:
    return session.exec(select(Advisory).where(Advisory.case_id == case.id)).first()


def require_advisory(session: Session, case: Case) -> Advisory:
    advisory = advisory_of(session, case)
    if advisory is None:
        raise NotFound("This case has no advisory draft yet.")
    return advisory


def check_version(advisory: Advisory, expected: int | None) -> None:
    if expected is not None and expected != advisory.version:
        raise Conflict(
            f"The advisory changed since you loaded it (version {expected}, now "
            f"{advisory.version}). Reload it and apply your change again.",
            fields={"version": f"Current version is {advisory.version}."},
        )


def _touch(advisory: Advisory, now: datetime) -> None:
    advisory.version += 1
    advisory.updated_at = now


def save_draft(
    session: Session,
    pub: Publisher,
    access: CaseAccess,
    draft: AdvisoryIn,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> Advisory:
    """Store the draft encrypted; editing a draft in review or scheduled sends it back to draft."""
    draft = content.checked(draft)
    advisory = advisory_of(session, access.case)
    if advisory is None:
        advisory = Advisory(
            case_id=access.case.id or 0, program_id=access.program.id or 0, created_at=now
        )
        session.add(advisory)
    else:
        check_version(advisory, expected_version)
        before = lifecycle.apply(advisory, Move.EDIT)
        if before is AdvisoryState.SCHEDULED:
            advisory.embargo_at = None
        if before is AdvisoryState.IN_REVIEW:  # the reporter reviews the new text afresh
            advisory.approved_at = advisory.review_requested_at = advisory.review_ends_at = None
    drafts.seal(session, pub.keyring, access, advisory, draft)
    advisory.credit_consent = False
    _touch(advisory, now)
    session.flush()
    log_event(
        session,
        access.case,
        EventKind.ADVISORY_DRAFTED,
        "advisory.draft",
        actor=actor,
        now=now,
        details={"advisory": advisory.id, "version": advisory.version},
        internal=True,
    )
    return advisory


def request_review(
    session: Session, pub: Publisher, access: CaseAccess, *, actor: Actor, now: datetime
) -> Advisory:
    """Show the draft to the reporter, who may comment and approve within the policy's window."""
    advisory = require_advisory(session, access.case)
    lifecycle.apply(advisory, Move.REQUEST_REVIEW)
    policy = clock.policy_for(pub.policies, access.case, session)
    days = policy.publication.review_days
    advisory.review_requested_at, advisory.approved_at = now, None
    advisory.review_ends_at = now + timedelta(days=days)
    _touch(advisory, now)
    details = {"advisory": advisory.id, "review_ends_at": advisory.review_ends_at.isoformat()}
    log_event(
        session,
        access.case,
        EventKind.ADVISORY_REVIEW_REQUESTED,
        "advisory.review_request",
        actor=actor,
        now=now,
        details=details,
    )
    pub.mail_reporter(
        session,
        access,
        subject=f"Please review the advisory for case #{access.case.id}",
        body=(
            f"The vendor wrote an advisory for case #{access.case.id} and asks you to read it "
            f"before it is published. You have until {advisory.review_ends_at:%Y-%m-%d %H:%M} "
            "UTC to comment or approve it."
        ),
        key=f"review:{advisory.id}:{advisory.version}",
        now=now,
    )
    return advisory


def approve(
    session: Session, access: CaseAccess, *, consents_to_credit: bool, actor: Actor, now: datetime
) -> Advisory:
    """The reporter approves the draft in review, and says whether its credit is right."""
    advisory = require_advisory(session, access.case)
    if advisory.state is not AdvisoryState.IN_REVIEW:
        raise Conflict("There is no draft waiting for your review.")
    advisory.approved_at, advisory.credit_consent = now, consents_to_credit
    _touch(advisory, now)
    log_event(
        session,
        access.case,
        EventKind.ADVISORY_APPROVED,
        "advisory.approve",
        actor=actor,
        now=now,
        details={"advisory": advisory.id, "credit_consent": consents_to_credit},
    )
    return advisory


def schedule(
    session: Session,
    access: CaseAccess,
    at: datetime,
    *,
    zone: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """Set the embargo: the scheduler releases the advisory then (if the case allows it)."""
    advisory = require_advisory(session, access.case)
    lifecycle.target(advisory.state, Move.SCHEDULE)  # 409 before anything else
    if problem := release.schedule_refusal(access.case, advisory, at, now):
        raise Conflict(problem, fields={"publish_at": problem})
    if not _second_member_agrees(session, access, advisory, actor, now, at):
        return Outcome(advisory, is_pending_approval=True)
    lifecycle.apply(advisory, Move.SCHEDULE)
    advisory.embargo_at, advisory.embargo_zone = at, zone
    _touch(advisory, now)
    log_event(
        session,
        access.case,
        EventKind.ADVISORY_SCHEDULED,
        "advisory.schedule",
        actor=actor,
        now=now,
        details={"advisory": advisory.id, "publish_at": at.isoformat(), "zone": zone},
    )
    return Outcome(advisory)


def unschedule(session: Session, access: CaseAccess, *, actor: Actor, now: datetime) -> Advisory:
    advisory = require_advisory(session, access.case)
    lifecycle.apply(advisory, Move.UNSCHEDULE)
    advisory.embargo_at = None
    _touch(advisory, now)
    log_event(
        session,
        access.case,
        EventKind.ADVISORY_UNSCHEDULED,
        "advisory.unschedule",
        actor=actor,
        now=now,
        details={"advisory": advisory.id},
    )
    return advisory


def publish(
    session: Session, pub: Publisher, access: CaseAccess, *, actor: Actor, now: datetime
) -> Outcome:
    """Release now, where the rules allow it (409 naming the rule that forbids it)."""
    advisory = require_advisory(session, access.case)
    if advisory.state in RELEASED:
        raise Conflict(f"The advisory is already published as {advisory.public_id}.")
    if problem := release.refusal(access.case, advisory, now):
        raise Conflict(problem)
    if not _second_member_agrees(session, access, advisory, actor, now, None):
        return Outcome(advisory, is_pending_approval=True)
    draft = drafts.open_draft(session, pub.keyring, access, advisory, actor=actor, now=now)
    if draft is None:
        raise Conflict("The advisory has no draft to publish.")
    public = pub.public_content(content.checked(draft, for_release=True), access.program)
    pub.release(session, access, advisory, public, "Initial release", actor=actor, now=now)
    return Outcome(advisory)


def _second_member_agrees(
    session: Session,
    access: CaseAccess,
    advisory: Advisory,
    actor: Actor,
    now: datetime,
    at: datetime | None,
) -> bool:
    """The two-person rule: the first member's release is a request; another member's
    release of the same advisory approves it. The one who asked cannot approve."""
    if not access.program.needs_second_approval:
        return True
    if advisory.release_requested_by_id is None:
        advisory.release_requested_by_id, advisory.release_requested_at = actor.user_id, now
        _touch(advisory, now)
        log_event(
            session,
            access.case,
            EventKind.ADVISORY_RELEASE_REQUESTED,
            "advisory.release_request",
            actor=actor,
            now=now,
            details={"advisory": advisory.id, "publish_at": at.isoformat() if at else "now"},
        )
        return False
    if advisory.release_requested_by_id == actor.user_id:
        raise Conflict(
            "You asked for this release: the program's two-person rule needs another member "
            "to approve it."
        )
    advisory.release_requested_by_id = None  # approved: the next release asks again
    return True


def open_released(session: Session, public_id: str) -> tuple[Advisory, Case, Program]:
    """A released advisory by its public id; NotFound for any other id."""
    advisory = session.exec(
        select(Advisory).where(
            Advisory.public_id == public_id, col(Advisory.state).in_(list(RELEASED))
        )
    ).first()
    if advisory is None:
        raise NotFound(f"No published advisory {public_id!r}.")
    case = session.get(Case, advisory.case_id)
    program = session.get(Program, advisory.program_id)
    if case is None or program is None:
        raise NotFound(f"No published advisory {public_id!r}.")
    return advisory, case, program


def revise(
    session: Session,
    pub: Publisher,
    access: CaseAccess,
    advisory: Advisory,
    draft: AdvisoryIn,
    *,
    summary: str,
    actor: Actor,
    now: datetime,
) -> Advisory:
    """A new revision of a published advisory, with what changed in its changelog."""
    lifecycle.target(advisory.state, Move.REVISE)
    public = pub.public_content(content.checked(draft, for_release=True), access.program)
    pub.revise(session, access, advisory, public, summary, actor=actor, now=now)
    return advisory


def withdraw(
    session: Session,
    pub: Publisher,
    access: CaseAccess,
    advisory: Advisory,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
) -> Advisory:
    """Withdraw a published advisory: it stays listed, marked withdrawn, as OSV and CSAF want."""
    lifecycle.target(advisory.state, Move.WITHDRAW)
    pub.withdraw(session, access, advisory, reason, actor=actor, now=now)
    return advisory


def latest_content(session: Session, advisory: Advisory) -> dict[str, object]:
    """The public content of the advisory's latest revision."""
    from disclosure.publication.models import AdvisoryRevision

    row = session.exec(
        select(AdvisoryRevision)
        .where(AdvisoryRevision.advisory_id == advisory.id)
        .order_by(col(AdvisoryRevision.number).desc())
    ).first()
    if row is None:
        raise NotFound("The advisory has no released revision.")
    return json.loads(row.document)
