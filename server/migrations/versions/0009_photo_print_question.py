"""photo prints name the question the photo answers (for the gallery's question filter)

Revision ID: 0009e
Revises: 0008r (review states and evidence tables)
"""
from alembic import op
import sqlalchemy as sa


revision = '0009e'
down_revision = '0008r'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photo_print', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('photo_print', schema=None) as batch_op:
        batch_op.drop_column('question')
