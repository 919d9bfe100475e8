"""A user's TOTP credential and their one-time recovery codes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import timestamp_field, utcnow


class TotpCredential(SQLModel, table=True):
    """The user's authenticator seed, sealed (never stored in plaintext).

    Pending until `confirmed_at`: enrolment is done once a first code proves the app has it.
    `last_timestep` is the 30-second step of the last code accepted: a code of that step or
    an earlier one is refused, so an observed code cannot be replayed within its window.
    """

    __tablename__ = "totp_credential"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    sealed_secret: str = Field(max_length=255)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    confirmed_at: datetime | None = timestamp_field(nullable=True)
    last_timestep: int = 0


class RecoveryCode(SQLModel, table=True):
    """One single-use recovery code; only its argon2id hash is stored."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    code_hash: str = Field(max_length=255)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    used_at: datetime | None = timestamp_field(nullable=True)
