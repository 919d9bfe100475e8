"""Signed receipts: the platform key signs what it received (ciphertext hashes) and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from disclosure.cases.models import BlobKind, Case, CaseBlob
from disclosure.crypto import CryptoError, GpgUnavailable, Keyring
from disclosure.errors import BadRequest
from disclosure.reports.models import PlatformKey, Receipt

HEADER = "disclosure receipt v1"


def platform_key(session: Session, keyring: Keyring, *, base_url: str, now: datetime) -> str:
    """The fingerprint of the platform's signing key, generated on first use."""
    for row in session.exec(
        select(PlatformKey).where(PlatformKey.is_active).order_by(col(PlatformKey.id))
    ):
        if keyring.has_secret_key(row.fingerprint):
            return row.fingerprint
        row.is_active = False  # the secret is gone (a restored home?): stop using this key
        session.add(row)
    # Unprotected on purpose: this key only attests receipt and can decrypt nothing; a
    # passphrase unlock would double the cost of every submission (see benchmarks/).
    key = keyring.generate_key("disclosure receipts", _platform_email(base_url), protected=False)
    session.add(PlatformKey(fingerprint=key.fingerprint, public_key=key.public_key, created_at=now))
    session.flush()
    return key.fingerprint


def _platform_email(base_url: str) -> str:
    host = base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
    return f"receipts@{host if '.' in host else host + '.invalid'}"


def issue_receipt(
    session: Session,
    keyring: Keyring,
    case: Case,
    *,
    program_slug: str,
    blobs: list[CaseBlob],
    base_url: str,
    now: datetime,
) -> Receipt:
    """Sign a statement of the case's stored ciphertext hashes and receipt time."""
    lines = [
        HEADER,
        f"platform: {base_url}",
        f"program: {program_slug}",
        f"case: {case.id}",
        f"received_at: {case.received_at.isoformat()}",
    ]
    lines += [f"{blob.kind.value}_sha256: {blob.sha256}" for blob in blobs]
    statement = "\n".join(lines) + "\n"
    signer = _active_signer(session)
    try:
        if signer is None:
            raise CryptoError("no platform key yet")
        signed = keyring.sign_cleartext(statement, signer)
    except CryptoError:
        # Checked only on failure, so a submission does not pay for a key listing.
        signer = platform_key(session, keyring, base_url=base_url, now=now)
        signed = keyring.sign_cleartext(statement, signer)
    receipt = Receipt(
        case_id=case.id or 0, signer_fingerprint=signer, created_at=now, signed_statement=signed
    )
    session.add(receipt)
    return receipt


def _active_signer(session: Session) -> str | None:
    return session.exec(
        select(PlatformKey.fingerprint).where(PlatformKey.is_active).order_by(col(PlatformKey.id))
    ).first()


@dataclass(frozen=True)
class ReceiptCheck:
    signer: str
    case_id: int
    received_at: str
    hashes: dict[str, list[str]]
    matches_stored: bool | None  # None: the case is not in this database
    is_reencrypted: bool = False  # stored ciphertext was re-encrypted since (key rotation)


def verify_receipt(session: Session, keyring: Keyring, signed: str) -> ReceiptCheck:
    """Check the signature is by a platform key and compare the hashes with what is stored."""
    signed = signed.replace("\r\n", "\n")  # pasted from a browser's textarea
    try:
        signer = keyring.verify_cleartext(signed)
    except GpgUnavailable:
        raise  # an outage is a 503, not a verdict on the receipt
    except CryptoError:
        raise BadRequest("The receipt's signature is not valid.") from None
    known = session.exec(select(PlatformKey).where(PlatformKey.fingerprint == signer)).first()
    if known is None:
        raise BadRequest(f"The receipt is signed by {signer}, which is not this platform's key.")
    fields, hashes = _parse_statement(signed)
    case_id = int(fields["case"])
    stored = session.exec(
        select(CaseBlob).where(
            CaseBlob.case_id == case_id,
            col(CaseBlob.kind).in_([BlobKind.REPORT, BlobKind.ATTACHMENT]),
        )
    ).all()
    matches = None
    if stored:
        by_kind: dict[str, list[str]] = {}
        for blob in stored:
            # A key rotation re-encrypts blobs; the receipt names the ciphertext as received.
            by_kind.setdefault(blob.kind.value, []).append(blob.received_sha256 or blob.sha256)
        matches = all(sorted(by_kind.get(k, [])) == sorted(v) for k, v in hashes.items())
    reencrypted = any(b.received_sha256 not in (None, b.sha256) for b in stored)
    return ReceiptCheck(signer, case_id, fields["received_at"], hashes, matches, reencrypted)


def _parse_statement(signed: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    body = signed.split("\n\n", 1)[-1].split("-----BEGIN PGP SIGNATURE-----", 1)[0]
    lines = [line.strip() for line in body.strip().splitlines()]
    if not lines or lines[0] != HEADER:
        raise BadRequest("This is not a disclosure receipt.")
    fields: dict[str, str] = {}
    hashes: dict[str, list[str]] = {}
    for line in lines[1:]:
        key, _, value = line.partition(": ")
        if key.endswith("_sha256"):
            hashes.setdefault(key.removesuffix("_sha256"), []).append(value)
        else:
            fields[key] = value
    if "case" not in fields or "received_at" not in fields:
        raise BadRequest("The receipt lacks its case or time.")
    return fields, hashes
