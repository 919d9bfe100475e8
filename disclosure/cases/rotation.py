"""Key rotation: a program moves to a new key and its stored ciphertext follows, case by case.

A program key is *active* (new submissions are encrypted to it), *retiring* (not active, no
`retired_at`: replaced by a rotation still in progress; its secret still decrypts old blobs) or
*retired*. A rotation runs in three steps, each of which commits:

1. `start_rotation`: generate a key, make it the only active key and the old ones retiring.
2. `reencrypt_pending`: every case with a blob not encrypted to the new key is decrypted and
   re-encrypted in its own transaction (all its blobs together, or none).
3. `finish_rotation`: once no blob needs the old keys, they are retired.

A crash anywhere leaves a state the next run continues from: when retiring keys exist,
`start_rotation` resumes with the newest active key instead of generating another one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from disclosure.audit.service import Actor, record
from disclosure.cases.console import title_keys
from disclosure.cases.envelope import read_report_document
from disclosure.cases.models import BlobKind, Case, CaseBlob, TitleKey
from disclosure.crypto import CryptoError, Keyring
from disclosure.db import unit_of_work
from disclosure.errors import Conflict, NotFound, ServiceUnavailable, ValidationError
from disclosure.programs.models import Program, ProgramKey
from disclosure.programs.service import active_keys

_ARMOR = b"-----BEGIN PGP MESSAGE-----"


@dataclass(frozen=True)
class Rotation:
    """A rotation in progress: where the program's ciphertext moves to and from."""

    program_id: int
    slug: str
    new_fingerprint: str
    recipients: tuple[str, ...]  # what re-encrypted blobs are encrypted to (the active keys)
    old_fingerprints: tuple[str, ...]
    is_resumed: bool
    pending_cases: int


@dataclass(frozen=True)
class Retirement:
    retired: tuple[str, ...]
    secrets_deleted: tuple[str, ...]
    secrets_kept: tuple[str, ...]


def start_rotation(
    session: Session, keyring: Keyring, actor: Actor, slug: str, *, now: datetime
) -> Rotation:
    """Install a new active key, or pick up the rotation an earlier run left unfinished."""
    program = _locked_program(session, slug)
    if program.is_offline_only:
        raise Conflict(
            f"Program {slug!r} is offline-only: the server cannot decrypt its reports, so "
            "rotate offline: import the new public key with "
            f"`disclosure program rotate-key {slug} --import-key FILE` (new submissions only)."
        )
    retiring = _retiring_keys(session, program)
    active = sorted(active_keys(session, program), key=lambda k: (k.created_at, k.id or 0))
    if retiring and active:
        new, is_resumed = active[-1], True
    else:
        # A crash between key generation and the commit leaves an unused key in the GnuPG
        # home, never a second active key: the database only learns of it with the commit.
        new, is_resumed = _install_new_key(session, keyring, actor, program, active, now), False
        retiring += active
    fingerprint = new.fingerprint
    return Rotation(
        program_id=program.id or 0,
        slug=program.slug,
        new_fingerprint=fingerprint,
        recipients=tuple(k.fingerprint for k in active_keys(session, program)),
        old_fingerprints=tuple(k.fingerprint for k in retiring),
        is_resumed=is_resumed,
        pending_cases=len(pending_case_ids(session, program.id or 0, fingerprint)),
    )


def _install_new_key(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    program: Program,
    old: list[ProgramKey],
    now: datetime,
) -> ProgramKey:
    try:
        info = keyring.generate_key(
            program.name, program.contact_email or f"security@{program.slug}.invalid"
        )
    except CryptoError as exc:
        raise ServiceUnavailable(f"Generating the new key failed: {exc}") from None
    for key in old:
        key.is_active = False  # retiring: new submissions go to the new key only
        session.add(key)
    new = ProgramKey(
        program_id=program.id or 0,
        fingerprint=info.fingerprint,
        public_key=info.public_key,
        has_secret_key=True,
        created_at=now,
    )
    session.add(new)
    session.flush()
    record(
        session,
        actor,
        "program.key_rotate",
        now=now,
        subject_type="program",
        subject_id=program.id,
        details={"key": info.fingerprint, "replaces": [k.fingerprint for k in old]},
    )
    return new


