"""failure detail: a read error's msgid and params, to show it in the reader's language

Revision ID: 5c1e0f3a9b27
Revises: d521f9ef036a
Create Date: 2026-11-30 05:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e0f3a9b27'
down_revision = 'd521f9ef036a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failure_detail', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('failure_detail')
