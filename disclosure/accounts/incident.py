"""Incident response: one verb that ends every session and token and forces new passwords."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from disclosure.accounts import service, sessions, tokens
from disclosure.audit.service import Actor, record


def lock_down(session: Session, actor: Actor, *, now: datetime, reason: str) -> dict[str, int]:
    """Revoke all sessions and tokens and require a password change from everyone."""
    outcome = {
        "sessions_revoked": sessions.revoke_all_sessions(session, actor, now=now, reason=reason),
        "tokens_revoked": tokens.revoke_all_tokens(session, actor, now=now),
        "password_resets_forced": service.force_password_resets(session, actor, now=now),
    }
    record(session, actor, "incident.lock_down", now=now, details={**outcome, "reason": reason})
    return outcome
