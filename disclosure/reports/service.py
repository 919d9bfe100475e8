"""Intake: a report becomes a case whose content exists only as OpenPGP ciphertext.

Everything the researcher wrote is encrypted to the program's active keys before anything
is added to the session; a gpg failure therefore stores nothing and never falls back to
plaintext.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.audit.service import Actor, record
from disclosure.cases import clock
from disclosure.cases.models import BlobKind, Case, CaseBlob, InTheWild
from disclosure.cases.severity import score_vector
from disclosure.cases.timeline import EventKind, add_event
from disclosure.crypto import CryptoError, GpgUnavailable, Keyring, NotEncryptedToKey
from disclosure.errors import (
    BadRequest,
    Conflict,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthenticated,
    ValidationError,
)
from disclosure.policies.deadlines import Deadlines
from disclosure.policies.presets import DisclosurePolicy
from disclosure.programs.models import Program
from disclosure.programs.service import active_keys
from disclosure.reports import envelope
from disclosure.reports.cwe import check_cwe
from disclosure.reports.forms import EncryptedReportIn, ReportIn
from disclosure.reports.models import Receipt
from disclosure.reports.receipts import issue_receipt


@dataclass(frozen=True)
class Intake:
    """What intake needs from the deployment."""

    keyring: Keyring
    policies: Mapping[str, DisclosurePolicy]
    base_url: str
    secret_key: str
    max_attachment_bytes: int
    max_attachments_total_bytes: int


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
    fingerprints = [key.fingerprint for key in active_keys(session, program)]
    if not fingerprints:
        raise ServiceUnavailable("This program has no active key; nothing was stored.")
    blobs = _encrypt(intake, report, fingerprints, submitter)
    tracking_code = _tracking_code(intake, idempotency_key) if submitter is None else None
    case = Case(
        program_id=program.id or 0,
        reporter_id=submitter.id if submitter else None,
        tracking_code_hash=hash_code(tracking_code) if tracking_code else None,
        idempotency_key=idempotency_key,
        policy_name=policy.name,
        policy_version=policy.version,
        exploited_in_the_wild=report.exploited_in_the_wild,
        is_pre_encrypted=isinstance(report, EncryptedReportIn),
        attachment_count=sum(1 for b in blobs if b.kind is BlobKind.ATTACHMENT),
        received_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(case)
            session.flush()
    except sa.exc.IntegrityError:
        if idempotency_key and (
            earlier := _replay(session, intake, idempotency_key, submitter, program)
        ):
            return earlier  # a concurrent duplicate won the race
        raise
    for blob in blobs:
        blob.case_id = case.id or 0
        blob.created_at = now
        session.add(blob)
    add_event(
        session,
        case,
        EventKind.RECEIVED,
        actor=actor,
        now=now,
        details={"anonymous": submitter is None, "attachments": case.attachment_count},
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
    deadlines = clock.refresh(session, case, policy, now=now)
    receipt = _sign(session, intake, case, program, blobs, now)
    record(
        session,
        actor,
        "case.submit",
        now=now,
        subject_type="case",
        subject_id=case.id,
        details={
            "program": program.slug,
            "pre_encrypted": case.is_pre_encrypted,
            "attachments": case.attachment_count,
            "anonymous": submitter is None,
        },
    )
    return Submission(case, receipt, deadlines, tracking_code, replayed=False)


def _check_program(program: Program, submitter: User | None) -> None:
    if not program.is_open:
        raise NotFound(f"No program {program.slug!r}.")
    if submitter is None and not program.accepts_anonymous:
        raise Unauthenticated(f"{program.name} accepts reports only from signed-in researchers.")


def policy_of(intake: Intake, program: Program) -> DisclosurePolicy:
    policy = intake.policies.get(program.policy_name)
    if policy is None:
        raise ServiceUnavailable(f"The program's policy {program.policy_name!r} is not loaded.")
    return policy


def _encrypt(
    intake: Intake,
    report: ReportIn | EncryptedReportIn,
    fingerprints: list[str],
    submitter: User | None,
) -> list[CaseBlob]:
    keyring = intake.keyring
    try:
        if isinstance(report, EncryptedReportIn):
            message = report.encrypted_report.strip().encode()
            _check_encrypted_to(keyring, message, fingerprints)
            return [_blob(BlobKind.REPORT, message, fingerprints, submitter)]
        _check_attachments(intake, report)
        cvss = None
        if report.cvss_vector:
            severity = score_vector(report.cvss_vector)
            cvss = {"vector": severity.vector, "score": severity.score, "rating": severity.rating}
        if report.cwe:
            report = report.model_copy(update={"cwe": check_cwe(report.cwe)})
        if report.researcher_public_key:
            _check_public_key(keyring, report.researcher_public_key)
        plaintexts = [(BlobKind.REPORT, envelope.report_document(report, cvss=cvss))]
        plaintexts += [
            (BlobKind.ATTACHMENT, envelope.attachment_envelope(a.filename, a.content))
            for a in report.attachments
        ]
        ciphertexts = _encrypt_all(keyring, [data for _kind, data in plaintexts], fingerprints)
        return [
            _blob(kind, ciphertext, fingerprints, submitter)
            for (kind, _data), ciphertext in zip(plaintexts, ciphertexts, strict=True)
        ]
    except GpgUnavailable:
        raise ServiceUnavailable(
            "Encryption is unavailable right now; nothing was stored. Please try again later."
        ) from None
    except CryptoError:
        raise ServiceUnavailable(
            "Encryption failed; nothing was stored. Please try again later."
        ) from None


def _encrypt_all(keyring: Keyring, plaintexts: list[bytes], fingerprints: list[str]) -> list[bytes]:
    """Binary OpenPGP messages, one gpg process per plaintext, run side by side."""
    if len(plaintexts) == 1:
        return [keyring.encrypt(plaintexts[0], fingerprints, armor=False)]
    with ThreadPoolExecutor(max_workers=min(4, len(plaintexts))) as pool:
        return list(
            pool.map(lambda data: keyring.encrypt(data, fingerprints, armor=False), plaintexts)
        )


def _check_encrypted_to(keyring: Keyring, message: bytes, fingerprints: list[str]) -> None:
    expected = ", ".join(fingerprints)
    try:
        keyring.check_encrypted_to(message, fingerprints)
    except NotEncryptedToKey:
        raise BadRequest(
            f"The message is not encrypted to this program's key. Encrypt it to {expected}.",
            fields={"encrypted_report": f"Must be encrypted to {expected}."},
        ) from None
    except GpgUnavailable:
        raise
    except CryptoError:
        raise BadRequest(
            "The encrypted report is not a well-formed OpenPGP message.",
            fields={"encrypted_report": f"Paste an armored PGP message encrypted to {expected}."},
        ) from None


def _check_attachments(intake: Intake, report: ReportIn) -> None:
    total = 0
    for attachment in report.attachments:
        total += len(attachment.content)
        if len(attachment.content) > intake.max_attachment_bytes:
            raise PayloadTooLarge(
                f"{envelope.sanitise_filename(attachment.filename)} is larger than the limit of "
                f"{_mib(intake.max_attachment_bytes)} for one attachment; nothing was stored.",
                fields={"attachments": f"At most {_mib(intake.max_attachment_bytes)} each."},
            )
    if total > intake.max_attachments_total_bytes:
        raise PayloadTooLarge(
            f"The attachments add up to more than {_mib(intake.max_attachments_total_bytes)}; "
            "nothing was stored.",
            fields={"attachments": f"At most {_mib(intake.max_attachments_total_bytes)} in all."},
        )


def _mib(size: int) -> str:
    """A size as people read it: 10 MiB, 1.5 KiB, 900 bytes."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"


