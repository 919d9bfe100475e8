"""Two-factor verbs: enrol, sign in with a code, use a recovery code, disable.

A TOTP code is accepted for its own 30-second step and one step either side (clock drift),
and only for a step later than the last one accepted, so a code seen over a shoulder or in a
proxy log cannot be used again. Recovery codes are single use and stored as argon2id hashes.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts import passwords, service, sessions
from disclosure.accounts.models import User
from disclosure.accounts.twofactor.models import RecoveryCode, TotpCredential
from disclosure.audit.service import Actor, record
from disclosure.crypto.secretbox import SecretBox
from disclosure.errors import Conflict, Unauthenticated, ValidationError

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 12  # about 59 bits each
_TOTP_CODE = re.compile(r"^[0-9]{6}$")
WRONG_CODE = "The code is wrong or has already been used."


def _context(user_id: int) -> bytes:
    return f"totp-seed user {user_id}".encode()


def credential(
    session: Session, user_id: int, *, for_update: bool = False
) -> TotpCredential | None:
    """The user's TOTP credential, pending or confirmed."""
    statement = select(TotpCredential).where(TotpCredential.user_id == user_id)
    if for_update:
        statement = statement.with_for_update()
    return session.exec(statement).first()


def is_enrolled(session: Session, user_id: int) -> bool:
    """Whether the user signs in with a second factor."""
    found = credential(session, user_id)
    return found is not None and found.confirmed_at is not None


def remaining_recovery_codes(session: Session, user_id: int) -> int:
    return len(_unused_codes(session, user_id))


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the seed as text and as an otpauth:// address."""

    secret: str
    uri: str


def start_enrolment(
    session: Session, user: User, box: SecretBox, *, issuer: str, now: datetime
) -> Enrolment:
    """The pending seed of the user (a new one on first visit); Conflict once enrolled."""
    found = credential(session, user.id or 0)
    if found is not None and found.confirmed_at is not None:
        raise Conflict("Two-factor sign-in is already on for this account.")
    if found is None:
        secret = pyotp.random_base32()
        found = TotpCredential(
            user_id=user.id or 0,
            sealed_secret=box.seal(secret.encode(), context=_context(user.id or 0)),
            created_at=now,
        )
        session.add(found)
        session.flush()
    else:
        secret = _secret(box, found)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    return Enrolment(secret=secret, uri=uri)


def confirm_enrolment(
    session: Session, actor: Actor, user: User, box: SecretBox, *, code: str, now: datetime
) -> list[str]:
    """Turn two-factor on once a first code proves the app has the seed; returns the ten
    recovery codes, shown this once."""
    found = credential(session, user.id or 0, for_update=True)
    if found is None:
        raise Conflict("Start the set-up again: open the two-factor page to get a new key.")
    if found.confirmed_at is not None:
        raise Conflict("Two-factor sign-in is already on for this account.")
    if not _accept_totp(box, found, code, now):
        raise ValidationError(WRONG_CODE, fields={"code": "Enter the 6 digits your app shows now."})
    found.confirmed_at = now
    session.add(found)
    codes = _new_recovery_codes(session, user.id or 0, now)
    record(session, actor, "two_factor.enrol", now=now, subject_type="user", subject_id=user.id)
    return codes


@dataclass(frozen=True)
class FirstStep:
    """A correct password: a session cookie, or (`cookie_value` None) a code is needed."""

    user: User
    cookie_value: str | None


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    limits: service.LoginLimits,
    session_limits: sessions.SessionLimits,
    now: datetime,
    ip_address: str = "",
    user_agent: str = "",
) -> FirstStep:
    """Check the password; start the session unless the account also needs a code."""
    user = service.authenticate(
        session, email=email, password=password, limits=limits, now=now, ip_address=ip_address
    )
    if is_enrolled(session, user.id or 0):
        return FirstStep(user, None)
    cookie_value, _row = sessions.start_session(
        session, user, limits=session_limits, now=now, ip_address=ip_address, user_agent=user_agent
    )
    return FirstStep(user, cookie_value)


