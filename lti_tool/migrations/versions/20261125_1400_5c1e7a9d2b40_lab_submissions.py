"""lab submissions

Revision ID: 5c1e7a9d2b40
Revises: ad349ccf4b2a
Create Date: 2026-11-25 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

revision = "5c1e7a9d2b40"
down_revision = "ad349ccf4b2a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lab_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("content_versions", JSON, nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "graded",
                "not_gradable",
                "failed",
                name="submissionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("graded_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_lab_submission_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f("fk_lab_submission_deployment_id_deployment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_lab_submission_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["lti_user.id"],
            name=op.f("fk_lab_submission_user_id_lti_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_submission")),
    )
    op.create_index(
        "ix_lab_submission_context_id", "lab_submission", ["context_id", "user_id", "activity_id"]
    )


def downgrade() -> None:
    op.drop_table("lab_submission")
