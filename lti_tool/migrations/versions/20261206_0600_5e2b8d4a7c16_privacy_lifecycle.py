"""privacy lifecycle: the access log of who looked at learners' work, and erasure records

Revision ID: 5e2b8d4a7c16
Revises: 2c7f4b8e1d35
Create Date: 2026-12-06 06:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

revision = "5e2b8d4a7c16"
down_revision = "2c7f4b8e1d35"
branch_labels = None
depends_on = None

ACCESS_KINDS = (
    "learner_work",
    "grading",
    "grade",
    "moderation",
    "marking",
    "project_file",
    "gradebook_csv",
    "export",
    "erasure",
)


def _foreign_key(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        # The tenant and course (``CourseScoped``): entries go with their tenant.
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*ACCESS_KINDS, name="accesskind", native_enum=False, length=30),
            nullable=False,
        ),
        sa.Column("learner_id", sa.Integer(), nullable=True),
        sa.Column("attempt_ids", JSON, nullable=False),
        sa.Column("lab_submission_ids", JSON, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        _foreign_key("access_log", "registration_id", "registration", "CASCADE"),
        _foreign_key("access_log", "deployment_id", "deployment", "CASCADE"),
        _foreign_key("access_log", "context_id", "context", "CASCADE"),
        # An entry outlives the people it names: their row going leaves a NULL.
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["lti_user.id"],
            name=op.f("fk_access_log_actor_id_lti_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["lti_user.id"],
            name=op.f("fk_access_log_learner_id_lti_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    # The administrator's page (a tenant's entries, newest first), what is logged about
    # a learner (export, erasure), and the retention purge (by age).
    op.create_index(
        "ix_access_log_tenant", "access_log", ["registration_id", "deployment_id", "id"]
    )
    op.create_index("ix_access_log_learner", "access_log", ["learner_id"])
    op.create_index("ix_access_log_at", "access_log", ["at"])

    op.create_table(
        "erasure_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=True),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.Column("learner_ref", sa.String(length=64), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("removed", JSON, nullable=False),
        sa.Column("credentials_revoked", sa.Boolean(), nullable=False),
        sa.Column("user_record_cleared", sa.Boolean(), nullable=False),
        _foreign_key("erasure_record", "registration_id", "registration", "CASCADE"),
        _foreign_key("erasure_record", "deployment_id", "deployment", "CASCADE"),
        _foreign_key("erasure_record", "context_id", "context", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_record")),
    )
    # "Was this learner erased?": the reference recomputed from a sub.
    op.create_index(
        "ix_erasure_record_reference", "erasure_record", ["registration_id", "learner_ref"]
    )


def downgrade() -> None:
    op.drop_index("ix_erasure_record_reference", table_name="erasure_record")
    op.drop_table("erasure_record")
    op.drop_index("ix_access_log_at", table_name="access_log")
    op.drop_index("ix_access_log_learner", table_name="access_log")
    op.drop_index("ix_access_log_tenant", table_name="access_log")
    op.drop_table("access_log")
