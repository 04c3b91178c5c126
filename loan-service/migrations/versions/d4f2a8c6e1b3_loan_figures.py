"""loan figures: /loans/stats pre-aggregated per disbursement day and month, kept with each loan change

Revision ID: d4f2a8c6e1b3
Revises: c1c96d1e4620
Create Date: 2026-12-05 12:45:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

import xyd_common.db_types

# revision identifiers, used by Alembic.
revision = 'd4f2a8c6e1b3'
down_revision = 'c1c96d1e4620'
branch_labels = None
depends_on = None

COUNTS = ('loans', 'first_loans', 'renewals', 'timed_loans', 'apply_days')
AMOUNTS = ('principal', 'first_loan_principal', 'outstanding', 'overdue_outstanding', 'npl_outstanding',
           'written_off')


def upgrade():
    op.create_table(
        'loan_figures',
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('region_code', sa.String(length=12), nullable=False),
        sa.Column('institution_id', sa.Integer(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTS),
        *(sa.Column(name, xyd_common.db_types.ExactDecimal(20, 4), nullable=False) for name in AMOUNTS),
        sa.Column('rate_principal', xyd_common.db_types.ExactDecimal(24, 6), nullable=False),
        sa.PrimaryKeyConstraint('grain', 'period', 'region_code', 'institution_id'),
    )
    # The loans opened before this revision, counted once (`rebuild` counts with the code's columns: a
    # later revision that adds counted columns recounts the table itself, as order-service's do).
    from loan_service.figures import rebuild
    rebuild(Session(bind=op.get_bind()))


def downgrade():
    op.drop_table('loan_figures')
