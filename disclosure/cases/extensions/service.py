"""Verbs that move a case's disclosure deadline: extensions, grace periods, the in-the-wild flag.

Each verb flushes, writes the timeline and the audit log, and refreshes the clock when the
deadlines change. The vendor asks for more time; the reporter (for an anonymous report, an
admin) accepts or declines. The policy's caps are checked when the vendor asks and again at
acceptance, under a lock on the case row, so requests made side by side never exceed them.
Who may call which verb is decided in `disclosure.policy` by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.audit.service import Actor
from disclosure.cases.access import CaseAccess
from disclosure.cases.clock import service as clock
from disclosure.cases.clock.view import is_done
from disclosure.cases.models import Case, ExtensionRequest, ExtensionStatus, InTheWild
from disclosure.cases.timeline import EventKind, clock_events, events_of, log_event
from disclosure.cases.triage import bump, check_version
from disclosure.crypto import Keyring
from disclosure.errors import Conflict, NotFound, ValidationError
from disclosure.notify import service as notify
from disclosure.policies.grants import check_extension, check_grace
from disclosure.policies.presets import DisclosurePolicy

REASON_MAX = 1000


@dataclass(frozen=True)
class MoreTime:
    """What the vendor asks for: an extension, or a grace period against a patch date."""

    days: int
    reason: str
    is_grace: bool = False
    patch_date: date | None = None

    @property
    def kind(self) -> str:
        """ "grace" or "extension"."""
        return "grace" if self.is_grace else "extension"


@dataclass(frozen=True)
class Mail:
    """What the verbs need to write mail: a keyring for recipients with a key, the site URL."""

    keyring: Keyring | None
    base_url: str

    def extensions_url(self, case: Case) -> str:
        """The page where both sides see the requests of a case."""
        return f"{self.base_url}/cases/{case.id}/extensions"


def requests_of(session: Session, case: Case) -> list[ExtensionRequest]:
    """Every request for more time on the case, oldest first."""
    query = select(ExtensionRequest).where(ExtensionRequest.case_id == case.id)
    return list(session.exec(query.order_by(col(ExtensionRequest.id))))


def request_time(
    session: Session,
    access: CaseAccess,
    policies: Mapping[str, DisclosurePolicy],
    ask: MoreTime,
    *,
    actor: Actor,
    now: datetime,
    mail: Mail,
) -> ExtensionRequest:
    """Record the vendor's request; 409 (naming the cap) when the policy cannot grant it."""
    case = access.case
    _check_ask(ask)
    if is_done(case):
        raise Conflict("The case is closed; its deadlines no longer run.")
    _check_policy(session, case, clock.policy_for(policies, case, session), ask, asked_at=now)
    request = ExtensionRequest(
        case_id=case.id or 0,
        is_grace=ask.is_grace,
        days=ask.days,
        reason=ask.reason,
        patch_date=ask.patch_date,
        requested_by_id=actor.user_id,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    details = {**_summary(request), "reason": ask.reason}
    # The reason stays out of the audit chain: it is free text the vendor wrote about the case.
    log_event(
        session,
        case,
        EventKind.EXTENSION_REQUESTED,
        "case.extension_request",
        actor=actor,
        now=now,
        details=details,
        audit_details=_summary(request),
    )
    _tell_reporter(session, access, request, mail, now)
    return request


def decide(
    session: Session,
    access: CaseAccess,
    policies: Mapping[str, DisclosurePolicy],
    request_id: int,
    *,
    accept: bool,
    actor: Actor,
    now: datetime,
    mail: Mail,
) -> ExtensionRequest:
    """Accept (the deadline moves, timers are rescheduled) or decline a pending request."""
    case = access.case
    session.refresh(case, with_for_update=True)  # one decision at a time per case
    request = _pending(session, case, request_id)
    if accept:
        if is_done(case):
            raise Conflict("The case is closed; its deadlines no longer run.")
        policy = clock.policy_for(policies, case, session)
        ask = MoreTime(request.days, request.reason, request.is_grace, request.patch_date)
        # The caps count what is granted now; the timing rules look at when the vendor asked.
        _check_policy(session, case, policy, ask, asked_at=request.requested_at)
        kind, details = _grant(session, request)
        bump(case, now)
    else:
        kind, details = EventKind.EXTENSION_DECLINED, {**_summary(request), "outcome": "declined"}
    request.status = ExtensionStatus.ACCEPTED if accept else ExtensionStatus.DECLINED
    request.decided_by_id, request.decided_at = actor.user_id, now
    session.add(request)
    action = "case.extension_accept" if accept else "case.extension_decline"
    log_event(
        session,
        case,
        kind,
        action,
        actor=actor,
        now=now,
        details=details,
        audit_details=_summary(request),
    )
    if accept:
        clock.refresh_case(session, case, policies, now=now)
    _tell_requester(session, access, request, mail, now)
    return request


def withdraw(
    session: Session, access: CaseAccess, request_id: int, *, actor: Actor, now: datetime
) -> ExtensionRequest:
    """The vendor takes back a request nobody has decided yet."""
    case = access.case
    session.refresh(case, with_for_update=True)
    request = _pending(session, case, request_id)
    request.status = ExtensionStatus.WITHDRAWN
    request.decided_by_id, request.decided_at = actor.user_id, now
    session.add(request)
    # does, and `outcome` says which it was.
    details = {**_summary(request), "outcome": "withdrawn"}
    log_event(
        session,
        case,
        EventKind.EXTENSION_WITHDRAWN,
        "case.extension_withdraw",
        actor=actor,
        now=now,
        details=details,
        audit_details=_summary(request),
    )
    return request


def set_in_the_wild(
    session: Session,
    access: CaseAccess,
    policies: Mapping[str, DisclosurePolicy],
    *,
    exploited: bool,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> bool:
    """Set or clear exploitation in the wild; False when the flag already said so."""
    case = access.case
    check_version(case, expected_version)
    previous, flag = case.exploited_in_the_wild, InTheWild.YES if exploited else InTheWild.NO
    if previous is flag:
        return False
    case.exploited_in_the_wild = flag
    bump(case, now)
    kind = EventKind.IN_THE_WILD_SET if exploited else EventKind.IN_THE_WILD_CLEARED
    details = {"by": "vendor", "from": previous.value, "to": flag.value}
    log_event(session, case, kind, "case.in_the_wild", actor=actor, now=now, details=details)
    clock.refresh_case(session, case, policies, now=now)
    return True


# --- helpers ----------------------------------------------------------------------------------


def _check_ask(ask: MoreTime) -> None:
    fields = {}
    if not ask.reason.strip():
        fields["reason"] = "Say why more time is needed."
    elif len(ask.reason) > REASON_MAX:
        fields["reason"] = f"At most {REASON_MAX} characters."
    if ask.is_grace and ask.patch_date is None:
        # A grace period waits for a named patch; the timeline stores its date.
        fields["patch_date"] = "A grace period names the date the patch is scheduled for."
    if not ask.is_grace and ask.patch_date is not None:
        fields["patch_date"] = "Only a grace period names a patch date."
    if fields:
        raise ValidationError("Some fields are invalid.", fields=fields)


def _check_policy(
    session: Session, case: Case, policy: DisclosurePolicy, ask: MoreTime, *, asked_at: datetime
) -> None:
    events = clock_events(case, events_of(session, case.id or 0))
    if ask.is_grace:
        check_grace(policy, events, ask.days, ask.patch_date, asked_at)
    else:
        check_extension(policy, events, ask.days, asked_at)


def _pending(session: Session, case: Case, request_id: int) -> ExtensionRequest:
    query = select(ExtensionRequest).where(
        ExtensionRequest.id == request_id, ExtensionRequest.case_id == case.id
    )
    request = session.exec(query.execution_options(populate_existing=True)).first()
    if request is None:
        raise NotFound("No such request for more time on this case.")
    if request.status is not ExtensionStatus.PENDING:
        raise Conflict(f"This request was already {request.status.value}.")
    return request


def _grant(session: Session, request: ExtensionRequest) -> tuple[EventKind, dict[str, Any]]:
    """The timeline event that moves the clock (its details are what clock_events reads)."""
    details: dict[str, Any] = {
        "request": request.id,
        "days": request.days,
        "reason": request.reason,
        "granted_by": requester_label(session, request),
    }
    if not request.is_grace:
        return EventKind.EXTENSION_GRANTED, details
    if request.patch_date is None:  # _check_ask requires it: only older rows could lack it
        raise Conflict("This grace period names no patch date; ask again with one.")
    return EventKind.GRACE_GRANTED, {**details, "patch_date": request.patch_date.isoformat()}


def requester_label(session: Session, request: ExtensionRequest) -> str:
    """Who asked on the vendor side, as explanations name them."""
    user = session.get(User, request.requested_by_id) if request.requested_by_id else None
    return user.email if user is not None else "the vendor"


def _summary(request: ExtensionRequest) -> dict[str, Any]:
    return {
        "request": request.id,
        "kind": "grace" if request.is_grace else "extension",
        "days": request.days,
        "patch_date": request.patch_date.isoformat() if request.patch_date else None,
    }


def _asked_for(request: ExtensionRequest) -> str:
    if request.is_grace:
        return f"a grace period of {request.days} days (patch scheduled for {request.patch_date})"
    return f"an extension of {request.days} days"


def _tell_reporter(
    session: Session, access: CaseAccess, request: ExtensionRequest, mail: Mail, now: datetime
) -> None:
    """Mail the reporter (anonymous reporters have no address: an admin decides for them)."""
    recipient = notify.reporter(session, access.case.reporter_id)
    if recipient is None:
        return
    case = access.case
    body = (
        f"{access.program.name} asks for {_asked_for(request)} on case #{case.id} before "
        f"the disclosure deadline.\n\nRead the reason and accept or decline:\n"
        f"{mail.extensions_url(case)}\n"
    )
    notify.enqueue(
        session,
        mail.keyring,
        recipient,
        subject=f"Case #{case.id}: {access.program.name} asks for more time",
        body=body,
        now=now,
        dedupe_key=f"extension:{request.id}:requested",
    )


def _tell_requester(
    session: Session, access: CaseAccess, request: ExtensionRequest, mail: Mail, now: datetime
) -> None:
    """Mail the vendor member who asked how it was decided."""
    user = session.get(User, request.requested_by_id) if request.requested_by_id else None
    if user is None or not user.is_active:
        return
    case, outcome = access.case, request.status.value
    notify.enqueue(
        session,
        mail.keyring,
        notify.Recipient.of(user),
        subject=f"Case #{case.id}: your request for more time was {outcome}",
        body=(
            f"Your request for {_asked_for(request)} on case #{case.id} was {outcome}.\n\n"
            f"{mail.extensions_url(case)}\n"
        ),
        now=now,
        dedupe_key=f"extension:{request.id}:{outcome}",
    )
