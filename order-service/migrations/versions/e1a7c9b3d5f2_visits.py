"""走访 records (visits)

Revision ID: e1a7c9b3d5f2
Revises: c4e8a1d2f3b5
Create Date: 2026-12-05 09:50:00

"""
from alembic import op
import sqlalchemy as sa
import xyd_common.db_types


# revision identifiers, used by Alembic.
revision = 'e1a7c9b3d5f2'
down_revision = 'c4e8a1d2f3b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visits',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitors', sa.String(length=200), nullable=False),
    sa.Column('findings', sa.String(length=2000), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_region_visited', ['region_code', 'visited_on', 'id'], unique=False)
        batch_op.create_index('ix_visits_uscc', ['uscc'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_uscc')
        batch_op.drop_index('ix_visits_region_visited')
    op.drop_table('visits')
