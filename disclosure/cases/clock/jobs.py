"""The timer sweep: fire every due timer exactly once, at a cost that grows with what is due.

A sweep reads only `case_timer` rows with `fired_at IS NULL AND due_at <= now` through the
(fired_at, due_at) index, in batches; cases are then fetched by primary key. On PostgreSQL the
batch is locked with FOR UPDATE SKIP LOCKED so that several schedulers share the work. Each
timer is claimed by `UPDATE ... WHERE fired_at IS NULL` in the transaction that writes its
events, mail and audit record, so a timer fires once even on SQLite, which has no row locks
(run one scheduler per SQLite deployment all the same: two would wait on each other's writes).

Before firing, the case's deadlines are recomputed: a timer planned before the clock moved (a
pause, a changed policy file) is not fired but planned again by `cases.clock.refresh`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.audit.service import Actor
from disclosure.cases.clock import service as clock
from disclosure.cases.clock.models import CaseTimer
from disclosure.cases.lifecycle import CLOSING
from disclosure.cases.models import Case, CaseState
from disclosure.cases.timeline import EventKind, add_event, log_event
from disclosure.crypto import CryptoError, GpgUnavailable
from disclosure.db import is_postgresql, unit_of_work
from disclosure.notify import messages
from disclosure.notify import service as notify
from disclosure.notify.service import Recipient
from disclosure.policies import timers
from disclosure.policies.presets import DeadlineAction, DisclosurePolicy
from disclosure.policies.timers import DUE
from disclosure.programs.models import MemberRole, Program

if TYPE_CHECKING:
    from disclosure.services import Services

log = logging.getLogger(__name__)

SCHEDULER = Actor.system("scheduler")
# The vendor's own response targets: their events stay on the vendor's side of the timeline.
VENDOR_DEADLINES = frozenset({"acknowledge_by", "triage_by"})
MILESTONES = frozenset({"disclose_by", "publish_at"})
OWNERS = (MemberRole.OWNER,)
OWNERS_AND_TRIAGERS = (MemberRole.OWNER, MemberRole.TRIAGER)
# Timestamps survive the database to the microsecond; a second of slack is still "the same".
_SAME = timedelta(seconds=1)


@dataclass(frozen=True)
class DueTimer:
    id: int
    case_id: int
    deadline: str
    level: str
    due_at: datetime


def sweep_due_timers(services: Services, now: datetime, *, batch: int = 200) -> int:
    """Fire every timer due at `now`, each exactly once; returns how many fired."""
    fired, passed = 0, set[int]()
    while True:
        with unit_of_work(services.engine) as session:
            due = _due_batch(session, now, batch, passed)
            work = _Batch(session, services, now)
            for case, case_timers in _by_case(session, due):
                fired += _fire_case(work, case, case_timers, passed)
        if len(due) < batch:
            return fired


def _due_batch(session: Session, now: datetime, batch: int, passed: set[int]) -> list[DueTimer]:
    query = (
        select(
            CaseTimer.id, CaseTimer.case_id, CaseTimer.deadline, CaseTimer.level, CaseTimer.due_at
        )
        .where(col(CaseTimer.fired_at).is_(None), col(CaseTimer.due_at) <= now)
        .order_by(col(CaseTimer.due_at))
        .limit(batch)
    )
    if passed:  # timers this sweep could not fire (unknown policy); do not read them again
        query = query.where(col(CaseTimer.id).not_in(passed))
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    return [DueTimer(*row) for row in session.exec(query)]


def _by_case(session: Session, due: list[DueTimer]) -> list[tuple[Case, list[DueTimer]]]:
    grouped: dict[int, list[DueTimer]] = defaultdict(list)
    for timer in due:
        grouped[timer.case_id].append(timer)
    if not grouped:
        return []
    cases = session.exec(select(Case).where(col(Case.id).in_(list(grouped)))).all()
    return [(case, grouped[case.id or 0]) for case in cases]


def _fire_case(work: _Batch, case: Case, due: list[DueTimer], passed: set[int]) -> int:
    """Fire the case's due timers that its deadlines still call for; replan the others."""
    policy = clock.find_policy(work.session, work.services.policies, case)
    if policy is None:
        log.warning("case %s: policy %r is not loaded; its timers wait", case.id, case.policy_name)
        passed.update(timer.id for timer in due)
        return 0
    plan = current_plan(work.session, case, policy, work.now)
    current = [t for t in due if _is_planned(plan, t)]
    # When several levels of one deadline are due at once (the scheduler was down), only the
    # latest one mails; the earlier ones are recorded as fired without a mail.
    latest = {t.deadline: t.due_at for t in sorted(current, key=lambda t: t.due_at)}
    fired = 0
    for timer in current:
        if _claim(work.session, timer, work.now):
            is_loud = timer.due_at == latest[timer.deadline]
            _fire(work, case, policy, timer, plan[(timer.deadline, DUE)], is_loud=is_loud)
            fired += 1
    if len(current) < len(due):
        clock.refresh(work.session, case, policy, now=work.now)
    return fired


def current_plan(
    session: Session, case: Case, policy: DisclosurePolicy, now: datetime
) -> dict[tuple[str, str], datetime]:
    """The timers the case's deadlines call for now, as (deadline, level) -> due_at."""
    deadlines = clock.deadlines_of(session, case, policy, now=now)
    is_done = case.state in CLOSING or case.state is CaseState.DISCLOSED
    live = timers.live_deadlines(deadlines, is_fixed=case.state is CaseState.FIXED, is_done=is_done)
    return {(p.deadline, p.level): p.due_at for p in timers.plan(live, policy.warnings.fractions)}


def _is_planned(plan: dict[tuple[str, str], datetime], timer: DueTimer) -> bool:
    planned = plan.get((timer.deadline, timer.level))
    return planned is not None and abs(planned - timer.due_at) < _SAME


