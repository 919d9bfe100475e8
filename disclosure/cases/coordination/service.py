"""Multi-party coordination: invite other vendors' programs or coordinators to a case, each
recording its own per-product status with VEX meaning; and the vendor status table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.audit.service import Actor
from disclosure.cases.access import CaseAccess, program_of
from disclosure.cases.coordination.models import Participant, VexStatement, VexStatus
from disclosure.cases.models import AffectedProduct, Case
from disclosure.cases.timeline import EventKind, log_event
from disclosure.crypto import Keyring
from disclosure.errors import Conflict, NotFound, ValidationError
from disclosure.limits import is_row_id
from disclosure.notify import service as notify
from disclosure.policy import (
    CaseRole,
    ParticipantAccess,
    Principal,
    can_coordinate,
    participant_access,
)
from disclosure.programs.models import Program, ProgramMember

# CSAF 2.0 / VEX justifications for "known_not_affected" (CSAF section 3.2.3.5 flags).
JUSTIFICATIONS = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "vulnerable_code_not_in_execute_path",
    "inline_mitigations_already_exist",
)
NO_ANSWER = "no_answer"  # a party that never answered is not a party that is not affected


def invite(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    *,
    actor: Actor,
    now: datetime,
    program_slug: str | None = None,
    coordinator_email: str | None = None,
    shares_report: bool = False,
    shares_messages: bool = False,
) -> Participant:
    """Invite another program, or an outside coordinator account, to the case."""
    case = access.case
    if bool(program_slug) == bool(coordinator_email):
        raise ValidationError(
            "Invite either a program or a coordinator.",
            fields={"program": "Give a program slug or a coordinator email."},
        )
    participant = Participant(
        case_id=case.id or 0,
        shares_report=shares_report,
        shares_messages=shares_messages,
        invited_by_id=actor.user_id,
        invited_at=now,
    )
    if program_slug:
        label, recipients = _seat_for_program(session, case, participant, program_slug)
    else:
        label, recipients = _seat_for_coordinator(session, participant, coordinator_email or "")
    if _existing(session, case, participant):
        raise Conflict(f"{label} already takes part in this case.")
    session.add(participant)
    session.flush()
    details = {
        "participant": label,
        "shares_report": shares_report,
        "shares_messages": shares_messages,
    }
    log_event(
        session,
        case,
        EventKind.PARTICIPANT_INVITED,
        "case.participant_invite",
        actor=actor,
        now=now,
        details=details,
        internal=True,
    )
    _mail_invitation(session, keyring, access, participant, recipients, now)
    return participant


def _seat_for_program(
    session: Session, case: Case, participant: Participant, slug: str
) -> tuple[str, list[notify.Recipient]]:
    """Seat another vendor's program; its members are told."""
    program = session.exec(select(Program).where(Program.slug == slug)).first()
    if program is None or not program.is_open:
        raise NotFound(f"No program {slug!r}.", fields={"program": "Unknown."})
    if program.id == case.program_id:
        raise ValidationError(
            "A program cannot be invited to its own case.",
            fields={"program": "This is the case's own program."},
        )
    participant.program_id = program.id
    return program.slug, notify.program_members(session, program.id or 0)


def _seat_for_coordinator(
    session: Session, participant: Participant, email: str
) -> tuple[str, list[notify.Recipient]]:
    """Seat an outside coordinator's own account (a CERT, say)."""
    user = session.exec(select(User).where(User.email == email.lower())).first()
    if user is None or not can_coordinate(user):
        raise NotFound(
            "No coordinator account with this email.",
            fields={"coordinator_email": "Unknown or not a vendor/admin account."},
        )
    participant.user_id = user.id
    return user.email, [notify.Recipient.of(user)]


def _mail_invitation(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    participant: Participant,
    recipients: list[notify.Recipient],
    now: datetime,
) -> None:
    case = access.case
    for recipient in recipients:
        notify.enqueue(
            session,
            keyring,  # members with an OpenPGP key get it encrypted, like every other mail
            recipient,
            now=now,
            subject=f"You were invited to coordinate case #{case.id}",
            body=f"{access.program.name} invited you to coordinate case #{case.id}. "
            "Sign in to see what is shared with you.",
            dedupe_key=f"invite:{participant.id}:{recipient.email}",
        )


def _existing(session: Session, case: Case, participant: Participant) -> bool:
    query = select(Participant.id).where(Participant.case_id == case.id)
    if participant.program_id is not None:
        query = query.where(Participant.program_id == participant.program_id)
    else:
        query = query.where(Participant.user_id == participant.user_id)
    return session.exec(query).first() is not None


