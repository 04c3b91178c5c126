"""returned for more documents (退回补正): the return's reason and items, and `returned` as an open status

Revision ID: c4e8a1d2f3b5
Revises: b7c3e1f2a9d4
Create Date: 2026-12-05 09:30:00

"""
from alembic import op
import sqlalchemy as sa
import xyd_common.db_types


# revision identifiers, used by Alembic.
revision = 'c4e8a1d2f3b5'
down_revision = 'b7c3e1f2a9d4'
branch_labels = None
depends_on = None

OPEN_BEFORE = "status IN ('submitted', 'accepted', 'credit_granted')"
# A returned order is still being handled: one open order per enterprise and product includes it.
OPEN_NOW = "status IN ('submitted', 'accepted', 'credit_granted', 'returned')"


def _recreate_open_index(where: str) -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('uq_orders_one_open_per_product')
        batch_op.create_index('uq_orders_one_open_per_product', ['enterprise_uscc', 'product_id'], unique=True,
                              postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('return_items', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('returned_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=True))
    _recreate_open_index(OPEN_NOW)


def downgrade():
    _recreate_open_index(OPEN_BEFORE)
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('returned_at')
        batch_op.drop_column('return_items')
        batch_op.drop_column('return_reason')
