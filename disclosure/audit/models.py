"""The audit log: append-only, each event chained to the previous one by SHA-256."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class AuditEvent(SQLModel, table=True):
    """One recorded action. `prev_hash` is unique, so the chain can never fork."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor: str = Field(default="", max_length=254)
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(default="", max_length=32)
    subject_id: str = Field(default="", max_length=64)
    ip_address: str = Field(default="", max_length=45)
    details: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)
