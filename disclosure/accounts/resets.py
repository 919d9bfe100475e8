"""Password resets an administrator forces: the old password stops working at once, and a
one-time link (mailed) lets the user choose a new one. Only the link token's SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts import passwords, sessions
from disclosure.accounts.models import PasswordReset, User
from disclosure.audit.service import Actor, record
from disclosure.errors import NotFound, ValidationError

RESET_LIFETIME = timedelta(days=3)
# Not an argon2 hash: verify_password refuses it, whatever is typed.
_NO_PASSWORD = "!reset-forced"  # noqa: S105  (a marker, not a password)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def force_reset(session: Session, user: User, *, now: datetime, reason: str) -> str:
    """Void the user's password and end their sessions; returns the raw token of the link
    (to mail; never stored). Earlier links of the user stop working."""
    user.password_hash = _NO_PASSWORD
    user.must_change_password = True
    user.password_changed_at = now
    session.add(user)
    sessions.revoke_user_sessions(session, user.id or 0, now=now, reason=reason[:120])
    session.execute(
        sa.update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            user_id=user.id or 0,
            token_hash=_hash(raw),
            created_at=now,
            expires_at=now + RESET_LIFETIME,
        )
    )
    session.flush()
    return raw


def pending_reset(session: Session, raw: str, *, now: datetime) -> tuple[PasswordReset, User]:
    """The live reset of a link and its user; NotFound when used, expired or unknown."""
    found = session.exec(
        select(PasswordReset, User)
        .join(User, col(User.id) == PasswordReset.user_id)
        .where(PasswordReset.token_hash == _hash(raw))
    ).first()
    if found is None or found[0].used_at is not None or found[0].expires_at <= now:
        raise NotFound("This reset link is used, expired or unknown. Ask an administrator.")
    return found


def complete_reset(
    session: Session, raw: str, *, new: str, confirm: str, now: datetime, ip_address: str = ""
) -> User:
    """Set the password chosen through a reset link; the link then stops working."""
    reset, user = pending_reset(session, raw, now=now)
    if new != confirm:
        raise ValidationError(
            "The passwords differ.", fields={"confirm_password": "Does not match."}
        )
    try:
        user.password_hash = passwords.hash_password(new)
    except ValidationError as exc:
        raise ValidationError(
            exc.message, fields={"new_password": exc.fields["password"]}
        ) from None
    user.password_changed_at = now
    user.must_change_password = False
    user.failed_login_count = 0
    user.locked_until = None
    reset.used_at = now
    session.add_all([user, reset])
    record(
        session,
        Actor(user.id, user.email, ip_address),
        "user.password_reset",
        now=now,
        subject_type="user",
        subject_id=user.id,
    )
    return user
