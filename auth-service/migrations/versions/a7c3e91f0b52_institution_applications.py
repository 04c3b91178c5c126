"""institution applications (申请入驻): one open application per USCC

Revision ID: a7c3e91f0b52
Revises: d312d967bae7
Create Date: 2026-11-29 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
import xyd_common.db_types


# revision identifiers, used by Alembic.
revision = 'a7c3e91f0b52'
down_revision = 'd312d967bae7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('institution_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('contact_phone', sa.String(length=11), nullable=False),
    sa.Column('licence_no', sa.String(length=100), nullable=True),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_role', sa.String(length=20), nullable=True),
    sa.Column('decided_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', xyd_common.db_types.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('institution_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_applications_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_applications_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_applications_uscc'), ['uscc'], unique=False)
        batch_op.create_index('uq_institution_applications_open_uscc', ['uscc'], unique=True,
                              postgresql_where=sa.text("status = 'pending'"),
                              sqlite_where=sa.text("status = 'pending'"))


def downgrade():
    with op.batch_alter_table('institution_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_institution_applications_open_uscc', postgresql_where=sa.text("status = 'pending'"),
                            sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_institution_applications_uscc'))
        batch_op.drop_index(batch_op.f('ix_institution_applications_status'))
        batch_op.drop_index(batch_op.f('ix_institution_applications_region_code'))

    op.drop_table('institution_applications')
