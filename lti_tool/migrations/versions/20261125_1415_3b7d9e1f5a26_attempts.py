"""attempts

Revision ID: 3b7d9e1f5a26
Revises: 8e2f4c6a1d93
Create Date: 2026-11-25 14:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

revision = "3b7d9e1f5a26"
down_revision = "8e2f4c6a1d93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("activity_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_versions", JSON, nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column(
            "status",
            sa.Enum("in_progress", "submitted", name="attemptstatus", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("deadline_at", TIMESTAMP, nullable=True),
        sa.Column("submitted_at", TIMESTAMP, nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_attempt_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f("fk_attempt_deployment_id_deployment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f("fk_attempt_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["lti_user.id"],
            name=op.f("fk_attempt_user_id_lti_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempt")),
        sa.UniqueConstraint(
            "context_id",
            "user_id",
            "track_id",
            "activity_id",
            "number",
            name=op.f("uq_attempt_context_id_user_id_track_id_activity_id_number"),
        ),
    )


def downgrade() -> None:
    op.drop_table("attempt")
