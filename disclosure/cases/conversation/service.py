"""Messages between the vendor and the reporter, and the vendor's internal notes.

Both are encrypted to the program's active keys before they are stored (MESSAGE and NOTE
blobs); the server decrypts them for whoever may read them, each reading audited. A mail tells
the other side that there is a new message and links to the case; it never carries the text.
Offline-only programs have no messages: the server could not decrypt them for either side.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from disclosure.accounts.models import User
from disclosure.audit.service import Actor
from disclosure.cases.access import CaseAccess
from disclosure.cases.content import record_decryption
from disclosure.cases.lifecycle import Side
from disclosure.cases.models import BlobKind, CaseBlob, CaseEvent
from disclosure.cases.timeline import EventKind, details_of, events_of, log_event
from disclosure.crypto import CryptoError, Keyring
from disclosure.errors import Conflict, Forbidden, NotFound, ServiceUnavailable
from disclosure.inputs import trimmed
from disclosure.notify import service as notify
from disclosure.policy import CaseRole, can_see_internal_notes
from disclosure.programs.models import MemberRole
from disclosure.programs.service import active_keys

FORMAT = "disclosure-message/1"
WORKERS = 4
OFFLINE_ONLY = (
    "Messages are not available for this program: it is offline-only, so the server could not "
    "decrypt them for either side. Write to the program's contact address instead."
)


class MessageIn(BaseModel):
    """A message to the other side, or an internal note; encrypted before it is stored."""

    model_config = ConfigDict(extra="forbid")

    body: trimmed(50_000, min_length=1)


@dataclass(frozen=True)
class Entry:
    """One decrypted message or note, as its reader may see it."""

    id: int
    kind: BlobKind
    side: Side
    author: str
    at: datetime
    body: str


@dataclass(frozen=True)
class HistoryRow:
    """One timeline event, as its reader may see it (metadata only)."""

    at: datetime
    kind: str
    actor: str
    details: dict[str, Any]


def side_of(access: CaseAccess) -> Side:
    """Which side of the conversation the reader is on."""
    return Side.REPORTER if access.role is CaseRole.REPORTER else Side.VENDOR


def post_message(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    body: str,
    *,
    actor: Actor,
    now: datetime,
    base_url: str,
) -> CaseBlob:
    """Encrypt and store a message to the other side, and tell them by mail (without its text)."""
    side = side_of(access)
    blob = _store(session, keyring, access, BlobKind.MESSAGE, body, side, actor, now)
    details = {"blob": blob.id, "from": side.value}
    log_event(
        session,
        access.case,
        EventKind.MESSAGE,
        "case.message",
        actor=actor,
        now=now,
        details=details,
    )
    access.case.updated_at = now
    session.add(access.case)
    _notify(session, keyring, access, side, blob, base_url=base_url, now=now)
    return blob


def add_note(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    body: str,
    *,
    actor: Actor,
    now: datetime,
) -> CaseBlob:
    """Encrypt and store an internal note: the vendor's only, never shown to the reporter."""
    if not can_see_internal_notes(access.role):
        raise Forbidden("Internal notes are for the vendor's members.")
    blob = _store(session, keyring, access, BlobKind.NOTE, body, Side.VENDOR, actor, now)
    details = {"blob": blob.id}
    log_event(
        session,
        access.case,
        EventKind.NOTE,
        "case.note",
        actor=actor,
        now=now,
        details=details,
        internal=True,
    )
    return blob


def _store(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    kind: BlobKind,
    body: str,
    side: Side,
    actor: Actor,
    now: datetime,
) -> CaseBlob:
    if access.program.is_offline_only:
        raise Conflict(OFFLINE_ONLY)
    fingerprints = [key.fingerprint for key in active_keys(session, access.program)]
    if not fingerprints:
        raise ServiceUnavailable("This program has no active key; nothing was stored.")
    document = json.dumps({"format": FORMAT, "side": side.value, "body": body}, ensure_ascii=False)
    try:
        ciphertext = keyring.encrypt(document.encode(), fingerprints, armor=False)
    except CryptoError:
        raise ServiceUnavailable("Encryption failed; nothing was stored. Try again.") from None
    blob = CaseBlob(
        case_id=access.case.id or 0,
        kind=kind,
        ciphertext=ciphertext,
        sha256=hashlib.sha256(ciphertext).hexdigest(),
        recipients=" ".join(fingerprints),
        author_id=actor.user_id,
        created_at=now,
    )
    session.add(blob)
    session.flush()
    return blob


