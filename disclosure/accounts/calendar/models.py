"""A user's secret calendar feed address."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class CalendarFeed(SQLModel, table=True):
    """A user's secret iCalendar URL; only the token's SHA-256 is stored."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)