@dataclass(frozen=True)
class Seat:
    """A principal's participant seat on a case."""

    case: Case
    participant: Participant
    access: ParticipantAccess


def seat_reading(session: Session, seat: Seat) -> CaseAccess:
    """What the seat reads the case as: a participant, never the owning program's member."""
    return CaseAccess(seat.case, program_of(session, seat.case), CaseRole.PARTICIPANT)


def open_seat(session: Session, principal: Principal, case_id: int) -> Seat:
    """The principal's seat on a shared case; NotFound when it has none (or may not use it)."""
    user_id = principal.user_id
    case = session.get(Case, case_id) if is_row_id(case_id) else None
    if case is None or user_id is None:
        raise NotFound("No such case.")
    for participant in session.exec(select(Participant).where(Participant.case_id == case_id)):
        member_role = None
        if participant.program_id is not None:
            role = session.exec(
                select(ProgramMember.role).where(
                    ProgramMember.program_id == participant.program_id,
                    ProgramMember.user_id == user_id,
                )
            ).first()
            member_role = role.value if role else None
        level = participant_access(
            principal, member_role=member_role, is_coordinator=participant.user_id == user_id
        )
        if level is not ParticipantAccess.NONE:
            return Seat(case, participant, level)
    raise NotFound("No such case.")


def set_status(
    session: Session,
    case: Case,
    participant: Participant | None,
    *,
    product: str,
    status: VexStatus,
    justification: str | None,
    statement: str,
    actor: Actor,
    now: datetime,
) -> VexStatement:
    """Record one party's status for one product (participant None: the case's own program)."""
    product = product.strip()
    if not product:
        raise ValidationError("Name the product.", fields={"product": "Required."})
    if status is VexStatus.KNOWN_NOT_AFFECTED and justification not in JUSTIFICATIONS:
        raise ValidationError(
            "Say why the product is not affected.",
            fields={"justification": f"Choose one of {', '.join(JUSTIFICATIONS)}."},
        )
    if status is not VexStatus.KNOWN_NOT_AFFECTED:
        justification = None
    participant_id = participant.id if participant else None
    row = session.exec(
        select(VexStatement).where(
            VexStatement.case_id == case.id,
            VexStatement.product == product,
            VexStatement.participant_id == participant_id
            if participant_id is not None
            else col(VexStatement.participant_id).is_(None),
        )
    ).first()
    row = row or VexStatement(
        case_id=case.id or 0, participant_id=participant_id, product=product, status=status
    )
    row.status, row.justification, row.statement = status, justification, statement[:5000]
    row.updated_by_id, row.updated_at = actor.user_id, now
    session.add(row)
    details = {
        "product": product,
        "status": status.value,
        "justification": justification,
        "participant": participant_id,
    }
    log_event(
        session,
        case,
        EventKind.VEX_UPDATED,
        "case.vex_update",
        actor=actor,
        now=now,
        details=details,
        internal=True,
    )
    return row


@dataclass(frozen=True)
class StatusRow:
    party: str
    product: str
    status: str  # a VexStatus value or NO_ANSWER
    justification: str | None
    statement: str


def status_table(session: Session, case: Case, owner: Program) -> list[StatusRow]:
    """Every party x product, with parties that never answered shown as `no_answer`."""
    statements = list(session.exec(select(VexStatement).where(VexStatement.case_id == case.id)))
    products = sorted(
        {s.product for s in statements}
        | {
            p.product
            for p in session.exec(select(AffectedProduct).where(AffectedProduct.case_id == case.id))
        }
    )
    parties: list[tuple[int | None, str]] = [(None, owner.slug)]
    for participant in session.exec(
        select(Participant).where(Participant.case_id == case.id).order_by(col(Participant.id))
    ):
        parties.append((participant.id, _label(session, participant)))
    by_key = {(s.participant_id, s.product): s for s in statements}
    rows = []
    for participant_id, label in parties:
        for product in products:
            found = by_key.get((participant_id, product))
            rows.append(
                StatusRow(
                    label,
                    product,
                    found.status.value if found else NO_ANSWER,
                    found.justification if found else None,
                    found.statement if found else "",
                )
            )
    return rows


def _label(session: Session, participant: Participant) -> str:
    if participant.program_id is not None:
        program = session.get(Program, participant.program_id)
        return program.slug if program else f"program {participant.program_id}"
    user = session.get(User, participant.user_id)
    return user.email if user else f"coordinator {participant.user_id}"


def participants_of(session: Session, case: Case) -> list[tuple[Participant, str]]:
    rows = session.exec(
        select(Participant).where(Participant.case_id == case.id).order_by(col(Participant.id))
    )
    return [(p, _label(session, p)) for p in rows]
