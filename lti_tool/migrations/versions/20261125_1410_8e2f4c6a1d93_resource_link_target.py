"""resource link target

Revision ID: 8e2f4c6a1d93
Revises: 5c1e7a9d2b40
Create Date: 2026-11-25 14:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8e2f4c6a1d93"
down_revision = "5c1e7a9d2b40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resource_link") as batch_op:
        batch_op.add_column(sa.Column("target", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resource_link") as batch_op:
        batch_op.drop_column("target")
