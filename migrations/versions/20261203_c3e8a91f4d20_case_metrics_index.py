"""Covering indexes for the metrics: a program's cases by receipt with every metadata column
the metrics read, so their aggregates scan the index and never the wide rows; and the cases
by reporter, so returning reporters are counted in one pass without a sort.

Revision ID: c3e8a91f4d20
Revises: 7202aa5116fd
Create Date: 2026-12-03 10:35:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3e8a91f4d20"
down_revision: str | None = "7202aa5116fd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
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
]


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.create_index("ix_case_file_metrics", COLUMNS, unique=False)
        batch_op.create_index(
            "ix_case_file_reporter_metrics",
            ["reporter_id", "program_id", "received_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_index("ix_case_file_reporter_metrics")
        batch_op.drop_index("ix_case_file_metrics")
