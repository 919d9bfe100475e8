"""Intake: a report becomes a case whose content exists only as OpenPGP ciphertext.

Everything the researcher wrote is encrypted to the program's active keys before anything
is added to the session; a gpg failure therefore stores nothing and never falls back to
plaintext.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.audit.service import Actor, record
from disclosure.cases.access import find_by_tracking_code, hash_code
from disclosure.cases.clock import service as clock
from disclosure.cases.models import BlobKind, Case, CaseBlob, InTheWild
from disclosure.cases.timeline import EventKind, add_event, log_event
from disclosure.crypto import CryptoError
from disclosure.errors import (
    Conflict,
    NotFound,
    ServiceUnavailable,
)
from disclosure.notify.service import Recipient, enqueue
from disclosure.policies import versions
from disclosure.policies.deadlines import Deadlines
from disclosure.policies.presets import DisclosurePolicy
from disclosure.policy import Principal, authorize_submission
from disclosure.programs.models import Program
from disclosure.programs.service import active_keys
from disclosure.reports import sealing
from disclosure.reports.forms import EncryptedReportIn, ReportIn
from disclosure.reports.intake import Intake
from disclosure.reports.models import Receipt
from disclosure.reports.receipts import issue_receipt
from disclosure.reports.tracking import (
    idempotency_key_problem,
    is_form_key,
    issue_form_key,
    tracking_code,
)


@dataclass(frozen=True)
class Submission:
    case: Case
    receipt: Receipt
    deadlines: Deadlines
    tracking_code: str | None  # only for anonymous submitters; shown, never stored
    replayed: bool  # the idempotency key had been used: this is the earlier case


def submit_report(
    session: Session,
    intake: Intake,
    *,
    program: Program,
    report: ReportIn | EncryptedReportIn,
    submitter: User | None,
    actor: Actor,
    now: datetime,
    idempotency_key: str | None = None,
) -> Submission:
    """Encrypt the report to the program's keys and open a case with its deadlines."""
    _check_program(program, submitter)
    if idempotency_key and (
        earlier := _replay(session, intake, idempotency_key, submitter, program)
    ):
        return earlier
    policy = policy_of(intake, program)
    versions.remember(session, policy, now=now)  # the case keeps this version for good
    fingerprints = _fingerprints(session, program)
    blobs = sealing.encrypt(intake, report, fingerprints, submitter)
    code = tracking_code(intake.secret_key, idempotency_key) if submitter is None else None
    case = _new_case(program, policy, report, submitter, code, idempotency_key, blobs, now)
    sealing.seal_title(session, intake, case, program, report, fingerprints, now)
    if not _insert(session, case):
        if idempotency_key and (
            earlier := _replay(session, intake, idempotency_key, submitter, program)
        ):
            return earlier  # a concurrent duplicate won the race
        raise Conflict("This submission collided with another one; please send it again.")
    for blob in blobs:
        blob.case_id, blob.created_at = case.id or 0, now
        session.add(blob)
    _log_arrival(session, case, program, anonymous=submitter is None, actor=actor, now=now)
    deadlines = clock.refresh(session, case, policy, now=now)
    receipt = _sign(session, intake, case, program, blobs, now)
    if submitter is not None:
        _remember_key(session, intake, submitter, report, actor, now)
        _mail_receipt(session, intake, submitter, case, receipt, deadlines, now)
    return Submission(case, receipt, deadlines, code, replayed=False)


def _fingerprints(session: Session, program: Program) -> list[str]:
    fingerprints = [key.fingerprint for key in active_keys(session, program)]
    if not fingerprints:
        raise ServiceUnavailable("This program has no active key; nothing was stored.")
    return fingerprints


def _new_case(
    program: Program,
    policy: DisclosurePolicy,
    report: ReportIn | EncryptedReportIn,
    submitter: User | None,
    code: str | None,
    idempotency_key: str | None,
    blobs: list[CaseBlob],
    now: datetime,
) -> Case:
    return Case(
        program_id=program.id or 0,
        reporter_id=submitter.id if submitter else None,
        tracking_code_hash=hash_code(code) if code else None,
        idempotency_key=idempotency_key,
        policy_name=policy.name,
        policy_version=policy.version,
        exploited_in_the_wild=report.exploited_in_the_wild,
        is_pre_encrypted=isinstance(report, EncryptedReportIn),
        attachment_count=sum(1 for b in blobs if b.kind is BlobKind.ATTACHMENT),
        received_at=now,
        updated_at=now,
    )


def _insert(session: Session, case: Case) -> bool:
    """Add the case row; False when its idempotency key is taken (a concurrent duplicate)."""
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def _log_arrival(
    session: Session, case: Case, program: Program, *, anonymous: bool, actor: Actor, now: datetime
) -> None:
    """The case's first timeline events and its case.submit audit record."""
    log_event(
        session,
        case,
        EventKind.RECEIVED,
        "case.submit",
        actor=actor,
        now=now,
        details={"anonymous": anonymous, "attachments": case.attachment_count},
        audit_details={
            "program": program.slug,
            "pre_encrypted": case.is_pre_encrypted,
            "attachments": case.attachment_count,
            "anonymous": anonymous,
        },
    )
    if case.exploited_in_the_wild is InTheWild.YES:
        add_event(
            session,
            case,
            EventKind.IN_THE_WILD_SET,
            actor=actor,
            now=now,
            details={"by": "reporter"},
        )


