"""Sealed titles: title_key and case_file.title_sealed, so a cold inbox page needs one unlock.

Existing cases keep NULL (their titles are still decrypted from the report, one gpg process
each); new submissions, and cases a key rotation re-encrypts, get a sealed title.

Revision ID: ffd0ab8c15db
Revises: c3e8a91f4d20
Create Date: 2026-12-03 10:19:14.294003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import disclosure.db

revision: str = 'ffd0ab8c15db'
down_revision: str | None = 'c3e8a91f4d20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('title_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('recipients', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('wrapped_secret', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', disclosure.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_title_key_program_id_program'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_title_key')),
    sa.UniqueConstraint('program_id', 'recipients', name=op.f('uq_title_key_program_id_recipients'))
    )
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('title_key_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_file_title_key_id_title_key'), 'title_key', ['title_key_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_check_constraint(
            op.f('ck_case_file_title_sealed_with_key'),
            '(title_sealed IS NULL) = (title_key_id IS NULL)',
        )


def downgrade() -> None:
    # Sealed titles go; every title is then decrypted from its report again.
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_case_file_title_sealed_with_key'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_case_file_title_key_id_title_key'), type_='foreignkey')
        batch_op.drop_column('title_key_id')
        batch_op.drop_column('title_sealed')

    op.drop_table('title_key')