def _check_public_key(keyring: Keyring, armored: str) -> None:
    try:
        keyring.import_public_key(armored)
    except GpgUnavailable:
        raise
    except CryptoError as exc:
        raise ValidationError(
            "The OpenPGP public key is not usable.", fields={"researcher_public_key": str(exc)}
        ) from None


def _blob(
    kind: BlobKind, ciphertext: bytes, fingerprints: list[str], submitter: User | None
) -> CaseBlob:
    return CaseBlob(
        case_id=0,
        kind=kind,
        ciphertext=ciphertext,
        sha256=hashlib.sha256(ciphertext).hexdigest(),
        recipients=" ".join(fingerprints),
        author_id=submitter.id if submitter else None,
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


# --- tracking codes and idempotency ----------------------------------------------------------


def issue_form_key(secret_key: str) -> str:
    """An idempotency key for the report form: random, and signed so only we can issue one."""
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_form_key_signature(secret_key, nonce)}"


def _form_key_signature(secret_key: str, nonce: str) -> str:
    return hmac.new(secret_key.encode(), b"form-key|" + nonce.encode(), hashlib.sha256).hexdigest()[
        :24
    ]


def _is_form_key(intake: Intake, key: str | None) -> bool:
    nonce, _, signature = (key or "").partition(".")
    return bool(nonce) and hmac.compare_digest(
        signature, _form_key_signature(intake.secret_key, nonce)
    )


def _tracking_code(intake: Intake, idempotency_key: str | None) -> str:
    """160 random bits; for a form we issued, derived from its key so a double submit can
    show the code again. A client-chosen API key never derives a code: it may be guessable.
    """
    if idempotency_key and _is_form_key(intake, idempotency_key):
        raw = hmac.new(
            intake.secret_key.encode(), b"tracking|" + idempotency_key.encode(), hashlib.sha256
        ).digest()[:20]
    else:
        raw = secrets.token_bytes(20)
    code = base64.b32encode(raw).decode().rstrip("=")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    """The stored form of a tracking code (normalised: case and dashes do not matter)."""
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


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
    policy = intake.policies[case.policy_name]
    if case.program_id != program.id:
        raise Conflict(
            "This idempotency key was used for another submission.",
            fields={"idempotency_key": "Use a fresh key for each new report."},
        )
    # Shown again only for keys we issued (the form); an API client got it the first time.
    code = _tracking_code(intake, key) if submitter is None and _is_form_key(intake, key) else None
    deadlines = clock.deadlines_of(session, case, policy, now=case.received_at)
    return Submission(case, receipt, deadlines, code, replayed=True)


def find_by_tracking_code(session: Session, code: str) -> Case:
    """The case for a tracking code; NotFound (saying nothing more) for any wrong code."""
    case = session.exec(select(Case).where(Case.tracking_code_hash == hash_code(code))).first()
    if case is None or not code.strip():
        raise NotFound("No case matches this tracking code.")
    return case


def cases_of(session: Session, user: User) -> list[Case]:
    """The user's own submissions, newest first."""
    return list(
        session.exec(
            select(Case).where(Case.reporter_id == user.id).order_by(col(Case.received_at).desc())
        )
    )


def idempotency_key_problem(key: str) -> str | None:
    """Why a client-chosen idempotency key is unacceptable, or None."""
    if not 16 <= len(key) <= 128 or not key.isascii() or not key.isprintable():
        return "Use 16 to 128 printable ASCII characters (a random UUID is ideal)."
    return None


__all__ = ["InTheWild", "Intake", "Submission", "submit_report"]
