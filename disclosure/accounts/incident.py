"""Incident response: one verb that ends every session, token and feed and forces new passwords."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from disclosure.accounts import service, sessions, tokens
from disclosure.accounts.calendar.models import CalendarFeed
from disclosure.audit.service import Actor, record


def lock_down(session: Session, actor: Actor, *, now: datetime, reason: str) -> dict[str, int]:
    """Revoke all sessions, tokens and calendar feed addresses; require new passwords."""
    outcome = {
        "sessions_revoked": sessions.revoke_all_sessions(session, actor, now=now, reason=reason),
        "tokens_revoked": tokens.revoke_all_tokens(session, actor, now=now),
        # A feed address is a credential too (it reveals case numbers and deadlines).
        "calendar_feeds_revoked": session.execute(sa.delete(CalendarFeed)).rowcount or 0,
        "password_resets_forced": service.force_password_resets(session, actor, now=now),
    }
    record(session, actor, "incident.lock_down", now=now, details={**outcome, "reason": reason})
    return outcome
