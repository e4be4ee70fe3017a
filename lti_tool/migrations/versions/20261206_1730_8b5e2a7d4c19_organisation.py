"""organisation: course sections, due dates and targets, institutions' frameworks

Sections and their members (read from NRPS group enrollments and launches), the LMS's
availability and submission window on each resource link plus a target date set in
SkillCert, opt-ins for due-date reminders and (now separate) expiry reminders, and
institutions' imported CASE frameworks with the mappings of SkillCert's competencies to
their items. Until now a stored reminder address meant "send expiry reminders"; the
upgrade keeps that choice as ``expiry_reminders``, so one address can serve both kinds
without opting into one turning on the other.

Revision ID: 8b5e2a7d4c19
Revises: 7a4d1f6c9e38
Create Date: 2026-12-06 17:30:00
"""

import sqlalchemy as sa
from alembic import op

# Reviewed by hand: plain column types here, so the migration never imports app code.
TIMESTAMP = sa.DateTime(timezone=True)

revision = "8b5e2a7d4c19"
down_revision = "7a4d1f6c9e38"
branch_labels = None
depends_on = None

ASSOCIATION_TYPES = ("exactMatchOf", "isRelatedTo", "isPartOf")
REMINDER_SWITCHES = ("due_date_reminders", "expiry_reminders")
DUE_DATE_COLUMNS = ("available_from", "available_until", "submission_from", "due_at")


def _foreign_key(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def _tenant(table: str) -> list[sa.Column[int] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        _foreign_key(table, "registration_id", "registration"),
        _foreign_key(table, "deployment_id", "deployment"),
    ]


def upgrade() -> None:
    op.create_table(
        "course_section",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        _foreign_key("course_section", "context_id", "context"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_section")),
        sa.UniqueConstraint(
            "context_id", "section_id", name=op.f("uq_course_section_context_id_section_id")
        ),
    )
    op.create_table(
        "section_member",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _foreign_key("section_member", "section_id", "course_section"),
        _foreign_key("section_member", "user_id", "lti_user"),
        sa.PrimaryKeyConstraint("section_id", "user_id", name=op.f("pk_section_member")),
    )
    op.create_table(
        "due_reminder",
        sa.Column("resource_link_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=False),
        _foreign_key("due_reminder", "resource_link_id", "resource_link"),
        _foreign_key("due_reminder", "user_id", "lti_user"),
        sa.PrimaryKeyConstraint("resource_link_id", "user_id", name=op.f("pk_due_reminder")),
    )
    with op.batch_alter_table("resource_link") as batch:
        for column in DUE_DATE_COLUMNS:
            batch.add_column(sa.Column(column, TIMESTAMP, nullable=True))
        batch.add_column(sa.Column("target_date", sa.Date(), nullable=True))
    with op.batch_alter_table("credential_preference") as batch:
        for column in REMINDER_SWITCHES:
            batch.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    preference = sa.table(
        "credential_preference",
        sa.column("reminder_email", sa.String),
        sa.column("expiry_reminders", sa.Boolean),
    )
    op.execute(
        preference.update()
        .where(preference.c.reminder_email.is_not(None))
        .values(expiry_reminders=True)
    )

    op.create_table(
        "framework",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant("framework"),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("uri", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=1000), nullable=False),
        sa.Column("creator", sa.String(length=1000), nullable=False),
        sa.Column("last_change", sa.String(length=40), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework")),
        sa.UniqueConstraint(
            "registration_id",
            "deployment_id",
            "document_id",
            name=op.f("uq_framework_registration_id_deployment_id_document_id"),
        ),
    )
    op.create_table(
        "framework_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=36), nullable=False),
        sa.Column("uri", sa.String(length=1000), nullable=False),
        sa.Column("human_coding_scheme", sa.String(length=200), nullable=False),
        sa.Column("full_statement", sa.Text(), nullable=False),
        sa.Column("item_type", sa.String(length=200), nullable=False),
        sa.Column("parent_identifier", sa.String(length=36), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        _foreign_key("framework_item", "framework_id", "framework"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_item")),
        sa.UniqueConstraint(
            "framework_id", "identifier", name=op.f("uq_framework_item_framework_id_identifier")
        ),
    )
    op.create_table(
        "competency_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        *_tenant("competency_mapping"),
        sa.Column("framework_item_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.String(length=64), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column(
            "association_type",
            sa.Enum(
                *ASSOCIATION_TYPES, name="associationtype", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("mapped_by", sa.String(length=200), nullable=False),
        sa.Column("mapped_at", TIMESTAMP, nullable=False),
        _foreign_key("competency_mapping", "framework_item_id", "framework_item"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competency_mapping")),
        sa.UniqueConstraint(
            "framework_item_id",
            "track_id",
            "competency_id",
            name=op.f("uq_competency_mapping_framework_item_id_track_id_competency_id"),
        ),
    )
    op.create_index(
        "ix_competency_mapping_tenant",
        "competency_mapping",
        ["registration_id", "deployment_id", "track_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_competency_mapping_tenant", table_name="competency_mapping")
    op.drop_table("competency_mapping")
    op.drop_table("framework_item")
    op.drop_table("framework")
    with op.batch_alter_table("credential_preference") as batch:
        for column in reversed(REMINDER_SWITCHES):
            batch.drop_column(column)
    with op.batch_alter_table("resource_link") as batch:
        batch.drop_column("target_date")
        for column in reversed(DUE_DATE_COLUMNS):
            batch.drop_column(column)
    op.drop_table("due_reminder")
    op.drop_table("section_member")
    op.drop_table("course_section")
