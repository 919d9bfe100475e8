"""Periodic account housekeeping."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from disclosure.accounts.models import LoginSession
from disclosure.db import unit_of_work

# Ended sessions stay listable (and auditable) for a while before they are purged.
KEEP_ENDED_SESSIONS = timedelta(days=30)


def purge_ended_sessions(engine: Engine, now: datetime) -> int:
    """Delete sessions that expired or were revoked more than 30 days ago; idempotent."""
    cutoff = now - KEEP_ENDED_SESSIONS
    with unit_of_work(engine) as session:
        result = session.execute(
            sa.delete(LoginSession).where(
                sa.or_(col(LoginSession.expires_at) < cutoff, col(LoginSession.revoked_at) < cutoff)
            )
        )
        return result.rowcount or 0