def pending_case_ids(session: Session, program_id: int, fingerprint: str) -> list[int]:
    """The program's cases holding a blob that is not encrypted to `fingerprint`."""
    # A fingerprint is 40 hex digits: as a substring it can only match itself.
    query = (
        select(CaseBlob.case_id)
        .join(Case, col(Case.id) == col(CaseBlob.case_id))
        .where(Case.program_id == program_id, ~col(CaseBlob.recipients).contains(fingerprint))
        .distinct()
        .order_by(col(CaseBlob.case_id))
    )
    return list(session.exec(query))


def reencrypt_case(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    rotation: Rotation,
    case_id: int,
    *,
    now: datetime,
) -> int:
    """Re-encrypt the case's blobs that the new key cannot read; returns how many there were."""
    blobs = session.exec(
        select(CaseBlob)
        .where(CaseBlob.case_id == case_id)
        .order_by(col(CaseBlob.id))
        .with_for_update()
    ).all()
    todo = [blob for blob in blobs if rotation.new_fingerprint not in blob.recipients.split()]
    for blob in todo:
        ciphertext, plaintext = _reencrypted(keyring, blob, rotation.recipients)
        if blob.kind is BlobKind.REPORT:
            _reseal_title(session, keyring, rotation, case_id, plaintext, now)
        if blob.received_sha256 is None:
            blob.received_sha256 = blob.sha256  # what the signed receipt names
        blob.ciphertext = ciphertext
        blob.sha256 = hashlib.sha256(ciphertext).hexdigest()
        blob.recipients = " ".join(rotation.recipients)
        session.add(blob)
    if todo:
        record(
            session,
            actor,
            "case.reencrypt",
            now=now,
            subject_type="case",
            subject_id=case_id,
            details={"program": rotation.slug, "blobs": len(todo), "key": rotation.new_fingerprint},
        )
    return len(todo)


def _reseal_title(
    session: Session,
    keyring: Keyring,
    rotation: Rotation,
    case_id: int,
    report: bytes,
    now: datetime,
) -> None:
    """Seal the case's title to the title key of the new program keys (older cases too)."""
    case = session.get(Case, case_id)
    if case is None or case.is_pre_encrypted:
        return
    title = str(read_report_document(report).get("title") or "")
    try:
        key = title_keys.title_key_for(
            session, keyring, rotation.program_id, rotation.recipients, now
        )
    except CryptoError as exc:
        raise ServiceUnavailable(
            f"Case {case_id}: its title key cannot be made ({exc}); nothing of this case was "
            "changed. Fix the cause and run rotate-key again to resume."
        ) from None
    case.title_sealed, case.title_key_id = title_keys.seal_title(key, title), key.id
    session.add(case)


def _reencrypted(
    keyring: Keyring, blob: CaseBlob, recipients: tuple[str, ...]
) -> tuple[bytes, bytes]:
    """The blob's content encrypted to `recipients`, in the same (armored or binary) form,
    and the plaintext it holds (in memory only, for the title)."""
    try:
        plaintext = keyring.decrypt(blob.ciphertext)
        armor = blob.ciphertext.lstrip().startswith(_ARMOR)
        return keyring.encrypt(plaintext, list(recipients), armor=armor), plaintext
    except CryptoError as exc:
        raise ServiceUnavailable(
            f"Case {blob.case_id}: blob {blob.id} cannot be re-encrypted ({exc}); nothing of "
            "this case was changed. Fix the cause and run rotate-key again to resume."
        ) from None


def reencrypt_pending(
    engine: Engine,
    keyring: Keyring,
    actor: Actor,
    rotation: Rotation,
    *,
    clock: Callable[[], datetime],
) -> Iterator[int]:
    """Re-encrypt each pending case in its own transaction; yields each case id once committed."""
    done: set[int] = set()
    while True:  # again: a submission racing the key switch may have used the old key
        with unit_of_work(engine) as session:
            pending = pending_case_ids(session, rotation.program_id, rotation.new_fingerprint)
        pending = [case_id for case_id in pending if case_id not in done]
        if not pending:
            return
        for case_id in pending:
            with unit_of_work(engine) as session:
                reencrypt_case(session, keyring, actor, rotation, case_id, now=clock())
            done.add(case_id)
            yield case_id


