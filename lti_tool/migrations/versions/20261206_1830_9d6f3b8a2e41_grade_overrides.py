"""grade overrides: grades a teacher changed in the LMS, which reconcile respects

Revision ID: 9d6f3b8a2e41
Revises: 8b5e2a7d4c19
Create Date: 2026-12-06 18:30:00
"""

import sqlalchemy as sa
from alembic import op

# Reviewed by hand: plain column types here, so the migration never imports app code.
TIMESTAMP = sa.DateTime(timezone=True)

revision = "9d6f3b8a2e41"
down_revision = "8b5e2a7d4c19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "grade_override",
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("sent_score", sa.Float(), nullable=True),
        sa.Column("lms_score", sa.Float(), nullable=True),
        sa.Column("seen_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_link_id"],
            ["resource_link.id"],
            name=op.f("fk_grade_override_resource_link_id_resource_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["lti_user.id"],
            name=op.f("fk_grade_override_user_id_lti_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_link_id", "user_id", name=op.f("pk_grade_override")),
    )


def downgrade() -> None:
    op.drop_table("grade_override")
