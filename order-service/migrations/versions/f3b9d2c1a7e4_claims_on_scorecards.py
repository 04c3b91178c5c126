"""claims on risk compensation funds per order (loan-service's fund.claim_submitted), counted in the
figures for the scorecards' `claims`

Revision ID: f3b9d2c1a7e4
Revises: f3b8d2a6c1e4
Create Date: 2026-12-05 12:40:00

Every order starts with no claim. This is the newest revision that changes the figures: it counts every
order again (see b7c3e1f2a9d4).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

# revision identifiers, used by Alembic.
revision = 'f3b9d2c1a7e4'
down_revision = 'f3b8d2a6c1e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_count', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('order_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claims', sa.BigInteger(), server_default='0', nullable=False))
    from order_service.figures import rebuild
    rebuild(Session(bind=op.get_bind()))


def downgrade():
    with op.batch_alter_table('order_figures', schema=None) as batch_op:
        batch_op.drop_column('claims')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('claim_count')
