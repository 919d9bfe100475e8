"""The release trigger: publish every advisory the policy or the embargo says is due, once.

A run selects the cases whose release may be due (a scheduled embargo that passed, a fixed
case past fix + patch window, an unfixed case past its disclosure deadline) and decides each
with publication.release. Each case is released in its own transaction; on PostgreSQL the
case row is taken FOR UPDATE SKIP LOCKED, so several schedulers share the work, and a
released case is disclosed in the same transaction, so no run ever selects it again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, or_, select

from disclosure.audit.service import Actor
from disclosure.cases.access import CaseAccess, program_of
from disclosure.cases.clock import service as clock
from disclosure.cases.content import read_report
from disclosure.cases.lifecycle import OPEN
from disclosure.cases.models import AffectedProduct, Case, CaseState
from disclosure.cases.timeline import EventKind, log_event
from disclosure.db import is_postgresql, unit_of_work
from disclosure.errors import DomainError
from disclosure.policy import CaseRole
from disclosure.publication import content, documents, drafts, release
from disclosure.publication.models import Advisory, AdvisoryState
from disclosure.publication.publisher import Publisher, publisher_of
from disclosure.services import Services

log = logging.getLogger(__name__)
SCHEDULER = Actor.system("scheduler")


def release_due_advisories(services: Services, now: datetime) -> int:
    """Release every advisory that is due at `now`; returns how many were released."""
    with unit_of_work(services.engine) as session:
        candidates = _candidates(session, now)
    released = 0
    pub: Publisher | None = None
    for case_id in candidates:
        pub = pub or publisher_of(services)
        try:
            with unit_of_work(services.engine) as session:
                released += _release_case(session, pub, case_id, now)
        except DomainError as exc:  # a missing policy, gpg down: this case waits, others go on
            log.warning("advisory of case %s not released yet: %s", case_id, exc.message)
    return released


def _candidates(session: Session, now: datetime) -> list[int]:
    embargoed = select(Advisory.case_id).where(
        Advisory.state == AdvisoryState.SCHEDULED, col(Advisory.embargo_at) <= now
    )
    query = select(Case.id).where(
        col(Case.state).in_(list(OPEN)),
        or_(
            col(Case.id).in_(embargoed),
            (Case.state == CaseState.FIXED) & (col(Case.publish_at) <= now),
            col(Case.disclose_by) <= now,
        ),
    )
    return [case_id for case_id in session.exec(query.order_by(col(Case.id))) if case_id]


def _release_case(session: Session, pub: Publisher, case_id: int, now: datetime) -> int:
    query = select(Case).where(Case.id == case_id, col(Case.state).in_(list(OPEN)))
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    case = session.exec(query).first()
    if case is None:  # released meanwhile, or another scheduler holds it
        return 0
    policy = clock.policy_for(pub.policies, case, session)
    advisory = session.exec(select(Advisory).where(Advisory.case_id == case.id)).first()
    due = release.due(case, advisory, policy, now)
    if due is None:
        return 0
    access = CaseAccess(case, program_of(session, case), CaseRole.ADMIN)
    if advisory is None:
        advisory = Advisory(case_id=case.id or 0, program_id=case.program_id, created_at=now)
        session.add(advisory)
        session.flush()
    public = _content(session, pub, access, advisory, due, policy.label, now)
    if due.trigger is release.Trigger.DEADLINE and case.state is not CaseState.FIXED:
        advisory.missed_deadline = True
        log_event(
            session,
            case,
            EventKind.DEADLINE_MISSED,
            "advisory.deadline_missed",
            actor=SCHEDULER,
            now=now,
            details={"advisory": advisory.id, "deadline": f"{case.disclose_by:%Y-%m-%d}"},
        )
    summary = {
        release.Trigger.EMBARGO: "Initial release",
        release.Trigger.PATCH_WINDOW: "Initial release, at the end of the policy's patch window",
        release.Trigger.DEADLINE: "Initial release, at the disclosure deadline",
    }[due.trigger]
    pub.release(
        session, access, advisory, public, summary, actor=SCHEDULER, now=now, trigger=due.trigger
    )
    log.info("released %s (case %s, %s)", advisory.public_id, case.id, due.trigger.value)
    return 1


def _content(
    session: Session,
    pub: Publisher,
    access: CaseAccess,
    advisory: Advisory,
    due: release.Due,
    policy_label: str,
    now: datetime,
) -> dict[str, object]:
    """The vendor's draft when there is one (and the policy publishes it in full), else the
    minimal advisory from the triage metadata."""
    draft = drafts.open_draft(session, pub.keyring, access, advisory, actor=SCHEDULER, now=now)
    if draft is not None and not due.is_limited:
        try:
            return pub.public_content(content.checked(draft, for_release=True), access.program)
        except DomainError as exc:  # an incomplete draft: the deadline publishes the minimum
            log.info("case %s: draft incomplete at release (%s)", access.case.id, exc.fields)
    advisory.is_minimal = True
    affected = session.exec(
        select(AffectedProduct).where(AffectedProduct.case_id == access.case.id)
    ).all()
    return documents.minimal_content(
        access.case,
        access.program,
        affected,
        credit=_reporter_credit(session, pub, access, now),
        policy_label=policy_label,
        workarounds=draft.workarounds if draft is not None else "",
        is_fixed=access.case.state is CaseState.FIXED,
    )


def _reporter_credit(session: Session, pub: Publisher, access: CaseAccess, now: datetime) -> str:
    """The credit the reporter asked for in their report ("" for none, or when unreadable)."""
    if access.program.is_offline_only:
        return ""
    try:
        report = read_report(session, pub.keyring, access, actor=SCHEDULER, now=now)
    except DomainError:
        return ""
    return str(report.get("credit") or "").strip()[:200]
