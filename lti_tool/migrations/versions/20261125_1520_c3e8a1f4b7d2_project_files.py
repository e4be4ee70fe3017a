"""files attached to project hand-ins

Revision ID: c3e8a1f4b7d2
Revises: 4f7b2d9c6e13
Create Date: 2026-11-25 15:20:00
"""

import sqlalchemy as sa
from alembic import op

# Reviewed by hand: plain column types here, so the migration never imports app code.
TIMESTAMP = sa.DateTime(timezone=True)

revision = "c3e8a1f4b7d2"
down_revision = "4f7b2d9c6e13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        # The files go with their attempt (and so with its learner, course and tenant).
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_project_file_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_file")),
    )
    op.create_index(
        op.f("ix_project_file_attempt_id"), "project_file", ["attempt_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_project_file_attempt_id"), table_name="project_file")
    op.drop_table("project_file")
