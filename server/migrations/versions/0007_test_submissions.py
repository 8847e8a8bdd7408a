"""test submissions: what survey designers send while previewing a draft in the browser (ODK Web Forms)

Revision ID: 0007w
Revises: 0006j (jobs)
Create Date: 2026-11-23 05:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007w'
down_revision = '0006j'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('test_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=255), nullable=False),
    sa.Column('xml_sha256', sa.String(length=64), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('submitter_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_version.id'], name=op.f('fk_test_submission_form_version_id_form_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitter_id'], ['user_account.id'], name=op.f('fk_test_submission_submitter_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_submission')),
    sa.UniqueConstraint('form_version_id', 'instance_id', name='uq_test_submission_form_version_id_instance_id')
    )
    with op.batch_alter_table('test_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_submission_form_version_id'), ['form_version_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('test_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_submission_form_version_id'))
    op.drop_table('test_submission')
