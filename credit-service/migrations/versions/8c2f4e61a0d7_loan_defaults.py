"""loan defaults: loans that became non-performing, with their loan_default credit record

Revision ID: 8c2f4e61a0d7
Revises: 436850dbd314
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa
import xyd_common.db_types


# revision identifiers, used by Alembic.
revision = '8c2f4e61a0d7'
down_revision = '436850dbd314'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loan_defaults',
    sa.Column('loan_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=40), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('source_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['credit_records.id'], ),
    sa.PrimaryKeyConstraint('loan_id')
    )
    with op.batch_alter_table('loan_defaults', schema=None) as batch_op:
        batch_op.create_index('ix_loan_defaults_enterprise', ['uscc', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('loan_defaults', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_defaults_enterprise')
    op.drop_table('loan_defaults')
