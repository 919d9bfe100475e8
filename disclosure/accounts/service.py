"""Account verbs: create users, sign in with lockout, change and force-reset passwords."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from disclosure.accounts import passwords, sessions
from disclosure.accounts.models import User, UserRole
from disclosure.audit.service import Actor, record
from disclosure.errors import Conflict, TooManyAttempts, Unauthenticated, ValidationError


def normalise_email(email: str) -> str:
    """The canonical form of an address, or ValidationError naming the field."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValidationError(
            "The email address is not valid.", fields={"email": str(exc)}
        ) from None


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    password: str,
    role: UserRole,
    now: datetime,
    display_name: str = "",
) -> User:
    """A new active account with an argon2id password hash."""
    email = normalise_email(email)
    if find_user_by_email(session, email):
        raise Conflict("An account with this email exists.", fields={"email": "Already in use."})
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        role=role,
        display_name=display_name,
        password_changed_at=now,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        now=now,
        subject_type="user",
        subject_id=user.id,
        details={"email": email, "role": role.value},
    )
    return user


@dataclass(frozen=True)
class LoginLimits:
    max_failures: int
    lockout: timedelta


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    limits: LoginLimits,
    session_limits: sessions.SessionLimits,
    now: datetime,
    ip_address: str = "",
    user_agent: str = "",
) -> str:
    """Check the password and start a browser session; returns the cookie value.

    A failure is counted (and flushed) before it raises: the caller commits either way."""
    user = authenticate(
        session, email=email, password=password, limits=limits, now=now, ip_address=ip_address
    )
    cookie_value, _row = sessions.start_session(
        session, user, limits=session_limits, now=now, ip_address=ip_address, user_agent=user_agent
    )
    return cookie_value


def authenticate(
    session: Session,
    *,
    email: str,
    password: str,
    limits: LoginLimits,
    now: datetime,
    ip_address: str = "",
) -> User:
    """The user whose password this is; counts failures and locks the account after too many.

    Failures are flushed before raising, so the caller must commit even when this raises.
    """
    user = find_user_by_email(session, email)
    if user and user.locked_until and user.locked_until > now:
        passwords.verify_password(None, password)  # same cost as any other attempt
        refuse_if_locked(session, user, now=now, ip_address=ip_address)
    if not passwords.verify_password(user.password_hash if user else None, password):
        if user:
            _count_failure(session, user, limits, now, ip_address)
        raise Unauthenticated("Wrong email or password.")
    if not user or not user.is_active:
        raise Unauthenticated("Wrong email or password.")
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    session.add(user)
    return user


def refuse_if_locked(session: Session, user: User, *, now: datetime, ip_address: str) -> None:
    """TooManyAttempts (audited) while the account is locked after failed sign-ins."""
    if user.locked_until and user.locked_until > now:
        record(
            session,
            Actor(user.id, user.email, ip_address),
            "session.login_refused",
            now=now,
            subject_type="user",
            subject_id=user.id,
            details={"reason": "locked"},
        )
        raise TooManyAttempts(
            f"Too many failed sign-ins. Try again after {user.locked_until:%H:%M} UTC."
        )


def count_failure(
    session: Session, user: User, limits: LoginLimits, now: datetime, ip_address: str
) -> None:
    """Count one failed attempt (a wrong password or a wrong second factor); lock the account
    after too many in a row. Flushed, so the caller must commit even when it then raises."""
    _count_failure(session, user, limits, now, ip_address)


def _count_failure(
    session: Session, user: User, limits: LoginLimits, now: datetime, ip_address: str
) -> None:
    user.failed_login_count += 1
    details: dict[str, object] = {"failures": user.failed_login_count}
    if user.failed_login_count >= limits.max_failures:
        user.locked_until = now + limits.lockout
        user.failed_login_count = 0
        details["locked_until"] = user.locked_until.isoformat()
    session.add(user)
    record(
        session,
        Actor(user.id, user.email, ip_address),
        "session.login_failed",
        now=now,
        subject_type="user",
        subject_id=user.id,
        details=details,
    )
    session.flush()


def change_password(
    session: Session,
    user: User,
    *,
    current: str,
    new: str,
    keep_session_id: str | None,
    now: datetime,
    ip_address: str = "",
) -> None:
    """Replace the password after checking the current one; ends every other session."""
    if not passwords.verify_password(user.password_hash, current):
        raise ValidationError(
            "The current password is wrong.", fields={"current_password": "Wrong password."}
        )
    if new == current:
        raise ValidationError(
            "Choose a new password.", fields={"new_password": "Same as the current password."}
        )
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = now
    user.must_change_password = False
    session.add(user)
    ended = sessions.revoke_user_sessions(
        session, user.id or 0, now=now, reason="password changed", except_id=keep_session_id
    )
    record(
        session,
        Actor(user.id, user.email, ip_address),
        "user.password_change",
        now=now,
        subject_type="user",
        subject_id=user.id,
        details={"sessions_ended": ended},
    )


def force_password_resets(session: Session, actor: Actor, *, now: datetime) -> int:
    """Require every active user to choose a new password at their next sign-in."""
    users = session.exec(select(User).where(User.is_active)).all()
    for user in users:
        user.must_change_password = True
        session.add(user)
    record(session, actor, "user.force_password_reset_all", now=now, details={"users": len(users)})
    return len(users)
