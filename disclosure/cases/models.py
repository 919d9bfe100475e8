"""The case: one vulnerability report's life, as metadata plus encrypted blobs.

Plaintext columns hold only metadata (program, state, timestamps, counts, timer inputs and
what the vendor sets at triage). Everything the researcher wrote lives in `CaseBlob` rows as
OpenPGP ciphertext.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import enum_field, timestamp_field, utcnow


class CaseState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    NEEDS_INFO = "needs_info"
    FIXED = "fixed"
    DISCLOSED = "disclosed"
    DUPLICATE = "duplicate"
    INFORMATIVE = "informative"
    NOT_APPLICABLE = "not_applicable"
    SPAM = "spam"
    WITHDRAWN = "withdrawn"


class InTheWild(StrEnum):
    """The researcher's answer; plaintext because the disclosure clock depends on it."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class BlobKind(StrEnum):
    REPORT = "report"
    ATTACHMENT = "attachment"
    MESSAGE = "message"
    NOTE = "note"


class Case(SQLModel, table=True):
    __tablename__ = "case_file"
    __table_args__ = (
        sa.CheckConstraint(
            "reporter_id IS NOT NULL OR tracking_code_hash IS NOT NULL", name="has_submitter"
        ),
        sa.Index("ix_case_file_program_id_state", "program_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("program.id", ondelete="RESTRICT"), nullable=False)
    )
    state: CaseState = enum_field(CaseState, default=CaseState.NEW)
    reporter_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    tracking_code_hash: str | None = Field(default=None, max_length=64, unique=True)
    idempotency_key: str | None = Field(default=None, max_length=128, unique=True)
    policy_name: str = Field(max_length=64)
    policy_version: int = 1
    exploited_in_the_wild: InTheWild = enum_field(InTheWild, default=InTheWild.UNKNOWN)
    is_pre_encrypted: bool = False
    attachment_count: int = 0
    received_at: datetime = timestamp_field(default_factory=utcnow)
    acknowledge_by: datetime | None = timestamp_field(nullable=True, index=True)
    triage_by: datetime | None = timestamp_field(nullable=True)
    disclose_by: datetime | None = timestamp_field(nullable=True, index=True)
    updated_at: datetime = timestamp_field(default_factory=utcnow)
    version: int = 1


class CaseBlob(SQLModel, table=True):
    """One piece of encrypted content: the report, an attachment, a message or a note."""

    __tablename__ = "case_blob"
    __table_args__ = (sa.Index("ix_case_blob_case_id_kind", "case_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False)
    )
    kind: BlobKind = enum_field(BlobKind)
    ciphertext: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    recipients: str = Field(max_length=400)  # space-separated key fingerprints
    author_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = timestamp_field(default_factory=utcnow)
