"""login_state.client_hash: a keyed hash of the client address, to bound its unexpired logins

Revision ID: 6f3c9e5b8d27
Revises: 5e2b8d4a7c16
Create Date: 2026-12-06 06:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6f3c9e5b8d27"
down_revision = "5e2b8d4a7c16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rows written before this revision have no client (they expire within
    # launch_state_seconds anyway).
    with op.batch_alter_table("login_state") as batch_op:
        batch_op.add_column(sa.Column("client_hash", sa.String(length=64), nullable=True))
    # A login counts and trims its client's rows, newest first.
    op.create_index("ix_login_state_client", "login_state", ["client_hash", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_login_state_client", table_name="login_state")
    with op.batch_alter_table("login_state") as batch_op:
        batch_op.drop_column("client_hash")