def sign_in_with_code(
    session: Session,
    box: SecretBox,
    *,
    user_id: int,
    code: str,
    limits: service.LoginLimits,
    session_limits: sessions.SessionLimits,
    now: datetime,
    ip_address: str = "",
    user_agent: str = "",
) -> str:
    """The second step: a TOTP or recovery code for the user whose password was right.
    Returns the session cookie. A wrong code counts against the account like a wrong
    password (flushed before raising: the caller commits either way)."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("Sign in again.")
    service.refuse_if_locked(session, user, now=now, ip_address=ip_address)
    actor = Actor(user.id, user.email, ip_address)
    if not check_code(session, actor, user, box, code=code, now=now):
        service.count_failure(session, user, limits, now, ip_address)
        raise Unauthenticated(WRONG_CODE, fields={"code": "Wrong or already used."})
    cookie_value, _row = sessions.start_session(
        session, user, limits=session_limits, now=now, ip_address=ip_address, user_agent=user_agent
    )
    return cookie_value


def check_code(
    session: Session, actor: Actor, user: User, box: SecretBox, *, code: str, now: datetime
) -> bool:
    """Whether `code` is a fresh TOTP code or an unused recovery code of the user (used up
    either way); recovery-code use is audited."""
    found = credential(session, user.id or 0, for_update=True)
    if found is None or found.confirmed_at is None:
        return False
    compact = re.sub(r"[\s-]", "", code).lower()
    if _TOTP_CODE.match(compact):
        return _accept_totp(box, found, compact, now)
    for row in _unused_codes(session, user.id or 0):
        if passwords.verify_password(row.code_hash, compact):
            row.used_at = now
            session.add(row)
            session.flush()
            record(
                session,
                actor,
                "two_factor.recovery_code_used",
                now=now,
                subject_type="user",
                subject_id=user.id,
                details={"remaining": remaining_recovery_codes(session, user.id or 0)},
            )
            return True
    return False


def disable(
    session: Session, actor: Actor, user: User, box: SecretBox, *, code: str, now: datetime
) -> None:
    """Turn two-factor off after a current code (or a recovery code) proves who asks."""
    if not is_enrolled(session, user.id or 0):
        raise Conflict("Two-factor sign-in is not on for this account.")
    if not check_code(session, actor, user, box, code=code, now=now):
        raise ValidationError(WRONG_CODE, fields={"code": "Wrong or already used."})
    remove(session, actor, user.id or 0, now=now, reason="disabled by the user")


def remove(session: Session, actor: Actor, user_id: int, *, now: datetime, reason: str) -> None:
    """Delete the user's seed and recovery codes (audited)."""
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    session.execute(sa.delete(TotpCredential).where(col(TotpCredential.user_id) == user_id))
    record(
        session,
        actor,
        "two_factor.disable",
        now=now,
        subject_type="user",
        subject_id=user_id,
        details={"reason": reason},
    )


def _secret(box: SecretBox, found: TotpCredential) -> str:
    return box.open(found.sealed_secret, context=_context(found.user_id)).decode()


def _accept_totp(box: SecretBox, found: TotpCredential, code: str, now: datetime) -> bool:
    """Whether `code` is the code of a step near `now` later than the last one accepted;
    that step becomes the last accepted one."""
    code = re.sub(r"\s", "", code)
    if not _TOTP_CODE.match(code):
        return False
    totp = pyotp.TOTP(_secret(box, found))
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and step > found.last_timestep:
            found.last_timestep = step
            return True
    return False


def _unused_codes(session: Session, user_id: int) -> list[RecoveryCode]:
    return list(
        session.exec(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user_id, col(RecoveryCode.used_at).is_(None)
            )
        ).all()
    )


def _new_recovery_codes(session: Session, user_id: int, now: datetime) -> list[str]:
    session.execute(sa.delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        session.add(
            RecoveryCode(user_id=user_id, code_hash=passwords.hash_secret(code), created_at=now)
        )
    session.flush()
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]
