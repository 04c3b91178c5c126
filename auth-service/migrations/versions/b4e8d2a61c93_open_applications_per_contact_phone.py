"""institution applications: one open application per USCC and contact phone, not per USCC

A stranger with an SMS code for their own phone could learn whether a USCC had applied (409); now any
phone may apply for a USCC and approving one application closes the others.

Revision ID: b4e8d2a61c93
Revises: a7c3e91f0b52
Create Date: 2026-12-05 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8d2a61c93'
down_revision = 'a7c3e91f0b52'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    with op.batch_alter_table('institution_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_institution_applications_open_uscc', postgresql_where=PENDING, sqlite_where=PENDING)
        batch_op.create_index('uq_institution_applications_open_uscc_phone', ['uscc', 'contact_phone'], unique=True,
                              postgresql_where=PENDING, sqlite_where=PENDING)


def downgrade():
    # Fails while a USCC has open applications from several phones: decide them first.
    with op.batch_alter_table('institution_applications', schema=None) as batch_op:
        batch_op.drop_index('uq_institution_applications_open_uscc_phone', postgresql_where=PENDING,
                            sqlite_where=PENDING)
        batch_op.create_index('uq_institution_applications_open_uscc', ['uscc'], unique=True,
                              postgresql_where=PENDING, sqlite_where=PENDING)
