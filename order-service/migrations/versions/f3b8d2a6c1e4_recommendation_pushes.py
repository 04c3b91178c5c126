"""推荐清单: needs pushed to institutions; products' guarantee methods and orders lent on credit alone
(credit_loan_share); needs by region and posting time (needs_posted)

Revision ID: f3b8d2a6c1e4
Revises: e5a1c9d07b42
Create Date: 2026-12-05 12:40:00

Products copied before this revision have no guarantee methods until their next product.* event or
`flask --app order_service sync-reference-data`; orders disbursed before it count as not 信用贷款.
"""
from alembic import op
import sqlalchemy as sa

import xyd_common.db_types

# revision identifiers, used by Alembic.
revision = 'f3b8d2a6c1e4'
down_revision = 'e5a1c9d07b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('need_pushes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('need_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('institution_name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('pushed_by', sa.Integer(), nullable=True),
    sa.Column('pushed_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('overdue_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('answered_in_time', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('need_id', 'institution_id', name='uq_need_pushes_need_institution')
    )
    with op.batch_alter_table('need_pushes', schema=None) as batch_op:
        batch_op.create_index('ix_need_pushes_institution', ['institution_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_need_pushes_pending_due', ['due_on'], unique=False,
                              postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index('ix_need_pushes_region_pushed', ['region_code', 'pushed_at'], unique=False)
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index('ix_needs_region_created', ['region_code', 'created_at'], unique=False)
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guarantee_methods', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_only', sa.Boolean(), nullable=True))
    with op.batch_alter_table('order_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_disbursed_amount', xyd_common.db_types.ExactDecimal(20, 4),
                                      server_default='0', nullable=False))
    # Every order is counted again, now with the new column, by the newest revision that changes the
    # figures (f3b9d2c1a7e4 today; see b7c3e1f2a9d4).


def downgrade():
    with op.batch_alter_table('order_figures', schema=None) as batch_op:
        batch_op.drop_column('credit_disbursed_amount')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('credit_only')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('guarantee_methods')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index('ix_needs_region_created')
    with op.batch_alter_table('need_pushes', schema=None) as batch_op:
        batch_op.drop_index('ix_need_pushes_region_pushed')
        batch_op.drop_index('ix_need_pushes_pending_due', postgresql_where=sa.text("status = 'pending'"),
                            sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index('ix_need_pushes_institution')
    op.drop_table('need_pushes')
