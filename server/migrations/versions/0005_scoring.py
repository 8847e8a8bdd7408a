"""scoring: the checked scoring sheet on each form version, results per submission version

Revision ID: 0005s
Revises: 0005p (poverty lines and ledger)
Create Date: 2026-11-24 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005s'
down_revision = '0005p'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scoring', sa.JSON(), nullable=True))

    op.create_table('score_result',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('submission_version_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('poverty_line', sa.Float(), nullable=True),
    sa.Column('poverty_line_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_score_result_area_id_area'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_version.id'], name=op.f('fk_score_result_form_version_id_form_version'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_score_result_submission_id_submission'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_version_id'], ['submission_version.id'], name=op.f('fk_score_result_submission_version_id_submission_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_score_result')),
    sa.UniqueConstraint('submission_version_id', name=op.f('uq_score_result_submission_version_id'))
    )
    with op.batch_alter_table('score_result', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_score_result_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_result_form_version_id'), ['form_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_result_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_score_result_year'), ['year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('score_result', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_score_result_year'))
        batch_op.drop_index(batch_op.f('ix_score_result_submission_id'))
        batch_op.drop_index(batch_op.f('ix_score_result_form_version_id'))
        batch_op.drop_index(batch_op.f('ix_score_result_area_id'))

    op.drop_table('score_result')
    with op.batch_alter_table('form_version', schema=None) as batch_op:
        batch_op.drop_column('scoring')
