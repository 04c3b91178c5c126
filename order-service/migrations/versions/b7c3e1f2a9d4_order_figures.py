"""order figures: statistics and scorecards pre-aggregated per day and month, kept with each order change

Revision ID: b7c3e1f2a9d4
Revises: aa59bd4f586d
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa

import xyd_common.db_types

# revision identifiers, used by Alembic.
revision = 'b7c3e1f2a9d4'
down_revision = 'aa59bd4f586d'
branch_labels = None
depends_on = None

COUNTS = ('orders', 'accepted', 'accepted_in_time', 'overdue', 'accept_seconds', 'urged', 'from_needs',
          *(f'accepted_within_{h}h' for h in (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336)),
          'accepted_after_336h')
AMOUNTS = ('amount', 'granted_amount', 'disbursed_amount')


def upgrade():
    op.create_table(
        'order_figures',
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTS),
        *(sa.Column(name, xyd_common.db_types.ExactDecimal(20, 4), nullable=False) for name in AMOUNTS),
        sa.PrimaryKeyConstraint('grain', 'period', 'region_code', 'institution_id', 'status'),
    )
    # The orders made before this revision are counted by the newest revision that changes the figures
    # (f3b9d2c1a7e4 today): `rebuild` counts with the code's columns, which exist only from there on.


def downgrade():
    op.drop_table('order_figures')