def _claim(session: Session, timer: DueTimer, now: datetime) -> bool:
    """Mark the timer fired unless someone else already did: the exactly-once step."""
    result = session.execute(
        sa.update(CaseTimer)
        .where(col(CaseTimer.id) == timer.id, col(CaseTimer.fired_at).is_(None))
        .values(fired_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _fire(
    work: _Batch,
    case: Case,
    policy: DisclosurePolicy,
    timer: DueTimer,
    deadline_at: datetime,
    *,
    is_loud: bool,
) -> None:
    details: dict[str, object] = {
        "timer_id": timer.id,
        "deadline": timer.deadline,
        "level": timer.level,
        "due_at": timer.due_at.isoformat(),
        "mailed": is_loud,
    }
    is_due_milestone = timer.level == DUE and timer.deadline in MILESTONES
    action = action_at(policy, timer.deadline) if is_due_milestone else None
    log_event(
        work.session,
        case,
        EventKind.TIMER_FIRED,
        "timer.fire",
        actor=SCHEDULER,
        now=work.now,
        details=details,
        audit_details={**details, "action": action.value} if action else details,
        internal=timer.deadline in VENDOR_DEADLINES,
    )
    if action is not None:  # the timeline says what the policy does now; the audit has it above
        due = {"timer_id": timer.id, "deadline": timer.deadline, "action": action.value}
        add_event(
            work.session,
            case,
            EventKind.PUBLICATION_DUE,
            actor=SCHEDULER,
            now=work.now,
            details=due,
        )
    if is_loud:
        ref = work.case_ref(case, policy)
        for recipient, mail in _mails(work, case, ref, timer, deadline_at, action):
            work.enqueue(recipient, mail, timer.id)


def _mails(
    work: _Batch,
    case: Case,
    ref: messages.CaseRef,
    timer: DueTimer,
    deadline_at: datetime,
    action: DeadlineAction | None,
) -> list[tuple[Recipient, messages.Mail]]:
    """Who hears of this timer, and what each is told."""
    now, name = work.now, timer.deadline
    if name in VENDOR_DEADLINES:
        if timer.level == DUE:  # a breach: escalate to the owners
            overdue = messages.response_overdue(ref, name, deadline_at, now)
            return [(r, overdue) for r in work.members(case.program_id, OWNERS)]
        warning = messages.response_warning(ref, name, deadline_at, now)
        return [(r, warning) for r in work.members(case.program_id, OWNERS_AND_TRIAGERS)]
    if action is not None:
        vendor = work.members(case.program_id, OWNERS)
        texts = [
            messages.publication_due(ref, name, deadline_at, action, is_reporter=side)
            for side in (False, True)
        ]
    else:
        vendor = work.members(case.program_id, OWNERS_AND_TRIAGERS)
        texts = [
            messages.milestone_warning(ref, name, deadline_at, now, is_reporter=side)
            for side in (False, True)
        ]
    mails = [(r, texts[0]) for r in vendor]
    if (reporter := notify.reporter(work.session, case.reporter_id)) is not None:
        mails.append((reporter, texts[1]))
    return mails


class _Batch:
    """One batch's transaction, clock and look-ups (programs and members read once)."""

    def __init__(self, session: Session, services: Services, now: datetime) -> None:
        self.session, self.services, self.now = session, services, now
        self._programs: dict[int, Program | None] = {}  # strong references: read once a batch
        self._members: dict[tuple[int, tuple[MemberRole, ...]], list[Recipient]] = {}

    def case_ref(self, case: Case, policy: DisclosurePolicy) -> messages.CaseRef:
        if case.program_id not in self._programs:
            self._programs[case.program_id] = self.session.get(Program, case.program_id)
        program = self._programs[case.program_id]
        url = f"{self.services.settings.base_url}/cases/{case.id}"
        return messages.CaseRef(case.id or 0, program.name if program else "", policy.label, url)

    def members(self, program_id: int, roles: tuple[MemberRole, ...]) -> list[Recipient]:
        key = (program_id, roles)
        if key not in self._members:
            self._members[key] = notify.program_members(self.session, program_id, roles)
        return self._members[key]

    def enqueue(self, recipient: Recipient, mail: messages.Mail, timer_id: int) -> None:
        key = dedupe_key(timer_id, recipient.email)
        keyring = self.services.keyring() if recipient.pgp_fingerprint else None
        try:
            notify.enqueue(
                self.session,
                keyring,
                recipient,
                subject=mail.subject,
                body=mail.body,
                now=self.now,
                dedupe_key=key,
            )
        except GpgUnavailable:
            raise  # no gpg at all: fail the batch, it is retried whole
        except CryptoError as exc:  # one recipient's key is unusable: never mail them in clear
            log.warning(
                "timer %s: mail not queued, key %s unusable: %s",
                timer_id,
                recipient.pgp_fingerprint,
                exc,
            )


def action_at(policy: DisclosurePolicy, deadline: str) -> DeadlineAction:
    """What is due when a milestone comes: the policy's action at the disclosure deadline.

    Once a fix is out (`publish_at`) there is nothing left to keep back, so a policy that
    publishes at all publishes the full advisory; a "notify" policy still publishes nothing.
    """
    action = policy.deadline.action
    if deadline == "publish_at" and action is not DeadlineAction.NOTIFY:
        return DeadlineAction.PUBLISH
    return action


def dedupe_key(timer_id: int, email: str) -> str:
    """ "timer:<id>:<email>", with the address hashed when the key would not fit its column."""
    key = f"timer:{timer_id}:{email}"
    if len(key) <= 200:
        return key
    return f"timer:{timer_id}:sha256:{hashlib.sha256(email.encode()).hexdigest()}"
