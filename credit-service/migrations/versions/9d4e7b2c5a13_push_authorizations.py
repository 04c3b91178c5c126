"""推荐清单: a financing need's consent covers the institutions it is pushed to until they answer

Revision ID: 9d4e7b2c5a13
Revises: 8c2f4e61a0d7
Create Date: 2026-12-05 13:00:00

"""
from alembic import op
import sqlalchemy as sa
import xyd_common.db_types


# revision identifiers, used by Alembic.
revision = '9d4e7b2c5a13'
down_revision = '8c2f4e61a0d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('push_authorizations',
    sa.Column('push_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('institution_name', sa.String(length=200), nullable=True),
    sa.Column('enterprise_uscc', sa.String(length=18), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('authorized_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('push_id')
    )
    with op.batch_alter_table('push_authorizations', schema=None) as batch_op:
        batch_op.create_index('ix_push_authorizations_institution', ['institution_id', 'enterprise_uscc'],
                              unique=False)
        batch_op.create_index('ix_push_authorizations_need', ['need_id'], unique=False)


def downgrade():
    with op.batch_alter_table('push_authorizations', schema=None) as batch_op:
        batch_op.drop_index('ix_push_authorizations_need')
        batch_op.drop_index('ix_push_authorizations_institution')
    op.drop_table('push_authorizations')