def finish_rotation(
    session: Session,
    keyring: Keyring,
    actor: Actor,
    rotation: Rotation,
    *,
    now: datetime,
    delete_old_secret: bool,
) -> Retirement:
    """Retire the old keys once no blob needs them; delete their secrets only when asked."""
    program = _locked_program(session, rotation.slug)
    left = pending_case_ids(session, program.id or 0, rotation.new_fingerprint)
    if left:
        raise Conflict(
            f"{len(left)} case(s) still hold ciphertext only the old key reads; "
            f"run `disclosure program rotate-key {rotation.slug}` again to finish."
        )
    retiring = _retiring_keys(session, program)
    _drop_unused_title_keys(session, program.id or 0, rotation.recipients)
    deleted: list[str] = []
    kept: list[str] = []
    for key in retiring:
        key.retired_at = now
        if delete_old_secret and not _in_use_elsewhere(session, key):
            _delete_secret(keyring, key.fingerprint)
            key.has_secret_key = False
            deleted.append(key.fingerprint)
        elif key.has_secret_key:
            kept.append(key.fingerprint)
        session.add(key)
    record(
        session,
        actor,
        "program.key_retire",
        now=now,
        subject_type="program",
        subject_id=program.id,
        details={"retired": [k.fingerprint for k in retiring], "secret_deleted": deleted},
    )
    return Retirement(tuple(k.fingerprint for k in retiring), tuple(deleted), tuple(kept))


def _drop_unused_title_keys(session: Session, program_id: int, recipients: tuple[str, ...]) -> None:
    """Delete the program's title keys of older program keys that no sealed title uses."""
    used = select(Case.title_key_id).where(col(Case.title_key_id).is_not(None))
    stale = session.exec(
        select(TitleKey).where(
            TitleKey.program_id == program_id,
            TitleKey.recipients != " ".join(recipients),
            col(TitleKey.id).not_in(used),
        )
    ).all()
    for key in stale:
        session.delete(key)


def _delete_secret(keyring: Keyring, fingerprint: str) -> None:
    # Before the commit: if the commit then fails, the rerun finds the key retiring again, its
    # blobs all re-encrypted, and the secret already gone, which it tolerates.
    try:
        if keyring.has_secret_key(fingerprint):
            keyring.delete_secret_key(fingerprint)
    except CryptoError as exc:
        raise ServiceUnavailable(f"Deleting secret key {fingerprint} failed: {exc}") from None


def import_offline_key(
    session: Session, keyring: Keyring, actor: Actor, slug: str, armored: str, *, now: datetime
) -> ProgramKey:
    """Replace an offline-only program's key for new submissions (stored ones stay as they are)."""
    program = _locked_program(session, slug)
    if not program.is_offline_only:
        raise Conflict(
            f"Program {slug!r} keeps its key on the server: run "
            f"`disclosure program rotate-key {slug}` without --import-key."
        )
    try:
        info = keyring.import_public_key(armored)
    except CryptoError as exc:
        raise ValidationError("The public key is not usable.", fields={"key": str(exc)}) from None
    known = {key.fingerprint for key in session.exec(_keys_of(program))}
    if info.fingerprint in known:
        raise Conflict(f"Key {info.fingerprint} was already used by program {slug!r}.")
    old = active_keys(session, program)
    for key in old:  # the vendor keeps the old secret offline: nothing here needs it
        key.is_active = False
        key.retired_at = now
        session.add(key)
    new = ProgramKey(
        program_id=program.id or 0,
        fingerprint=info.fingerprint,
        public_key=info.public_key,
        has_secret_key=keyring.has_secret_key(info.fingerprint),
        created_at=now,
    )
    session.add(new)
    record(
        session,
        actor,
        "program.key_rotate",
        now=now,
        subject_type="program",
        subject_id=program.id,
        details={
            "key": info.fingerprint,
            "replaces": [k.fingerprint for k in old],
            "offline_only": True,
        },
    )
    return new


def _locked_program(session: Session, slug: str) -> Program:
    """The program, row-locked on PostgreSQL so two rotations of it cannot interleave."""
    program = session.exec(select(Program).where(Program.slug == slug).with_for_update()).first()
    if program is None:
        raise NotFound(f"No program {slug!r}.")
    return program


def _keys_of(program: Program) -> SelectOfScalar[ProgramKey]:
    return select(ProgramKey).where(ProgramKey.program_id == program.id)


def _retiring_keys(session: Session, program: Program) -> list[ProgramKey]:
    return [
        key
        for key in session.exec(_keys_of(program))
        if not key.is_active and key.retired_at is None
    ]


def _in_use_elsewhere(session: Session, key: ProgramKey) -> bool:
    """Whether another program still uses the same key (possible with imported keys)."""
    others = session.exec(
        select(ProgramKey).where(
            ProgramKey.fingerprint == key.fingerprint, ProgramKey.program_id != key.program_id
        )
    )
    return any(other.retired_at is None for other in others)
