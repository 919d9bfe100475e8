"""The case: one vulnerability report's life, as metadata plus encrypted blobs.

Plaintext columns hold only metadata (program, state, timestamps, counts, timer inputs and
what the vendor sets at triage). Everything the researcher wrote lives in `CaseBlob` rows as
OpenPGP ciphertext; the title is also kept sealed on the case (`title_sealed`, a sealed box
to the program's `TitleKey`) so the inbox can show a page of titles without a gpg unlock each.
"""

from __future__ import annotations

from datetime import date, datetime
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


METRICS_COLUMNS = (
    "program_id",
    "received_at",
    "state",
    "cvss_rating",
    "reporter_id",
    "acknowledged_at",
    "triaged_at",
    "fixed_at",
    "disclosed_at",
    "disclose_by",
)


class Case(SQLModel, table=True):
    __tablename__ = "case_file"
    __table_args__ = (
        sa.CheckConstraint(
            "reporter_id IS NOT NULL OR tracking_code_hash IS NOT NULL", name="has_submitter"
        ),
        sa.Index("ix_case_file_program_id_state", "program_id", "state"),
        # Every metadata column the metrics read (disclosure/metrics/queries.py): their
        # queries scan this index for a program's date range and never touch the rows.
        sa.Index("ix_case_file_metrics", *METRICS_COLUMNS),
        # Returning reporters: one streaming pass grouped by reporter, no sort.
        sa.Index("ix_case_file_reporter_metrics", "reporter_id", "program_id", "received_at"),
        sa.CheckConstraint(
            "(title_sealed IS NULL) = (title_key_id IS NULL)", name="title_sealed_with_key"
        ),
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
    publish_at: datetime | None = timestamp_field(nullable=True)
    # The earliest deadline still to be met: the inbox's default sort, kept by the service.
    next_deadline_at: datetime | None = timestamp_field(nullable=True, index=True)
    acknowledged_at: datetime | None = timestamp_field(nullable=True)
    triaged_at: datetime | None = timestamp_field(nullable=True)
    fixed_at: datetime | None = timestamp_field(nullable=True)
    disclosed_at: datetime | None = timestamp_field(nullable=True)
    closed_at: datetime | None = timestamp_field(nullable=True)
    # What the vendor sets at triage: plaintext metadata, searchable and usable in feeds.
    assignee_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    cwe: str | None = Field(default=None, max_length=16)
    cvss_vector: str | None = Field(default=None, max_length=200)
    cvss_version: str | None = Field(default=None, max_length=4)
    cvss_score: float | None = None
    cvss_rating: str | None = Field(default=None, max_length=16, index=True)
    cve_id: str | None = Field(default=None, max_length=32, unique=True)
    duplicate_of_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    # The report's title sealed to `title_key_id` (see TitleKey); NULL for cases from before
    # sealed titles, pre-encrypted reports and offline-only programs.
    title_sealed: bytes | None = Field(
        default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True)
    )
    title_key_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("title_key.id", ondelete="RESTRICT"), nullable=True),
    )
    updated_at: datetime = timestamp_field(default_factory=utcnow)
    version: int = 1


class TitleKey(SQLModel, table=True):
    """A program's key for inbox titles: public half in clear, secret wrapped to its keys.

    `wrapped_secret` is an OpenPGP message to the program keys in `recipients`, so opening a
    title needs what opening the report needs; the unwrapped secret lives in memory only.
    One per program and set of active keys: a key rotation brings a new one.
    """

    __tablename__ = "title_key"
    __table_args__ = (sa.UniqueConstraint("program_id", "recipients"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("program.id", ondelete="RESTRICT"), nullable=False)
    )
    recipients: str = Field(max_length=400)  # space-separated program key fingerprints
    public_key: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    wrapped_secret: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    created_at: datetime = timestamp_field(default_factory=utcnow)


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
    # The ciphertext's hash as first received, kept when a key rotation re-encrypts the blob so
    # that signed receipts stay checkable; None while the blob was never re-encrypted.
    received_sha256: str | None = Field(default=None, max_length=64)
    recipients: str = Field(max_length=400)  # space-separated key fingerprints
    author_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = timestamp_field(default_factory=utcnow)


class CaseEvent(SQLModel, table=True):
    """One entry of a case's timeline. `details` is metadata only, never report text."""

    __tablename__ = "case_event"
    __table_args__ = (sa.Index("ix_case_event_case_id_at", "case_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False)
    )
    at: datetime = timestamp_field(default_factory=utcnow)
    kind: str = Field(max_length=40)  # an EventKind value; new kinds need no migration
    actor_id: int | None = None  # kept as a number: history outlives accounts
    actor: str = Field(default="", max_length=254)
    is_internal: bool = False  # vendor-side only, hidden from the researcher
    details: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))


class AffectedProduct(SQLModel, table=True):
    """A product (or package) and version range the case affects, shaped for OSV and CSAF."""

    __tablename__ = "affected_product"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    vendor: str = Field(max_length=200)
    product: str = Field(max_length=200, index=True)
    ecosystem: str = Field(default="", max_length=64)  # OSV ecosystem, e.g. "PyPI"
    package_name: str = Field(default="", max_length=200)
    purl: str = Field(default="", max_length=500)
    introduced: str = Field(default="0", max_length=100)  # "0": all versions before `fixed`
    fixed: str = Field(default="", max_length=100)
    last_affected: str = Field(default="", max_length=100)


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class ExtensionRequest(SQLModel, table=True):
    """A vendor's request for more time (an extension, or a grace with a patch date)."""

    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    is_grace: bool = False
    days: int
    reason: str = Field(max_length=1000)
    patch_date: date | None = None
    status: ExtensionStatus = enum_field(ExtensionStatus, default=ExtensionStatus.PENDING)
    requested_by_id: int | None = None
    requested_at: datetime = timestamp_field(default_factory=utcnow)
    decided_by_id: int | None = None
    decided_at: datetime | None = timestamp_field(nullable=True)
