"""A case's encrypted content (report, attachments), decrypted in memory only and audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from disclosure.audit.service import Actor, record
from disclosure.cases.access import CaseAccess
from disclosure.cases.envelope import Attachment, open_attachment_envelope, read_report_document
from disclosure.cases.models import BlobKind, Case, CaseBlob
from disclosure.crypto import CryptoError, GpgUnavailable, Keyring
from disclosure.errors import Conflict, NotFound, ServiceUnavailable
from disclosure.limits import is_row_id


def blobs_of(session: Session, case: Case, kind: BlobKind) -> list[CaseBlob]:
    return list(
        session.exec(
            select(CaseBlob)
            .where(CaseBlob.case_id == case.id, CaseBlob.kind == kind)
            .order_by(col(CaseBlob.id))
        )
    )


def _decrypt(keyring: Keyring, access: CaseAccess, blob: CaseBlob) -> bytes:
    if access.program.is_offline_only:
        raise Conflict(
            "This program is offline-only: download the ciphertext and decrypt it "
            "with the program's key on your own machine."
        )
    try:
        return keyring.decrypt(blob.ciphertext)
    except GpgUnavailable:
        raise ServiceUnavailable("Decryption is unavailable right now.") from None
    except CryptoError:
        raise ServiceUnavailable(
            "This content cannot be decrypted with the server's keys "
            "(was it encrypted to a retired key?)."
        ) from None


def read_report(
    session: Session, keyring: Keyring, access: CaseAccess, *, actor: Actor, now: datetime
) -> dict[str, Any]:
    """The decrypted report fields, in memory only; the decryption is audited."""
    blob = report_blob(session, access.case)
    return read_report_document(
        decrypt_audited(session, keyring, access, blob, actor=actor, now=now)
    )


class ReportMissing(Conflict):
    """A case row without its report: data from before submissions were atomic."""

    code = "report_missing"


def report_blob(session: Session, case: Case) -> CaseBlob:
    """The case's encrypted report; ReportMissing when the case has none."""
    found = blobs_of(session, case, BlobKind.REPORT)
    if not found:
        raise ReportMissing(
            f"Case #{case.id} has no stored report: its submission did not complete. "
            "Its metadata is kept; ask the reporter to submit the report again."
        )
    return found[0]


def read_attachment(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    blob_id: int,
    *,
    actor: Actor,
    now: datetime,
) -> Attachment:
    """One decrypted attachment; the download is audited."""
    blob = attachment_blob(session, access, blob_id)
    return open_attachment_envelope(
        decrypt_audited(session, keyring, access, blob, actor=actor, now=now)
    )


def decrypt_audited(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    blob: CaseBlob,
    *,
    actor: Actor,
    now: datetime,
) -> bytes:
    """Decrypt one blob in memory and record who read what, when, and in which role."""
    plaintext = _decrypt(keyring, access, blob)
    record_decryption(session, access, blob.kind.value, {"blob": blob.id}, actor=actor, now=now)
    return plaintext


def record_decryption(
    session: Session,
    access: CaseAccess,
    what: str,
    which: dict[str, Any],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """The audit event for a decryption: who read what of the case, when, in which role."""
    details = {"what": what, **which, "as": access.role.value}
    record(
        session,
        actor,
        "case.decrypt",
        now=now,
        subject_type="case",
        subject_id=access.case.id,
        details=details,
    )


def attachment_blob(session: Session, access: CaseAccess, blob_id: int) -> CaseBlob:
    blob = session.get(CaseBlob, blob_id) if is_row_id(blob_id) else None
    if blob is None or blob.case_id != access.case.id or blob.kind is not BlobKind.ATTACHMENT:
        raise NotFound("No such attachment.")
    return blob
