"""accommodations

Revision ID: 9a4c2e7b1f08
Revises: 3b7d9e1f5a26
Create Date: 2026-11-25 14:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9a4c2e7b1f08"
down_revision = "3b7d9e1f5a26"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accommodation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("extra_time_multiplier", sa.Float(), nullable=False),
        sa.Column("extra_attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "extra_time_multiplier >= 1 AND extra_time_multiplier <= 4",
            name=op.f("ck_accommodation_time"),
        ),
        sa.CheckConstraint(
            "extra_attempts >= 0 AND extra_attempts <= 10", name=op.f("ck_accommodation_attempts")
        ),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f("fk_accommodation_context_id_context"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["lti_user.id"],
            name=op.f("fk_accommodation_user_id_lti_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accommodation")),
        sa.UniqueConstraint(
            "context_id", "user_id", name=op.f("uq_accommodation_context_id_user_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("accommodation")
