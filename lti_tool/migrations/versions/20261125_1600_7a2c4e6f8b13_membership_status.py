"""membership.status (Active, Inactive, Deleted) from roster sync

Revision ID: 7a2c4e6f8b13
Revises: e5a9c7d3b8f1
Create Date: 2026-11-25 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7a2c4e6f8b13"
down_revision = "e5a9c7d3b8f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every membership so far came from a launch: the member was active then.
    with op.batch_alter_table("membership") as batch_op:
        batch_op.add_column(
            sa.Column(
                "status",
                sa.Enum(
                    "Active",
                    "Inactive",
                    "Deleted",
                    name="memberstatus",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="Active",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("membership") as batch_op:
        batch_op.drop_column("status")