def _notify(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    side: Side,
    blob: CaseBlob,
    *,
    base_url: str,
    now: datetime,
) -> None:
    case_id = access.case.id
    if side is Side.VENDOR:
        reporter = notify.reporter(session, access.case.reporter_id)
        recipients = [reporter] if reporter else []  # anonymous reporters look on /track
    else:
        roles = (MemberRole.OWNER, MemberRole.TRIAGER)
        recipients = notify.program_members(session, access.program.id or 0, roles)
    for recipient in recipients:
        notify.enqueue(
            session,
            keyring,
            recipient,
            subject=f"New message on case #{case_id}",
            body=(
                f"There is a new message on case #{case_id}.\n\n"
                f"Read it and reply: {base_url.rstrip('/')}/cases/{case_id}\n"
            ),
            now=now,
            dedupe_key=f"message:{blob.id}:{recipient.email}",
        )


def read_thread(
    session: Session,
    keyring: Keyring,
    access: CaseAccess,
    *,
    kinds: Sequence[BlobKind] = (BlobKind.MESSAGE,),
    actor: Actor,
    now: datetime,
) -> list[Entry]:
    """The case's messages (or notes), decrypted in memory, oldest first; the reading is audited."""
    if BlobKind.NOTE in kinds and not can_see_internal_notes(access.role):
        raise NotFound("No such case.")
    if access.program.is_offline_only:
        return []
    blobs = list(
        session.exec(
            select(CaseBlob)
            .where(CaseBlob.case_id == access.case.id, col(CaseBlob.kind).in_(kinds))
            .order_by(col(CaseBlob.created_at), col(CaseBlob.id))
        )
    )
    if not blobs:
        return []
    documents = _decrypt_all(keyring, [blob.ciphertext for blob in blobs])
    record_decryption(
        session,
        access,
        "+".join(k.value for k in kinds),
        {"blobs": [b.id for b in blobs]},
        actor=actor,
        now=now,
    )
    emails = dict(
        session.exec(
            select(User.id, User.email).where(
                col(User.id).in_({b.author_id for b in blobs if b.author_id is not None})
            )
        ).all()
    )
    return [
        Entry(
            id=blob.id or 0,
            kind=blob.kind,
            side=Side(doc["side"]),
            author=_author(access, Side(doc["side"]), emails.get(blob.author_id)),
            at=blob.created_at,
            body=doc["body"],
        )
        for blob, doc in zip(blobs, documents, strict=True)
    ]


def _author(access: CaseAccess, side: Side, email: str | None) -> str:
    """Who wrote an entry, as the reader may know it: members' addresses stay vendor-side."""
    is_reporter = access.role is CaseRole.REPORTER
    if side is Side.REPORTER:
        return "you" if is_reporter else "the reporter"
    return access.program.name if is_reporter else (email or "a former member")


def _decrypt_all(keyring: Keyring, ciphertexts: list[bytes]) -> list[dict[str, str]]:
    def one(ciphertext: bytes) -> dict[str, str]:
        return json.loads(keyring.decrypt(ciphertext))

    try:
        if len(ciphertexts) == 1:
            return [one(ciphertexts[0])]
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(ciphertexts))) as pool:
            return list(pool.map(one, ciphertexts))
    except CryptoError:
        raise ServiceUnavailable("The messages cannot be decrypted right now.") from None


def history(session: Session, access: CaseAccess) -> list[HistoryRow]:
    """The case's timeline as the reader may see it: the reporter sees no internal events and
    no member's address."""
    is_reporter = access.role is CaseRole.REPORTER
    events = events_of(session, access.case.id or 0, include_internal=not is_reporter)
    return [
        HistoryRow(event.at, event.kind, _actor(event, access, is_reporter), details_of(event))
        for event in events
    ]


def _actor(event: CaseEvent, access: CaseAccess, is_reporter: bool) -> str:
    if not is_reporter:
        return event.actor
    if event.actor_id is None:  # the anonymous reporter, or the system (scheduler, CLI)
        return "you" if event.actor == "anonymous" else event.actor
    return "you" if event.actor_id == access.case.reporter_id else access.program.name
