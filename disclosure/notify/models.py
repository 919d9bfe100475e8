"""The mail outbox: written in the same transaction as what it reports, sent later."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class OutboxMessage(SQLModel, table=True):
    """One mail to send. The body is OpenPGP-encrypted when the recipient has a key."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_message_pending", "sent_at", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    is_encrypted: bool = False
    # Makes "send this once" a database fact (e.g. "timer:17:owner@acme.example").
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    attempts: int = 0
    next_attempt_at: datetime = timestamp_field(default_factory=utcnow)
    sent_at: datetime | None = timestamp_field(nullable=True)
    last_error: str = Field(default="", max_length=500)
