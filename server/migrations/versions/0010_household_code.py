"""visits keep the household code they name, so a visit sent before its household was registered is linked
once it is

Revision ID: 0010h
Revises: 0009e (photo prints name their question)
"""
from alembic import op
import sqlalchemy as sa


revision = '0010h'
down_revision = '0009e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_code', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_submission_household_code'), ['household_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_household_code'))
        batch_op.drop_column('household_code')
