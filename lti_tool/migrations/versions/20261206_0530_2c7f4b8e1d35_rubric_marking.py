"""rubric marking: one mark per grader (blind double marking, moderation) and an audit trail

Revision ID: 2c7f4b8e1d35
Revises: 1a5e3d7c9b20
Create Date: 2026-12-06 05:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Reviewed by hand: plain column types here, so the migration never imports app code.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

revision = "2c7f4b8e1d35"
down_revision = "1a5e3d7c9b20"
branch_labels = None
depends_on = None


def _course_columns(table: str) -> list:
    """The tenant and course columns (``CourseScoped``) with their foreign keys."""
    return [
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registration.id"],
            name=op.f(f"fk_{table}_registration_id_registration"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployment.id"],
            name=op.f(f"fk_{table}_deployment_id_deployment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["context_id"],
            ["context.id"],
            name=op.f(f"fk_{table}_context_id_context"),
            ondelete="CASCADE",
        ),
    ]


def _piece_columns(table: str, person: str) -> list:
    """The attempt and piece a row is about, and the person who acted."""
    return [
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("piece_key", sa.String(length=80), nullable=False),
        sa.Column(person, sa.Integer(), nullable=False),
        # Rows go with their attempt (and so with its learner, course and tenant).
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f(f"fk_{table}_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [person],
            ["lti_user.id"],
            name=op.f(f"fk_{table}_{person}_lti_user"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "rubric_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        *_course_columns("rubric_mark"),
        *_piece_columns("rubric_mark", "grader_id"),
        sa.Column(
            "role",
            sa.Enum("mark", "final", name="markrole", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("levels", JSON, nullable=False),
        sa.Column("comments", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("marked_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubric_mark")),
        # One mark of each role per grader and piece: the same grader cannot mark twice.
        sa.UniqueConstraint(
            "attempt_id",
            "piece_key",
            "grader_id",
            "role",
            name=op.f("uq_rubric_mark_attempt_id_piece_key_grader_id_role"),
        ),
    )
    op.create_index(op.f("ix_rubric_mark_attempt_id"), "rubric_mark", ["attempt_id"])
    op.create_table(
        "grading_event",
        sa.Column("id", sa.Integer(), nullable=False),
        *_course_columns("grading_event"),
        *_piece_columns("grading_event", "actor_id"),
        sa.Column(
            "action",
            sa.Enum(
                "mark",
                "second_mark",
                "moderation",
                "regrade",
                name="gradingaction",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "awaiting_second_mark",
                "moderation",
                "released",
                name="gradingoutcome",
                native_enum=False,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_event")),
    )
    op.create_index(op.f("ix_grading_event_attempt_id"), "grading_event", ["attempt_id"])
    # The course's trail, newest first, a page at a time.
    op.create_index("ix_grading_event_course", "grading_event", ["context_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_grading_event_course", table_name="grading_event")
    op.drop_index(op.f("ix_grading_event_attempt_id"), table_name="grading_event")
    op.drop_table("grading_event")
    op.drop_index(op.f("ix_rubric_mark_attempt_id"), table_name="rubric_mark")
    op.drop_table("rubric_mark")
