"""Add case_blob.received_sha256: the ciphertext hash as received, kept across key rotation.

Signed receipts name the hashes of the ciphertext as it arrived; re-encrypting a blob to a
new program key changes `sha256`, so the first hash is kept here (NULL: never re-encrypted).

Revision ID: 42a4727577de
Revises: aa1e604d126b
Create Date: 2026-11-29 18:04:39.172275
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "42a4727577de"
down_revision: str | None = "aa1e604d126b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_blob", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "received_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
            )
        )


def downgrade() -> None:
    # Receipts for re-encrypted blobs can no longer be matched after this: their hashes go.
    with op.batch_alter_table("case_blob", schema=None) as batch_op:
        batch_op.drop_column("received_sha256")
