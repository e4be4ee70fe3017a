"""lab checks against visible tests

Revision ID: 6d1f3a8c2e57
Revises: 9a4c2e7b1f08
Create Date: 2026-11-25 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6d1f3a8c2e57"
down_revision = "9a4c2e7b1f08"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lab_submission") as batch_op:
        batch_op.add_column(
            sa.Column("visible_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("lab_submission") as batch_op:
        batch_op.drop_column("visible_only")
