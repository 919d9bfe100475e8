"""Sealing a report: checks that need no database, then encryption to the program's keys.

Everything the researcher wrote is encrypted here, before the intake verb adds a row, so a
gpg failure stores nothing and never falls back to plaintext.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from disclosure.accounts.models import User
from disclosure.cases import envelope
from disclosure.cases.console import title_keys
from disclosure.cases.cwe import check_cwe
from disclosure.cases.models import BlobKind, Case, CaseBlob
from disclosure.cases.severity import score_vector
from disclosure.crypto import CryptoError, GpgUnavailable, KeyInfo, Keyring, NotEncryptedToKey
from disclosure.errors import BadRequest, PayloadTooLarge, ServiceUnavailable, ValidationError
from disclosure.programs.models import Program
from disclosure.reports.forms import EncryptedReportIn, ReportIn

if TYPE_CHECKING:
    from disclosure.reports.intake import Intake


def encrypt(
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
            check_public_key(keyring, report.researcher_public_key)
        document = envelope.report_document(
            report.model_dump(mode="json", exclude={"attachments"}),
            attachments=[(a.filename, len(a.content)) for a in report.attachments],
            cvss=cvss,
        )
        plaintexts = [(BlobKind.REPORT, document)]
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


def seal_title(
    session: Session,
    intake: Intake,
    case: Case,
    program: Program,
    report: ReportIn | EncryptedReportIn,
    fingerprints: list[str],
    now: datetime,
) -> None:
    """Seal the title to the program's title key, for the inbox (see cases.console.title_keys).

    Not for offline-only programs (the server could not open it) nor pre-encrypted reports
    (the server never sees their title). Sealing needs no secret: no gpg unlock at intake.
    """
    if program.is_offline_only or not isinstance(report, ReportIn):
        return
    try:
        key = title_keys.title_key_for(session, intake.keyring, program.id or 0, fingerprints, now)
    except CryptoError:
        raise ServiceUnavailable(
            "Encryption failed; nothing was stored. Please try again later."
        ) from None
    case.title_sealed = title_keys.seal_title(key, report.title)
    case.title_key_id = key.id


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


def check_public_key(keyring: Keyring, armored: str) -> KeyInfo:
    try:
        return keyring.import_public_key(armored)
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
