"""job.group_key (a per-group cap on running jobs: one LMS's grade deliveries); lock key index

Revision ID: e5a9c7d3b8f1
Revises: c3e8a1f4b7d2
Create Date: 2026-11-25 15:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "e5a9c7d3b8f1"
down_revision = "c3e8a1f4b7d2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch_op:
        batch_op.add_column(sa.Column("group_key", sa.String(length=100), nullable=True))
    # The claim counts a group's running jobs; status pages read a lock key's newest job.
    op.create_index("ix_job_group_running", "job", ["group_key", "status"])
    op.create_index("ix_job_lock_key", "job", ["lock_key", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_lock_key", table_name="job")
    op.drop_index("ix_job_group_running", table_name="job")
    with op.batch_alter_table("job") as batch_op:
        batch_op.drop_column("group_key")
