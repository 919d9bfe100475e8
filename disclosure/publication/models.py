"""Advisories: a case's draft (ciphertext until published), its released revisions, and the
files the public feed serves.

Until publication everything the vendor wrote is OpenPGP ciphertext in `draft_ciphertext`,
like the report. A release copies the public document into `AdvisoryRevision.document` in
plaintext: from that moment it is public by design. The feed's files are rendered once per
change into `PublishedFile`; `FeedState.generation` changes with every release so that caches
of the aggregate documents (Atom, ROLIE, index.txt, all.zip) know when to rebuild.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from disclosure.db import enum_field, timestamp_field, utcnow


class AdvisoryState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"  # the reporter reads the draft, comments and approves
    SCHEDULED = "scheduled"  # released by the scheduler at `embargo_at`
    PUBLISHED = "published"
    REVISED = "revised"  # published, with more than one revision
    WITHDRAWN = "withdrawn"  # stays listed as withdrawn


RELEASED = frozenset({AdvisoryState.PUBLISHED, AdvisoryState.REVISED, AdvisoryState.WITHDRAWN})


class Advisory(SQLModel, table=True):
    __tablename__ = "advisory"
    __table_args__ = (
        sa.CheckConstraint(
            "state NOT IN ('published', 'revised', 'withdrawn') "
            "OR (public_id IS NOT NULL AND published_at IS NOT NULL)",
            name="released_has_id",
        ),
        sa.CheckConstraint("state != 'scheduled' OR embargo_at IS NOT NULL", name="scheduled_when"),
        sa.CheckConstraint(
            "state != 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_when"
        ),
        sa.Index("ix_advisory_state_embargo_at", "state", "embargo_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    program_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("program.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    state: AdvisoryState = enum_field(AdvisoryState, default=AdvisoryState.DRAFT, index=True)
    public_id: str | None = Field(default=None, max_length=64, unique=True)
    # The draft (AdvisoryIn as JSON) encrypted to the program's keys; None for an advisory
    # built at the deadline from metadata only.
    draft_ciphertext: bytes | None = Field(
        default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True)
    )
    draft_recipients: str = Field(default="", max_length=400)
    is_minimal: bool = False  # built from triage metadata: the vendor published no draft
    missed_deadline: bool = False  # released at the deadline without the vendor's fix
    credit_consent: bool = False  # the reporter agreed to the credit the draft gives them
    review_requested_at: datetime | None = timestamp_field(nullable=True)
    review_ends_at: datetime | None = timestamp_field(nullable=True)
    approved_at: datetime | None = timestamp_field(nullable=True)
    embargo_at: datetime | None = timestamp_field(nullable=True)
    embargo_zone: str = Field(default="UTC", max_length=64)  # as the vendor gave it
    release_requested_by_id: int | None = None  # two-person rule: who asked to publish
    release_requested_at: datetime | None = timestamp_field(nullable=True)
    published_at: datetime | None = timestamp_field(nullable=True)
    modified_at: datetime | None = timestamp_field(nullable=True)
    withdrawn_at: datetime | None = timestamp_field(nullable=True)
    withdrawn_reason: str = Field(default="", max_length=1000)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)
    version: int = 1  # optimistic concurrency for the editor


class AdvisoryRevision(SQLModel, table=True):
    """One released version: its public content as JSON and what changed."""

    __tablename__ = "advisory_revision"
    __table_args__ = (sa.UniqueConstraint("advisory_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    advisory_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("advisory.id", ondelete="CASCADE"), nullable=False)
    )
    number: int
    released_at: datetime = timestamp_field()
    summary: str = Field(max_length=500)
    document: str = Field(sa_column=sa.Column(sa.Text, nullable=False))  # public JSON


class PublishedFile(SQLModel, table=True):
    """A rendered public file of one advisory (OSV, CSAF and its hashes and signature, CVE)."""

    __tablename__ = "published_file"
    __table_args__ = (sa.Index("ix_published_file_kind_modified_at", "kind", "modified_at"),)

    id: int | None = Field(default=None, primary_key=True)
    advisory_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("advisory.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    path: str = Field(max_length=300, unique=True)  # as served, e.g. "csaf/2026/acme-1.json"
    kind: str = Field(max_length=16)  # osv, csaf, csaf-sha256, csaf-sha512, csaf-asc, cve
    media_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=sa.Column(sa.LargeBinary, nullable=False))
    etag: str = Field(max_length=64)
    modified_at: datetime = timestamp_field()
    # OSV files also keep their deflated bytes, so all.zip is assembled, never recompressed.
    deflated: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    crc32: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))


class AdvisoryListing(SQLModel, table=True):
    """A released advisory as the public list and search see it (public data only: written at
    release, never before, so no unpublished text can reach a public query)."""

    __tablename__ = "advisory_listing"

    advisory_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("advisory.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    public_id: str = Field(max_length=64, unique=True)
    program_id: int = Field(sa_column=sa.Column(sa.Integer, nullable=False, index=True))
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    products: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False))  # searchable
    cve_id: str | None = Field(default=None, max_length=32, index=True)
    severity: str | None = Field(default=None, max_length=16, index=True)
    score: float | None = None
    year: int = Field(index=True)
    published_at: datetime = timestamp_field(index=True)
    modified_at: datetime = timestamp_field(index=True)
    withdrawn: bool = False


class FeedState(SQLModel, table=True):
    """One row: how many times the public feed changed (caches of aggregates key on it)."""

    __tablename__ = "feed_state"

    id: int = Field(default=1, primary_key=True)
    generation: int = 0
    changed_at: datetime = timestamp_field(default_factory=utcnow)
