"""The disclosure policy versions that cases arrived under."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class PolicyVersion(SQLModel, table=True):
    """A policy exactly as it was when a case first followed it: cases keep their version."""

    __tablename__ = "policy_version"
    __table_args__ = (sa.UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    version: int
    document: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # canonical JSON
    first_seen_at: datetime = timestamp_field(default_factory=utcnow)
