"""Timers that fire at a case's deadlines and warning points."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class CaseTimer(SQLModel, table=True):
    """A moment something must happen for a case. Fired once: `fired_at` records it.

    (fired_at, due_at) is indexed so that a sweep reads only what is due, whatever the
    number of open cases; the unique constraint makes a timer impossible to schedule twice.
    """

    __tablename__ = "case_timer"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "deadline", "level", "due_at"),
        sa.Index("ix_case_timer_pending", "fired_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    deadline: str = Field(max_length=32)  # acknowledge_by, triage_by, disclose_by, publish_at
    level: str = Field(max_length=16)  # warn-50, warn-75, warn-90, due
    due_at: datetime = timestamp_field()
    fired_at: datetime | None = timestamp_field(nullable=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)
