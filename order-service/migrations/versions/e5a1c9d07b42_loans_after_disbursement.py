"""loans after disbursement: repayment method, renewal and whitelist state at disbursement; the loan's
status and balance from loan-service; products' repayment methods; loan figures for the scorecards

Revision ID: e5a1c9d07b42
Revises: e1a7c9b3d5f2
Create Date: 2026-12-05 09:40:00

Products copied before this revision have no repayment methods until their next product.* event or
`flask --app order_service sync-reference-data` (a disbursement meanwhile may name any method).
"""
from alembic import op
import sqlalchemy as sa

import xyd_common.db_types

# revision identifiers, used by Alembic.
revision = 'e5a1c9d07b42'
down_revision = 'e1a7c9b3d5f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repayment_method', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('renewal', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('disbursed_whitelisted', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('loan_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('loan_outstanding', xyd_common.db_types.ExactDecimal(14, 4), nullable=True))
        batch_op.add_column(sa.Column('loan_source_at', xyd_common.db_types.UtcDateTime(timezone=True),
                                      nullable=True))
    # Orders disbursed before this revision: no renewal, and the whitelist state as last known (the
    # nearest to the one at disbursement there is); their repayment method stays unknown (NULL).
    op.execute("UPDATE orders SET renewal = false, disbursed_whitelisted = whitelisted WHERE status = 'disbursed'")
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repayment_methods', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('order_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('loan_outstanding', xyd_common.db_types.ExactDecimal(20, 4),
                                      server_default='0', nullable=False))
        batch_op.add_column(sa.Column('npl_outstanding', xyd_common.db_types.ExactDecimal(20, 4),
                                      server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rate_principal', xyd_common.db_types.ExactDecimal(24, 6),
                                      server_default='0', nullable=False))
    # Every order is counted again, now with the average rate's numerator, by the newest revision that
    # changes the figures (f3b9d2c1a7e4 today; see b7c3e1f2a9d4).


def downgrade():
    with op.batch_alter_table('order_figures', schema=None) as batch_op:
        batch_op.drop_column('rate_principal')
        batch_op.drop_column('npl_outstanding')
        batch_op.drop_column('loan_outstanding')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('repayment_methods')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('loan_source_at')
        batch_op.drop_column('loan_outstanding')
        batch_op.drop_column('loan_status')
        batch_op.drop_column('disbursed_whitelisted')
        batch_op.drop_column('renewal')
        batch_op.drop_column('repayment_method')
