"""Multi-party coordination and CVE ids: participants, their VEX statements, reserved ids."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import enum_field, timestamp_field, utcnow


class Participant(SQLModel, table=True):
    """Another vendor's program or an outside coordinator invited to a case."""

    __tablename__ = "case_participant"
    __table_args__ = (
        sa.CheckConstraint(
            "program_id IS NOT NULL OR user_id IS NOT NULL", name="program_or_coordinator"
        ),
        sa.UniqueConstraint("case_id", "program_id"),
        sa.UniqueConstraint("case_id", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    program_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("program.id", ondelete="CASCADE"), nullable=True),
    )
    user_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True),
    )
    shares_report: bool = False
    shares_messages: bool = False
    invited_by_id: int | None = None
    invited_at: datetime = timestamp_field(default_factory=utcnow)


class VexStatus(StrEnum):
    KNOWN_AFFECTED = "known_affected"
    KNOWN_NOT_AFFECTED = "known_not_affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


class VexStatement(SQLModel, table=True):
    """One party's status for one product (participant None: the owning program)."""

    __tablename__ = "vex_statement"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "participant_id", "product"),
        sa.CheckConstraint(
            "status != 'known_not_affected' OR justification IS NOT NULL",
            name="not_affected_is_justified",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    participant_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("case_participant.id", ondelete="CASCADE"), nullable=True
        ),
    )
    product: str = Field(max_length=200)
    status: VexStatus = enum_field(VexStatus)
    justification: str | None = Field(default=None, max_length=64)
    statement: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))
    updated_by_id: int | None = None
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class CveId(SQLModel, table=True):
    """A CVE id reserved by this CNA (imported) or entered by hand; assigned at most once."""

    __tablename__ = "cve_id"

    id: str = Field(primary_key=True, max_length=32)  # "CVE-2026-12345"
    year: int = Field(index=True)
    number: int
    is_manual: bool = False
    reserved_at: datetime = timestamp_field(default_factory=utcnow)
    case_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="SET NULL"), nullable=True, unique=True
        ),
    )
    assigned_at: datetime | None = timestamp_field(nullable=True)
    assigned_by_id: int | None = None
