"""background jobs

Revision ID: ad349ccf4b2a
Revises: 107b33e18dab
Create Date: 2026-11-25 13:41:34
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

revision = "ad349ccf4b2a"
down_revision = "107b33e18dab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "dead", name="jobstatus", native_enum=False, length=10
            ),
            nullable=False,
        ),
        sa.Column("lock_key", sa.String(length=200), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", TIMESTAMP, nullable=False),
        sa.Column("locked_by", sa.String(length=100), nullable=True),
        sa.Column("heartbeat_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "(status = 'running') = (locked_by IS NOT NULL)",
            name=op.f("ck_job_running_jobs_are_locked"),
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_job_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_claim", "job", ["status", "kind", "run_after"])
    running = sa.text("status = 'running'")
    queued = sa.text("status = 'queued'")
    op.create_index(
        "uq_job_running_lock_key",
        "job",
        ["lock_key"],
        unique=True,
        postgresql_where=running,
        sqlite_where=running,
    )
    op.create_index(
        "uq_job_queued_dedupe_key",
        "job",
        ["dedupe_key"],
        unique=True,
        postgresql_where=queued,
        sqlite_where=queued,
    )
    op.create_table(
        "job_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_event_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_event")),
    )
    op.create_index("ix_job_event_job_id", "job_event", ["job_id", "id"])


def downgrade() -> None:
    op.drop_table("job_event")
    op.drop_table("job")
