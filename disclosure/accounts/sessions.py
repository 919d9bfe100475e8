"""Server-side browser sessions: the cookie holds a random value, the database its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts.models import LoginSession, User
from disclosure.audit.service import Actor, record

# Write last_seen_at at most this often, so reading a page is not a database write each time.
_TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    lifetime: timedelta
    idle: timedelta


def session_id_for(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


def start_session(
    session: Session,
    user: User,
    *,
    limits: SessionLimits,
    now: datetime,
    ip_address: str = "",
    user_agent: str = "",
) -> tuple[str, LoginSession]:
    """A new session for the user; returns the cookie value (shown once) and the row."""
    cookie_value = secrets.token_urlsafe(32)
    row = LoginSession(
        id=session_id_for(cookie_value),
        user_id=user.id or 0,
        created_at=now,
        last_seen_at=now,
        expires_at=now + limits.lifetime,
        ip_address=ip_address[:45],
        user_agent=user_agent[:255],
    )
    session.add(row)
    record(
        session,
        Actor(user.id, user.email, ip_address),
        "session.login",
        now=now,
        subject_type="session",
        subject_id=row.id[:12],
    )
    return cookie_value, row


def load_session(
    session: Session, cookie_value: str, *, limits: SessionLimits, now: datetime
) -> tuple[LoginSession, User] | None:
    """The live session and its user for a cookie value, or None (expired, idle, revoked)."""
    found = session.exec(
        select(LoginSession, User)
        .join(User, col(User.id) == LoginSession.user_id)
        .where(LoginSession.id == session_id_for(cookie_value))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at or row.expires_at <= now or row.last_seen_at + limits.idle <= now:
        return None
    if not user.is_active:
        return None
    if now - row.last_seen_at >= _TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
    return row, user


def end_session(session: Session, row: LoginSession, user: User, *, now: datetime) -> None:
    """Sign out: the session is revoked server-side, so a copied cookie is useless."""
    row.revoked_at = now
    row.revoked_reason = "signed out"
    session.add(row)
    record(
        session,
        Actor(user.id, user.email),
        "session.logout",
        now=now,
        subject_type="session",
        subject_id=row.id[:12],
    )


def list_sessions(session: Session, user_id: int, *, now: datetime) -> list[LoginSession]:
    """The user's sessions that are still live, newest first."""
    return list(
        session.exec(
            select(LoginSession)
            .where(LoginSession.user_id == user_id, col(LoginSession.revoked_at).is_(None))
            .where(LoginSession.expires_at > now)
            .order_by(col(LoginSession.created_at).desc())
        ).all()
    )


def revoke_session(
    session: Session, actor: Actor, *, user_id: int, short_id: str, now: datetime
) -> bool:
    """Revoke one of the user's sessions by the id prefix shown to them; False if none matched."""
    if len(short_id) < 12:
        return False
    rows = [row for row in list_sessions(session, user_id, now=now) if row.id.startswith(short_id)]
    for row in rows:
        row.revoked_at = now
        row.revoked_reason = "revoked by user"
        session.add(row)
        record(
            session,
            actor,
            "session.revoke",
            now=now,
            subject_type="session",
            subject_id=row.id[:12],
        )
    return bool(rows)


def revoke_user_sessions(
    session: Session, user_id: int, *, now: datetime, reason: str, except_id: str | None = None
) -> int:
    """Revoke all live sessions of one user (but `except_id`); returns how many."""
    statement = (
        sa.update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if except_id:
        statement = statement.where(col(LoginSession.id) != except_id)
    return session.execute(statement).rowcount or 0


def revoke_all_sessions(session: Session, actor: Actor, *, now: datetime, reason: str) -> int:
    """Revoke every live session of every user (incident response); returns how many."""
    count = (
        session.execute(
            sa.update(LoginSession)
            .where(col(LoginSession.revoked_at).is_(None))
            .values(revoked_at=now, revoked_reason=reason[:120])
        ).rowcount
        or 0
    )
    record(
        session, actor, "session.revoke_all", now=now, details={"sessions": count, "reason": reason}
    )
    return count


def short_id(row: LoginSession) -> str:
    """The part of a session id shown to its owner (enough to revoke it, useless as a cookie)."""
    return row.id[:16]
