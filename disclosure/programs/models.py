"""Programs: a vendor's disclosure programme, its OpenPGP keys and its members."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import enum_field, timestamp_field, utcnow


class MemberRole(StrEnum):
    OWNER = "owner"
    TRIAGER = "triager"
    VIEWER = "viewer"


class Program(SQLModel, table=True):
    __tablename__ = "program"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    scope_text: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    contact_email: str = Field(default="", max_length=254)
    policy_name: str = Field(max_length=64)
    accepts_anonymous: bool = True
    is_open: bool = True
    is_offline_only: bool = False
    # Public advisory ids are <prefix>-<year>-<n>; "" means the slug in upper case.
    advisory_prefix: str = Field(default="", max_length=24)
    # The two-person rule: releasing an advisory needs a second member's approval.
    needs_second_approval: bool = False
    created_at: datetime = timestamp_field(default_factory=utcnow)

    @property
    def id_prefix(self) -> str:
        """The prefix of this program's advisory ids."""
        return self.advisory_prefix or self.slug.upper()


class ProgramKey(SQLModel, table=True):
    """A program's OpenPGP key. The server holds the private part unless the program is offline."""

    __tablename__ = "program_key"
    __table_args__ = (sa.UniqueConstraint("program_id", "fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("program.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    fingerprint: str = Field(max_length=64)
    public_key: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    has_secret_key: bool = True
    is_active: bool = True
    created_at: datetime = timestamp_field(default_factory=utcnow)
    retired_at: datetime | None = timestamp_field(nullable=True)


class ProgramMember(SQLModel, table=True):
    __tablename__ = "program_member"
    __table_args__ = (sa.UniqueConstraint("program_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("program.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    user_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    role: MemberRole = enum_field(MemberRole)
    created_at: datetime = timestamp_field(default_factory=utcnow)
