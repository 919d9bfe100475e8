"""Signed receipts and the platform's signing key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class PlatformKey(SQLModel, table=True):
    """The platform's own OpenPGP key (signs receipts); its secret part stays in the GnuPG home."""

    __tablename__ = "platform_key"

    id: int | None = Field(default=None, primary_key=True)
    fingerprint: str = Field(max_length=64, unique=True)
    public_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    is_active: bool = True
    created_at: datetime = timestamp_field(default_factory=utcnow)


class Receipt(SQLModel, table=True):
    """What the platform received and when, as a cleartext-signed statement."""

    __tablename__ = "receipt"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    signed_statement: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    signer_fingerprint: str = Field(max_length=64)
    created_at: datetime = timestamp_field(default_factory=utcnow)
