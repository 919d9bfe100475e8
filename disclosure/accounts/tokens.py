"""API bearer tokens: scoped, expiring, revocable, stored as SHA-256 only."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from disclosure.accounts.models import ApiToken, TokenScope, User
from disclosure.audit.service import Actor, record
from disclosure.errors import NotFound, ValidationError

TOKEN_PREFIX = "dsc_"  # noqa: S105  (a public marker that makes leaked tokens greppable)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(
    session: Session,
    actor: Actor,
    user: User,
    *,
    scopes: Iterable[str],
    lifetime: timedelta,
    now: datetime,
    name: str = "",
) -> tuple[str, ApiToken]:
    """A new token for the user; returns the raw token (shown once) and the stored row."""
    chosen = _parse_scopes(scopes)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id or 0,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=_hash(raw),
        scopes=" ".join(sorted(scope.value for scope in chosen)),
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "token.create",
        now=now,
        subject_type="token",
        subject_id=token.id,
        details={
            "user": user.email,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return raw, token


def _parse_scopes(scopes: Iterable[str]) -> set[TokenScope]:
    values = set(scopes)
    known = {scope.value for scope in TokenScope}
    if not values:
        raise ValidationError("Give at least one scope.", fields={"scopes": "Required."})
    if unknown := sorted(values - known):
        raise ValidationError(
            f"Unknown scope: {', '.join(unknown)}.",
            fields={"scopes": f"Choose from {', '.join(sorted(known))}."},
        )
    return {TokenScope(value) for value in values}


# Built once: every API request runs it, and building and keying it anew cost about a third
# of the lookup (benchmarks/request_overhead.py).
_BY_HASH = (
    select(ApiToken, User)
    .join(User, col(User.id) == ApiToken.user_id)
    .where(ApiToken.token_hash == sa.bindparam("token_hash"))
)


def load_token(session: Session, raw: str, *, now: datetime) -> tuple[ApiToken, User] | None:
    """The live token and its user for a raw bearer value, or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    found = session.exec(_BY_HASH, params={"token_hash": _hash(raw)}).first()
    if found is None:
        return None
    token, user = found
    if token.revoked_at or token.expires_at <= now or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
        token.last_used_at = now
        session.add(token)
    return token, user


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(
        session.exec(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(col(ApiToken.id).desc())
        ).all()
    )


def revoke_token(
    session: Session, actor: Actor, *, user_id: int, token_id: int, now: datetime
) -> None:
    """Revoke one of the user's tokens; NotFound if it is not theirs."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = now
        session.add(token)
        record(session, actor, "token.revoke", now=now, subject_type="token", subject_id=token.id)


def revoke_all_tokens(session: Session, actor: Actor, *, now: datetime) -> int:
    """Revoke every live token (incident response); returns how many."""
    count = (
        session.execute(
            sa.update(ApiToken).where(col(ApiToken.revoked_at).is_(None)).values(revoked_at=now)
        ).rowcount
        or 0
    )
    record(session, actor, "token.revoke_all", now=now, details={"tokens": count})
    return count


def revoke_user_tokens(session: Session, user_id: int, *, now: datetime) -> int:
    """Revoke every live token of one user; returns how many (the caller audits)."""
    return (
        session.execute(
            sa.update(ApiToken)
            .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
            .values(revoked_at=now)
        ).rowcount
        or 0
    )