def _check_program(program: Program, submitter: User | None) -> None:
    if not program.is_open:
        raise NotFound(f"No program {program.slug!r}.")
    # The views authorize the request; the verb keeps the rule for any other caller.
    authorize_submission(
        Principal(user=submitter), accepts_anonymous=program.accepts_anonymous, program=program.name
    )


def policy_of(intake: Intake, program: Program) -> DisclosurePolicy:
    policy = intake.policies.get(program.policy_name)
    if policy is None:
        raise ServiceUnavailable(f"The program's policy {program.policy_name!r} is not loaded.")
    return policy


def _remember_key(
    session: Session,
    intake: Intake,
    submitter: User,
    report: ReportIn | EncryptedReportIn,
    actor: Actor,
    now: datetime,
) -> None:
    """A signed-in researcher's key becomes their account's: mail to them is encrypted to it."""
    if not report.researcher_public_key:
        return
    key = sealing.check_public_key(intake.keyring, report.researcher_public_key)
    if submitter.pgp_fingerprint == key.fingerprint:
        return
    submitter.pgp_fingerprint, submitter.pgp_public_key = key.fingerprint, key.public_key
    session.add(submitter)
    record(
        session,
        actor,
        "user.pgp_key_set",
        now=now,
        subject_type="user",
        subject_id=submitter.id,
        details={"fingerprint": key.fingerprint},
    )


def _mail_receipt(
    session: Session,
    intake: Intake,
    submitter: User,
    case: Case,
    receipt: Receipt,
    deadlines: Deadlines,
    now: datetime,
) -> None:
    """The signed receipt by mail (hashes and times only: no report text)."""
    lines = [
        f"Your report was received as case #{case.id} on {case.received_at:%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    for name, deadline in (
        ("Acknowledge by", deadlines.acknowledge_by),
        ("Triage by", deadlines.triage_by),
        ("Disclosure deadline", deadlines.disclose_by),
    ):
        if deadline is not None:
            lines.append(f"{name}: {deadline.at:%Y-%m-%d %H:%M} UTC ({deadline.explanation})")
    lines += [
        "",
        f"Follow it at {intake.base_url}/cases/{case.id}",
        "",
        "Your signed receipt (check it with `disclosure receipt verify` or at "
        f"{intake.base_url}/receipts/verify):",
        "",
        receipt.signed_statement,
    ]
    enqueue(
        session,
        intake.keyring,
        Recipient.of(submitter),
        now=now,
        subject=f"Receipt for your report, case #{case.id}",
        body="\n".join(lines),
        dedupe_key=f"receipt:{case.id}",
    )


def _sign(
    session: Session,
    intake: Intake,
    case: Case,
    program: Program,
    blobs: list[CaseBlob],
    now: datetime,
) -> Receipt:
    try:
        return issue_receipt(
            session,
            intake.keyring,
            case,
            program_slug=program.slug,
            blobs=blobs,
            base_url=intake.base_url,
            now=now,
        )
    except CryptoError:
        raise ServiceUnavailable("Signing the receipt failed; nothing was stored.") from None


def _replay(
    session: Session, intake: Intake, key: str, submitter: User | None, program: Program
) -> Submission | None:
    case = session.exec(select(Case).where(Case.idempotency_key == key)).first()
    if case is None:
        return None
    if case.reporter_id != (submitter.id if submitter else None):
        raise Conflict(
            "This idempotency key was used for another submission.",
            fields={"idempotency_key": "Use a fresh key for each new report."},
        )
    receipt = session.exec(select(Receipt).where(Receipt.case_id == case.id)).one()
    policy = clock.policy_for(intake.policies, case, session)
    if case.program_id != program.id:
        raise Conflict(
            "This idempotency key was used for another submission.",
            fields={"idempotency_key": "Use a fresh key for each new report."},
        )
    # Shown again only for keys we issued (the form); an API client got it the first time.
    code = (
        tracking_code(intake.secret_key, key)
        if submitter is None and is_form_key(intake.secret_key, key)
        else None
    )
    deadlines = clock.deadlines_of(session, case, policy, now=case.received_at)
    return Submission(case, receipt, deadlines, code, replayed=True)


def cases_of(session: Session, user: User) -> list[Case]:
    """The user's own submissions, newest first."""
    return list(
        session.exec(
            select(Case).where(Case.reporter_id == user.id).order_by(col(Case.received_at).desc())
        )
    )


__all__ = [  # the tracking names are re-exported for the web and API views
    "InTheWild",
    "Intake",
    "Submission",
    "find_by_tracking_code",
    "hash_code",
    "idempotency_key_problem",
    "issue_form_key",
    "submit_report",
]
