"""credential reminders: the learner's reminder address and the reminders sent

Revision ID: d4f1a7c9e2b6
Revises: b6d2f8a4c1e9
Create Date: 2026-11-25 17:00:00
"""

import sqlalchemy as sa
from alembic import op

# Reviewed by hand: plain column types here, so the migration never imports app code.
TIMESTAMP = sa.DateTime(timezone=True)

revision = "d4f1a7c9e2b6"
down_revision = "b6d2f8a4c1e9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Batch mode: SQLite cannot add a NOT NULL column with a default otherwise.
    with op.batch_alter_table("credential_preference") as batch:
        batch.add_column(sa.Column("reminder_email", sa.String(length=320), nullable=True))
        batch.add_column(
            sa.Column("reminder_locale", sa.String(length=8), nullable=False, server_default="en")
        )
    op.create_table(
        "credential_reminder",
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=False),
        # A reminder goes with its credential.
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_credential_reminder_credential_id_credential"),
            ondelete="CASCADE",
        ),
        # The primary key makes a second reminder for the same threshold impossible.
        sa.PrimaryKeyConstraint(
            "credential_id", "days_before", name=op.f("pk_credential_reminder")
        ),
    )


def downgrade() -> None:
    op.drop_table("credential_reminder")
    with op.batch_alter_table("credential_preference") as batch:
        batch.drop_column("reminder_locale")
        batch.drop_column("reminder_email")
